import FuzzSupport

@testable import Packages

/// What the engine's archive API returns: a tar stream read whole and as it arrives, the
/// package databases read out of it, and its members written back.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTar(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    if let entries = try? TarArchive.entries(input.bytes) {
        _ = try? TarArchive.entries(TarArchive.make(entries: entries))
    }
    var reader = TarReader()
    for piece in input.pieces(sizes: [7, 100, 511, 512, 4096, 1 << 20]) {
        reader.append(piece)
        while let entry = try? reader.nextEntry() { _ = entry.contents.count }
    }
    _ = try? reader.finish()
    _ = try? PackageDatabase.packages(fromArchive: input.bytes, format: input.pick([.dpkg, .apk], salt: 1))
    return 0
}
