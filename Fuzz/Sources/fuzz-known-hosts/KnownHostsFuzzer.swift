import FuzzSupport

@testable import SSH

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKnownHosts(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    _ = FuzzInput(data, size)
    return 0
}
