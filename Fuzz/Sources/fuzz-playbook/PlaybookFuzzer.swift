import FuzzSupport
import Playbook

/// A playbook, parsed and validated.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPlaybook(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    _ = try? Playbook.parse(text: input.text, source: "fuzz.yml")
    return 0
}
