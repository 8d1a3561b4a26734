import Packages
import Testing

@Suite("Reading tar archives and package databases as their bytes arrive")
struct TarStreamingTests {
    static let chunkSizes = [1, 2, 7, 100, 511, 512, 513, 4099]

    static let archives: [(String, [UInt8])] = [
        ("gnu", TarFixtures.gnu.bytes),
        ("pax", TarFixtures.pax.bytes),
        ("ustar", TarFixtures.ustar.bytes),
        ("v7", TarFixtures.v7.bytes),
        ("distroless", TarFixtures.distrolessStatusDirectory.bytes),
        (
            "made",
            TarArchive.make(entries: [
                .directory("d"), .file("d/" + String(repeating: "long/", count: 30) + "f", contents: Array(0..<255)),
                .file("empty", contents: []), .file("big", contents: Array(repeating: 7, count: 5000)),
                TarEntry(path: "hard", kind: .hardlink, linkTarget: "big"), .symlink("s", to: "big"),
            ])
        ),
    ]

    @Test("reads every fixture fed in pieces of any size as it reads it whole", arguments: chunkSizes)
    func readsInAnyPieces(_ size: Int) throws {
        for (name, archive) in Self.archives {
            let whole = try TarArchive.entries(archive)
            let streamed = Self.read(archive, in: size)
            #expect(streamed.error == nil, "\(name)")
            #expect(streamed.entries == whole, "\(name) in pieces of \(size)")
        }
    }

    @Test("reports a truncated archive fed in pieces as it does a whole one", arguments: chunkSizes)
    func reportsTruncationInAnyPieces(_ size: Int) throws {
        let archive = TarArchive.make(entries: [
            .file("status", contents: Array(repeating: 0x61, count: 700)), .file("next", contents: [1]),
        ])
        for length in [100, 600, 1300, 1600, 2000] {
            let cut = Array(archive.prefix(length))
            var wholeError: String?
            do { _ = try TarArchive.entries(cut) } catch { wholeError = "\(error)" }
            #expect(wholeError != nil)
            #expect(Self.read(cut, in: size).error == wholeError, "cut at \(length)")
            // Skipping the data instead of keeping it changes nothing either.
            #expect(Self.read(cut, in: size, keeping: { _ in false }).error == wholeError, "cut at \(length), skipping")
        }
    }

    @Test("reads damaged archives in pieces as it reads them whole: the same members, then the same error")
    func damageInPiecesMatchesWhole() throws {
        let original = TarFixtures.gnu.bytes + TarFixtures.pax.bytes
        var random = SplitMix(seed: 7)
        for round in 0..<200 {
            var damaged = original
            for _ in 0...random.next(below: 4) {
                damaged[random.next(below: damaged.count)] = UInt8(truncatingIfNeeded: random.next(below: 256))
            }
            let cut = random.next(below: 4) == 0 ? random.next(below: damaged.count) : damaged.count
            let archive = Array(damaged.prefix(cut))
            let whole = Self.read(archive, in: archive.count + 1)
            let size = Self.chunkSizes[round % Self.chunkSizes.count]
            let streamed = Self.read(archive, in: size)
            #expect(streamed.entries == whole.entries, "round \(round)")
            #expect(streamed.error == whole.error, "round \(round)")
        }
    }

    @Test("drops the data of members it is told to skip, and says how large they were")
    func skipsUnwantedData() throws {
        let archive = TarArchive.make(entries: [
            .file("junk", contents: Array(repeating: 1, count: 300_000)), .file("status", contents: Array("x\n".utf8)),
            .file("more", contents: Array(repeating: 2, count: 1000)),
        ])
        var asked: [String] = []
        let streamed = Self.read(archive, in: 4096) { entry in
            asked.append(entry.path)
            #expect(entry.contents.isEmpty)
            return entry.path == "status"
        }
        #expect(streamed.error == nil)
        #expect(asked == ["junk", "status", "more"])
        #expect(streamed.entries.map(\.path) == ["junk", "status", "more"])
        #expect(streamed.entries.map(\.size) == [300_000, 2, 1000])
        #expect(streamed.entries.map(\.contents) == [[], Array("x\n".utf8), []])
        #expect(streamed.peak < 16 << 10, "held \(streamed.peak) bytes for pieces of 4 KiB")
    }

    @Test("holds one piece at a time while skipping a 200 MB member that never exists whole")
    func skipsHugeMemberInBoundedMemory() throws {
        var reader = PackageDatabaseReader(format: .dpkg, location: "/var/lib/dpkg/status")
        var fed = 0
        try SyntheticArchive.feed(junk: 200 << 20, status: Array(DpkgStatusTests.status.utf8)) { chunk in
            try reader.append(chunk)
            fed += chunk.count
        }
        let packages = try reader.finish()
        #expect(fed > 200 << 20)
        #expect(packages.map(\.name) == ["base-files", "libc6", "libc6", "libssl3"])
        // Pieces are 64 KiB: the reader holds about one, plus the status file.
        #expect(reader.peakHeldBytes < 256 << 10, "held \(reader.peakHeldBytes) bytes of a \(fed)-byte archive")
    }

    @Test("skips a huge md5sums file in status.d without holding it: only package files count")
    func skipsHugeCompanion() throws {
        var reader = PackageDatabaseReader(format: .dpkg, location: "/var/lib/dpkg/status.d")
        let stanza = Array("Package: libssl3\nVersion: 3.0.11-1\n".utf8)
        try SyntheticArchive.feed(
            junk: 100 << 20, named: "status.d/libssl3.md5sums", status: stanza, statusName: "status.d/libssl3"
        ) { try reader.append($0) }
        #expect(try reader.finish().map(\.name) == ["libssl3"])
        #expect(reader.peakHeldBytes < 256 << 10, "held \(reader.peakHeldBytes) bytes")

        let linked = TarArchive.make(entries: [
            .file("status.d/a.md5sums", contents: Array("Package: a\nVersion: 1\n".utf8)),
            TarEntry(path: "status.d/a", kind: .hardlink, linkTarget: "status.d/a.md5sums"),
        ])
        let error = #expect(throws: PackageDatabaseError.self) { try PackageDatabase.packages(fromArchive: linked, format: .dpkg) }
        #expect(
            error?.description
                == "status.d/a: is a hard link to 'status.d/a.md5sums', which is not a database member earlier in the archive")
    }

    @Test("refuses an extended header too large for any name instead of holding it")
    func refusesHugeExtendedHeader() throws {
        let archive = TarArchive.make(entries: [.file(String(repeating: "n", count: 120), contents: [7])])
        var reader = TarReader()
        reader.append(SyntheticArchive.header(archive, size: 2 << 20))
        reader.append([UInt8](repeating: 0x31, count: 4096))
        let error = #expect(throws: TarError.self) { try reader.nextEntry() }
        #expect(error?.offset == 0)
        #expect(error?.reason.contains("an extended header of 2097152 bytes is larger than the 1048576 bytes") == true)
        #expect(reader.peakBufferCapacity < 64 << 10)
    }

    @Test("refuses a status file above the limit, naming its path, without holding it")
    func refusesOversizedDatabase() async throws {
        let status = Array(repeating: UInt8(ascii: "#"), count: 3 << 20)
        let stream = AsyncStream<[UInt8]> { continuation in
            SyntheticArchive.feed(junk: 64 << 10, status: status, statusName: "status.d/huge") { continuation.yield($0) }
            continuation.finish()
        }
        let error = await #expect(throws: PackageDatabaseError.self) {
            try await PackageDatabase.packages(
                fromArchive: stream, location: "/var/lib/dpkg/status.d", format: .dpkg, limit: 1 << 20)
        }
        #expect(
            error?.description
                == "/var/lib/dpkg/status.d/huge: is 3145728 bytes, and molt reads at most 1048576 bytes of package database")
        #expect(PackageDatabaseReader.defaultLimit == 64 << 20)

        var reader = PackageDatabaseReader(format: .dpkg, limit: 1 << 20)
        let archive = TarArchive.make(entries: [.file("status", contents: status)])
        #expect(throws: PackageDatabaseError.self) { try reader.append(archive) }
        // The reader keeps reporting the error, and never kept the file.
        #expect(throws: PackageDatabaseError.self) { try reader.append([0]) }
        #expect(throws: PackageDatabaseError.self) { try reader.finish() }
    }

    @Test("reads package databases fed in pieces of any size as whole ones, hard links included", arguments: chunkSizes)
    func readsDatabasesInAnyPieces(_ size: Int) throws {
        var statusDirectory: [TarEntry] = [.directory("status.d")]
        for index in 0..<20 {
            statusDirectory.append(
                .file("status.d/lib\(index)", contents: Array("Package: lib\(index)\nVersion: 1.\(index)\n".utf8)))
            statusDirectory.append(.file("status.d/lib\(index).md5sums", contents: Array("0  lib\(index)\n".utf8)))
        }
        statusDirectory.append(TarEntry(path: "status.d/copy", kind: .hardlink, linkTarget: "./status.d/lib3"))
        let cases: [([UInt8], PackageFormat)] = [
            (TarArchive.make(entries: [.file("status", contents: Array(DpkgStatusTests.status.utf8))]), .dpkg),
            (TarArchive.make(entries: [.file("installed", contents: Array(APKDatabaseTests.installed.utf8))]), .apk),
            (TarFixtures.distrolessStatusDirectory.bytes, .dpkg),
            (TarArchive.make(entries: statusDirectory), .dpkg),
        ]
        for (archive, format) in cases {
            let whole = try PackageDatabase.packages(fromArchive: archive, format: format)
            var reader = PackageDatabaseReader(format: format)
            for start in stride(from: 0, to: archive.count, by: size) {
                try reader.append(archive[start..<min(start + size, archive.count)])
            }
            #expect(try reader.finish() == whole)
            #expect(!whole.isEmpty)
        }
    }

    @Test("refuses a hard link to a member it did not keep, and damaged databases fed in pieces, as whole ones")
    func refusesInPiecesAsWhole() throws {
        let cases: [([UInt8], PackageFormat)] = [
            (
                TarArchive.make(entries: [
                    .file("status.d/../elsewhere", contents: Array("Package: a\nVersion: 1\n".utf8)),
                    TarEntry(path: "status.d/a", kind: .hardlink, linkTarget: "status.d/../elsewhere"),
                ]), .dpkg
            ),
            (TarArchive.make(entries: [.file("status", contents: Array("Package: a\nbroken\n".utf8))]), .dpkg),
            (TarArchive.make(entries: [.symlink("installed", to: "/usr/lib/apk/db/installed")]), .apk),
            (TarArchive.make(entries: [.file("other", contents: [1, 2])]), .apk),
            (Array(TarArchive.make(entries: [.file("status", contents: Array(repeating: 0x41, count: 900))]).prefix(1000)), .dpkg),
        ]
        for (archive, format) in cases {
            var wholeError: String?
            do { _ = try PackageDatabase.packages(fromArchive: archive, format: format) } catch { wholeError = "\(error)" }
            #expect(wholeError != nil)
            for size in [1, 5, 512, 600] {
                var reader = PackageDatabaseReader(format: format)
                var streamedError: String?
                do {
                    for start in stride(from: 0, to: archive.count, by: size) {
                        try reader.append(archive[start..<min(start + size, archive.count)])
                    }
                    _ = try reader.finish()
                } catch {
                    streamedError = "\(error)"
                }
                #expect(streamedError == wholeError)
            }
        }
    }

    /// What a reader fed `archive` in pieces of `size` returns: its entries, then its error.
    static func read(
        _ archive: [UInt8], in size: Int, keeping: (TarEntry) -> Bool = { _ in true }
    ) -> (entries: [TarEntry], error: String?, peak: Int) {
        var reader = TarReader()
        var entries: [TarEntry] = []
        do {
            for start in stride(from: 0, to: archive.count, by: size) {
                reader.append(archive[start..<min(start + size, archive.count)])
                while let entry = try reader.nextEntry(keeping: keeping) { entries.append(entry) }
            }
            try reader.finish()
            return (entries, nil, reader.peakBufferCapacity)
        } catch {
            return (entries, "\(error)", reader.peakBufferCapacity)
        }
    }
}

/// A tar archive produced piece by piece and never held whole: a member of junk, then a status
/// file, then the end marker.
enum SyntheticArchive {
    static let pieceSize = 64 << 10

    /// Hands the archive to `body` in pieces of at most ``pieceSize`` bytes.
    static func feed(
        junk: Int, named junkName: String = "junk.bin", status: [UInt8], statusName: String = "status",
        to body: ([UInt8]) throws -> Void
    ) rethrows {
        if junk > 0 {
            try body(header(TarArchive.make(entries: [.file(junkName, contents: [])]), size: junk))
            let piece = [UInt8](repeating: 0xA5, count: pieceSize)
            var remaining = junk
            while remaining > 0 {
                let count = min(pieceSize, remaining)
                try body(count == pieceSize ? piece : Array(piece.prefix(count)))
                remaining -= count
            }
            let padding = (512 - junk % 512) % 512
            if padding > 0 { try body(Array(repeating: 0, count: padding)) }
        }
        let tail = TarArchive.make(entries: [.file(statusName, contents: status)])
        for start in stride(from: 0, to: tail.count, by: pieceSize) {
            try body(Array(tail[start..<min(start + pieceSize, tail.count)]))
        }
    }

    /// The first header of `archive` with its size field set to `size` and its checksum redone.
    static func header(_ archive: [UInt8], size: Int) -> [UInt8] {
        var block = Array(archive.prefix(512))
        let octal = Array(String(size, radix: 8).utf8)
        block.replaceSubrange(124..<136, with: Array(repeating: UInt8(ascii: "0"), count: 11 - octal.count) + octal + [0])
        block.replaceSubrange(148..<156, with: Array(repeating: UInt8(ascii: " "), count: 8))
        let sum = block.reduce(0) { $0 + Int($1) }
        let digits = Array(String(sum, radix: 8).utf8)
        block.replaceSubrange(
            148..<156, with: Array(repeating: UInt8(ascii: "0"), count: 6 - digits.count) + digits + [0, UInt8(ascii: " ")])
        return block
    }
}
