import Packages
import Testing

@Suite("Reading apk's installed database")
struct APKDatabaseTests {
    static let installed = """
        C:Q1Jj0Hn3vGZ2nP9nY9fM0lq8mVvTg=
        P:musl
        V:1.2.4-r2
        A:x86_64
        T:the musl c library (libc) implementation
        o:musl
        F:lib
        R:ld-musl-x86_64.so.1
        a:0:0:755

        P:libssl3
        V:3.1.4-r5
        A:aarch64
        o:openssl
        D:so:libc.musl-aarch64.so.1 so:libcrypto.so.3
        p:so:libssl.so.3=3

        P:alpine-baselayout-data
        V:3.4.3-r1
        """

    @Test("lists every record's name, version, architecture and origin")
    func listsRecords() throws {
        let packages = try PackageDatabase.parseAPKInstalled(Self.installed)
        #expect(packages == [
            InstalledPackage(name: "musl", version: "1.2.4-r2", architecture: "x86_64", format: .apk, source: "musl"),
            InstalledPackage(name: "libssl3", version: "3.1.4-r5", architecture: "aarch64", format: .apk, source: "openssl"),
            InstalledPackage(name: "alpine-baselayout-data", version: "3.4.3-r1", format: .apk),
        ])
    }

    @Test("reads CRLF line ends and runs of blank lines")
    func toleratesLayouts() throws {
        let text = "\n\nP:a\r\nV:1.0-r0\r\n\r\n\r\n\nP:b\nV:2.0-r0\n\n"
        #expect(try PackageDatabase.parseAPKInstalled(text).map(\.name) == ["a", "b"])
    }

    @Test("reads an empty database as no packages")
    func readsEmptyDatabase() throws {
        #expect(try PackageDatabase.parseAPKInstalled("").isEmpty)
    }

    static let broken: [(String, String)] = [
        ("P:a\nV:1.0\nnot a field\n", "apk installed line 3: expected 'K:value', found 'not a field'"),
        ("P:a\nA:x86_64\n\nP:b\nV:1\n", "apk installed line 1: package 'a' has no V: (version) line"),
        ("P:a\nV:1\n\nV:2\nA:x86_64\n", "apk installed line 4: the record has no P: (package name) line"),
    ]

    @Test("refuses text that is not an apk database, naming the line", arguments: broken)
    func refusesBrokenDatabases(_ text: String, _ message: String) {
        let error = #expect(throws: PackageDatabaseError.self) { try PackageDatabase.parseAPKInstalled(text) }
        #expect(error?.description == message)
    }
}
