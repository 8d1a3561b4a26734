import Packages
import Testing

@Suite("Reading and writing tar archives")
struct TarArchiveTests {
    static let longPath =
        "very/deeply/nested/directory/structure/that/goes/on/and/on/for/quite/a/while/until/it/is/long/"
        + "file-with-a-rather-long-name-too.txt"
    static let mtime = 1_714_979_289  // 2024-05-06T07:08:09Z

    @Test("reads GNU archives with long names, long link targets, hard links and FIFOs")
    func readsGNUArchive() throws {
        let entries = try TarArchive.entries(TarFixtures.gnu.bytes)
        #expect(entries.map(\.path) == ["short.txt", "hard.txt", "empty", "link-to-long", Self.longPath, "pipe"])
        #expect(entries.map(\.kind) == [.file, .hardlink, .directory, .symlink, .file, .other(UInt8(ascii: "6"))])
        #expect(entries[0].contents == Array("short\n".utf8))
        #expect(entries[0].mode == 0o644)
        #expect(entries[0].modificationTime == Self.mtime)
        #expect(entries[1].linkTarget == "short.txt")
        #expect(entries[2].mode == 0o755)
        #expect(entries[3].linkTarget == "../" + Self.longPath)
        #expect(entries[4].contents == Array("hello from a long path\n".utf8))
    }

    @Test("reads PAX archives with path and linkpath records and UTF-8 names")
    func readsPAXArchive() throws {
        let entries = try TarArchive.entries(TarFixtures.pax.bytes)
        #expect(entries.map(\.path) == ["short.txt", "café.txt", "link-to-long", Self.longPath])
        #expect(entries[1].contents == Array("café\n".utf8))
        #expect(entries[2].kind == .symlink)
        #expect(entries[2].linkTarget == "../" + Self.longPath)
        #expect(entries[3].contents == Array("hello from a long path\n".utf8))
        #expect(entries.allSatisfy { $0.modificationTime == Self.mtime })
    }

    @Test("reads ustar archives, joining the prefix field to the name")
    func readsUstarArchive() throws {
        let entries = try TarArchive.entries(TarFixtures.ustar.bytes)
        #expect(entries.map(\.path) == ["short.txt", "hard.txt", "empty", Self.longPath, "pipe"])
        #expect(entries[3].contents == Array("hello from a long path\n".utf8))
    }

    @Test("reads old v7 archives")
    func readsV7Archive() throws {
        let entries = try TarArchive.entries(TarFixtures.v7.bytes)
        #expect(entries.map(\.path) == ["short.txt", "empty"])
        #expect(entries.map(\.kind) == [.file, .directory])
    }

    @Test("reads back what it writes")
    func roundTrips() throws {
        let entries: [TarEntry] = [
            .directory("var/lib/dpkg"),
            .file("var/lib/dpkg/status", contents: Array("Package: a\n".utf8), modificationTime: Self.mtime),
            .file("empty", contents: []),
            .file("exactly-one-block", contents: Array(repeating: 0x41, count: 512)),
            .file("one-byte-over", contents: (0..<513).map { UInt8(truncatingIfNeeded: $0) }, mode: 0o600),
            .file(String(repeating: "long/", count: 40) + "name", contents: Array("deep\n".utf8)),
            .directory(String(repeating: "d", count: 150)),
            .symlink("link", to: String(repeating: "t/", count: 80)),
            .file("naïve-ü.txt", contents: Array("ü\n".utf8)),
            TarEntry(path: "big-ids", kind: .file, contents: [1], modificationTime: -5, userID: 1 << 30, groupID: 3),
            TarEntry(path: "hard", kind: .hardlink, linkTarget: "empty"),
        ]
        let archive = TarArchive.make(entries: entries)
        #expect(archive.count % 512 == 0)
        #expect(archive.suffix(1024).allSatisfy { $0 == 0 })
        #expect(try TarArchive.entries(archive) == entries)
    }

    @Test("reads an archive fed to it in small pieces")
    func readsIncrementally() throws {
        let archive = TarFixtures.pax.bytes
        var reader = TarReader()
        var entries: [TarEntry] = []
        var offset = 0
        while offset < archive.count {
            reader.append(archive[offset..<min(offset + 100, archive.count)])
            while let entry = try reader.nextEntry() { entries.append(entry) }
            offset += 100
        }
        try reader.finish()
        #expect(reader.isAtEnd)
        #expect(try entries == TarArchive.entries(archive))
    }

    @Test("reads an empty archive and one without its end marker")
    func readsEmptyAndUnterminatedArchives() throws {
        #expect(try TarArchive.entries([]).isEmpty)
        #expect(try TarArchive.entries(Array(repeating: 0, count: 1024)).isEmpty)
        let archive = TarArchive.make(entries: [.file("a", contents: [1, 2, 3])])
        #expect(try TarArchive.entries(Array(archive.dropLast(1024))).map(\.path) == ["a"])
    }

    static let truncations: [(Int, String)] = [
        (100, "tar archive at byte 0: the archive ends inside a header (100 of 512 bytes)"),
        (600, "tar archive at byte 0 (member 'status'): the archive ends inside the member's data (88 of 700 bytes)"),
        (1300, "tar archive at byte 0 (member 'status'): the archive ends inside the padding after the member's data"),
        (1600, "tar archive at byte 1536: the archive ends inside a header (64 of 512 bytes)"),
    ]

    @Test("says where a truncated archive stops", arguments: truncations)
    func refusesTruncatedArchives(_ length: Int, _ message: String) throws {
        let archive = TarArchive.make(entries: [
            .file("status", contents: Array(repeating: 0x61, count: 700)), .file("next", contents: [1]),
        ])
        let error = #expect(throws: TarError.self) { try TarArchive.entries(Array(archive.prefix(length))) }
        #expect(error?.description == message)
    }

    @Test("reports a bad checksum as a corrupt archive")
    func refusesBadChecksum() throws {
        var archive = TarArchive.make(entries: [.file("status", contents: [1])])
        archive[3] ^= 0x20
        let error = #expect(throws: TarError.self) { try TarArchive.entries(archive) }
        #expect(error?.description.contains("header checksum") == true)
        #expect(throws: TarError.self) { try TarArchive.entries(Array("not a tar archive\n".utf8) + Array(repeating: 0, count: 1024)) }
    }

    static let malformedPAX = ["5 a=b\n", "x path=a\n", "99 path=a\n", "12 path=abc!", "8 =abc\n", "11 size=-4\n", "11 size=1x\n"]

    @Test("refuses malformed PAX records", arguments: malformedPAX)
    func refusesMalformedPAX(_ records: String) throws {
        var archive = TarArchive.make(entries: [.file(String(repeating: "n", count: 120), contents: [7])])
        // Replace the writer's PAX data (`128 path=nnn…\n`) with the malformed records.
        let data = Array(records.utf8)
        for index in 512..<1024 { archive[index] = 0 }
        archive.replaceSubrange(512..<(512 + data.count), with: data)
        archive = setSize(data.count, ofHeaderAt: 0, in: archive)
        #expect(throws: TarError.self) { try TarArchive.entries(archive) }
    }

    @Test("never crashes or hangs on damaged archives, and keeps reporting the first error")
    func survivesDamage() throws {
        let original = TarFixtures.gnu.bytes + TarFixtures.pax.bytes
        var random = SplitMix(seed: 42)
        for _ in 0..<300 {
            var damaged = original
            for _ in 0...random.next(below: 4) {
                damaged[random.next(below: damaged.count)] = UInt8(truncatingIfNeeded: random.next(below: 256))
            }
            let cut = random.next(below: 4) == 0 ? random.next(below: damaged.count) : damaged.count
            var reader = TarReader(Array(damaged.prefix(cut)))
            do {
                while try reader.nextEntry() != nil {}
            } catch let error as TarError {
                #expect(throws: error) { try reader.nextEntry() }
                continue
            }
            do {
                try reader.finish()
            } catch let error as TarError {
                #expect(error.offset >= 0)
            }
        }
    }

    /// Rewrites the size field of the header at `offset` and its checksum.
    private func setSize(_ size: Int, ofHeaderAt offset: Int, in archive: [UInt8]) -> [UInt8] {
        var archive = archive
        let octal = Array(String(size, radix: 8).utf8)
        let field = Array(repeating: UInt8(ascii: "0"), count: 11 - octal.count) + octal + [0]
        archive.replaceSubrange((offset + 124)..<(offset + 136), with: field)
        archive.replaceSubrange((offset + 148)..<(offset + 156), with: Array(repeating: UInt8(ascii: " "), count: 8))
        let sum = archive[offset..<(offset + 512)].reduce(0) { $0 + Int($1) }
        let digits = Array(String(sum, radix: 8).utf8)
        let checksum = Array(repeating: UInt8(ascii: "0"), count: 6 - digits.count) + digits + [0, UInt8(ascii: " ")]
        archive.replaceSubrange((offset + 148)..<(offset + 156), with: checksum)
        return archive
    }
}

/// A small deterministic generator, so that damage tests do the same every run.
struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next(below bound: Int) -> Int {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return Int((z ^ (z >> 31)) % UInt64(bound))
    }
}
