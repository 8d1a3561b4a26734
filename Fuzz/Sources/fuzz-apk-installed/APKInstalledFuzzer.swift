import FuzzSupport

@testable import Packages

/// An apk database (`/lib/apk/db/installed`), and the versions it records, parsed and ordered
/// as `molt find` orders them.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAPKInstalled(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    let packages = (try? PackageDatabase.parseAPKInstalled(input.bytes, file: "installed")) ?? []
    let versions = packages.compactMap { try? $0.parsedVersion }
    checkTotalOrder(versions)
    for package in packages { _ = try? APKVersion(package.version) }
    return 0
}
