import FuzzSupport

@testable import Packages

/// What the engine's archive API returns: a tar stream read whole and as it arrives (keeping
/// every member's data, or skipping some), the package databases read out of it whole and as
/// they arrive, and its members written back. Read in pieces, the archive must give what it
/// gives whole.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTar(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    let whole = Result { try TarArchive.entries(input.bytes) }
    if case .success(let entries) = whole {
        _ = try? TarArchive.entries(TarArchive.make(entries: entries))
    }
    let pieces = input.pieces(sizes: [1, 7, 100, 511, 512, 513, 4096, 1 << 20])

    var reader = TarReader()
    var streamed: [TarEntry] = []
    var streamError: (any Error)?
    var skipping = TarReader()
    var skipped: [TarEntry] = []
    do {
        for piece in pieces {
            reader.append(piece)
            while let entry = try reader.nextEntry() { streamed.append(entry) }
            skipping.append(piece)
            while let entry = try skipping.nextEntry(keeping: { $0.size % 2 == 0 }) { skipped.append(entry) }
        }
        try reader.finish()
        try skipping.finish()
    } catch {
        streamError = error
    }
    if case .success(let entries) = whole {
        precondition(streamError == nil, "read whole but not in pieces: \(streamError!)")
        precondition(streamed == entries, "members read in pieces differ from members read whole")
        precondition(skipped.map(\.path) == entries.map(\.path), "skipping data changed the members")
    } else {
        precondition(streamError != nil, "read in pieces but not whole")
    }

    let format = input.pick([PackageFormat.dpkg, .apk], salt: 1)
    let packages = Result { try PackageDatabase.packages(fromArchive: input.bytes, format: format) }
    var database = PackageDatabaseReader(format: format, location: "/var/lib/dpkg/status.d")
    let streamedPackages = Result {
        for piece in pieces { try database.append(piece) }
        return try database.finish()
    }
    switch (packages, streamedPackages) {
    case (.success(let a), .success(let b)): precondition(a == b, "packages read in pieces differ from whole")
    case (.failure, .failure): break
    default: preconditionFailure("the database reads whole and in pieces disagree on failing")
    }
    return 0
}
