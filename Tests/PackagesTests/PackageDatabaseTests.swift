import Foundation
import Packages
import Testing

@Suite("Reading package databases out of container archives")
struct PackageDatabaseTests {
    @Test("asks containers for the dpkg status file, the distroless status.d directory and apk's database")
    func knowsWhereDatabasesLive() {
        #expect(PackageDatabase.locations.map(\.path) == ["/var/lib/dpkg/status", "/var/lib/dpkg/status.d", "/lib/apk/db/installed"])
        #expect(PackageDatabase.locations.map(\.format) == [.dpkg, .dpkg, .apk])
    }

    @Test("reads the status file the archive API returns for /var/lib/dpkg/status")
    func readsStatusFileArchive() throws {
        let archive = TarArchive.make(entries: [.file("status", contents: Array(DpkgStatusTests.status.utf8))])
        let packages = try PackageDatabase.packages(fromArchive: archive, format: .dpkg)
        #expect(packages.map(\.name) == ["base-files", "libc6", "libc6", "libssl3"])
    }

    @Test("reads every package file of a distroless status.d directory and skips the md5sums")
    func readsStatusDirectoryFixture() throws {
        let packages = try PackageDatabase.packages(fromArchive: TarFixtures.distrolessStatusDirectory.bytes, format: .dpkg)
        #expect(packages == [
            InstalledPackage(name: "base-files", version: "12.4+deb12u5", architecture: "amd64", format: .dpkg),
            InstalledPackage(
                name: "libssl3", version: "3.0.11-1~deb12u2", architecture: "amd64", format: .dpkg, source: "openssl"),
        ])
    }

    @Test("reads a status.d directory of many files, hard links included")
    func readsLargeStatusDirectory() throws {
        var entries: [TarEntry] = [.directory("status.d")]
        for index in 0..<200 {
            let stanza = "Package: lib\(index)\nVersion: 1.\(index)-1\nArchitecture: amd64\n"
            entries.append(.file("status.d/lib\(index)", contents: Array(stanza.utf8)))
            entries.append(.file("status.d/lib\(index).md5sums", contents: Array("0  usr/lib/lib\(index).so\n".utf8)))
        }
        entries.append(TarEntry(path: "status.d/lib0-copy", kind: .hardlink, linkTarget: "status.d/lib0"))
        let packages = try PackageDatabase.packages(fromArchive: TarArchive.make(entries: entries), format: .dpkg)
        #expect(packages.count == 201)
        #expect(packages[150] == InstalledPackage(name: "lib150", version: "1.150-1", architecture: "amd64", format: .dpkg))
        #expect(packages.last?.name == "lib0")
    }

    @Test("reads an empty status.d directory as no packages")
    func readsEmptyStatusDirectory() throws {
        let archive = TarArchive.make(entries: [.directory("status.d")])
        #expect(try PackageDatabase.packages(fromArchive: archive, format: .dpkg).isEmpty)
    }

    @Test("reads the installed file the archive API returns for /lib/apk/db/installed")
    func readsAPKArchive() throws {
        let archive = TarArchive.make(entries: [.file("installed", contents: Array(APKDatabaseTests.installed.utf8))])
        let packages = try PackageDatabase.packages(fromArchive: archive, format: .apk)
        #expect(packages.map(\.name) == ["musl", "libssl3", "alpine-baselayout-data"])
    }

    @Test("says which members it found when the archive holds no database")
    func refusesArchiveWithoutDatabase() {
        let archive = TarArchive.make(entries: [.file("installed", contents: Array("P:a\nV:1\n".utf8))])
        let error = #expect(throws: PackageDatabaseError.self) {
            try PackageDatabase.packages(fromArchive: archive, format: .dpkg)
        }
        #expect(error?.description == "archive: expected a dpkg 'status' file or 'status.d' directory, found 'installed'")
    }

    @Test("names the member and line of a broken database")
    func namesMemberOfBrokenDatabase() {
        let archive = TarArchive.make(entries: [.file("status", contents: Array("Package: a\nbroken\n".utf8))])
        let error = #expect(throws: PackageDatabaseError.self) {
            try PackageDatabase.packages(fromArchive: archive, format: .dpkg)
        }
        #expect(error?.description == "status line 2: expected 'Field: value', found 'broken'")
    }

    @Test("asks for the target when the database is a symbolic link")
    func refusesSymlinkedDatabase() {
        let archive = TarArchive.make(entries: [.symlink("installed", to: "/usr/lib/apk/db/installed")])
        let error = #expect(throws: PackageDatabaseError.self) {
            try PackageDatabase.packages(fromArchive: archive, format: .apk)
        }
        #expect(error?.description.contains("symbolic link to '/usr/lib/apk/db/installed'") == true)
    }

    @Test("reports a truncated archive as a tar error")
    func refusesTruncatedArchive() {
        let archive = TarArchive.make(entries: [.file("status", contents: Array(DpkgStatusTests.status.utf8))])
        #expect(throws: TarError.self) {
            try PackageDatabase.packages(fromArchive: Array(archive.prefix(700)), format: .dpkg)
        }
    }

    static let labImages: [(String, String, PackageFormat, String, String)] = [
        ("web-1.0", "var/lib/dpkg/status", .dpkg, "3.0.11-1~deb12u2", "amd64"),
        ("web-2.0", "var/lib/dpkg/status", .dpkg, "3.0.15-1~deb12u1", "amd64"),
        ("cache-1.0", "lib/apk/db/installed", .apk, "3.1.4-r5", "x86_64"),
        ("cache-1.1", "lib/apk/db/installed", .apk, "3.1.7-r1", "x86_64"),
    ]

    @Test("finds libssl3 and its version in the lab images' databases", arguments: labImages)
    func readsLabImages(_ image: String, _ path: String, _ format: PackageFormat, _ version: String, _ arch: String)
        throws
    {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        let file = root.appendingPathComponent("scripts/lab-images/\(image)/\(path)").path
        let contents = try #require(FileManager.default.contents(atPath: file), "cannot read \(file)")
        // What `GET /containers/{id}/archive?path=/<path>` returns: the file under its base name.
        let name = String(path.split(separator: "/").last!)
        let archive = TarArchive.make(entries: [.file(name, contents: Array(contents))])

        let packages = try PackageDatabase.packages(fromArchive: archive, format: format)
        let libssl = try #require(packages.first { $0.name == "libssl3" })
        #expect(libssl.version == version)
        #expect(libssl.architecture == arch)
        #expect(libssl.format == format)
        #expect(libssl.source == "openssl")
        #expect(!packages.contains { $0.name == "libssl1.1" })
        let fixed = format == .dpkg ? "3.0.15-1~deb12u1" : "3.1.7-r1"
        #expect(try libssl.isVersion(below: fixed) == image.hasSuffix("-1.0"))
    }
}
