import FuzzSupport
import Inventory

/// An Ansible INI inventory, resolved, and host patterns applied to it.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzInventoryINI(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    if let inventory = try? Inventory.parse(text: input.text, source: "fuzz.ini") {
        _ = try? inventory.hosts(matching: "all:!web*:&db")
    }
    return 0
}
