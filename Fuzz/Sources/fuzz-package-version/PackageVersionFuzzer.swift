import FuzzSupport
import Packages

/// Versions as package databases and `--below` write them, one per line, read as dpkg and
/// as apk read them; the versions of each format must be totally ordered, since `molt find`
/// sorts by them and compares them with a bound.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPackageVersion(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    let lines = input.text.split(separator: "\n", omittingEmptySubsequences: false).prefix(8).map(String.init)
    for format in [PackageFormat.dpkg, .apk] {
        checkTotalOrder(lines.compactMap { try? PackageVersion(installed: $0, format: format) })
        for line in lines { _ = try? PackageVersion(line, format: format) }
    }
    for line in lines { _ = try? PackageVersion.formats(accepting: line) }
    return 0
}
