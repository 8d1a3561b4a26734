import FuzzSupport

@testable import Packages

/// A dpkg status file (or one file of a distroless `status.d`), and the versions it records,
/// parsed and ordered as `molt find` orders them, which must be a total order.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDpkgStatus(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    let packages =
        (try? PackageDatabase.parseDpkgStatus(input.bytes, file: "status", assumeInstalled: input.pick([false, true])))
        ?? []
    let versions = packages.compactMap { try? $0.parsedVersion }
    checkTotalOrder(versions)
    for package in packages { _ = try? DebianVersion(package.version) }
    return 0
}
