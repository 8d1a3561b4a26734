import Packages
import Testing

@Suite("Reading dpkg status files")
struct DpkgStatusTests {
    static let status = """
        Package: base-files
        Essential: yes
        Status: install ok installed
        Priority: required
        Architecture: amd64
        Version: 12.4+deb12u5
        Conffiles:
         /etc/debian_version 2f6ef3bbe20ce4a4b2a47c1bd15c9d58
        Description: Debian base system miscellaneous files
         This package contains the basic filesystem hierarchy.
         Package: not-a-package
         .
         Version: 0

        Package: libssl1.1
        Status: deinstall ok config-files
        Architecture: amd64
        Version: 1.1.1w-0+deb11u1

        Package: libc6
        Status: install ok installed
        Architecture: amd64
        Multi-Arch: same
        Source: glibc
        Version: 2.36-9+deb12u7

        Package: libc6
        Status: install ok installed
        Architecture: i386
        Multi-Arch: same
        Source: glibc
        Version: 2.36-9+deb12u7

        Package: libssl3
        Status: hold ok installed
        Architecture: amd64
        Source: openssl (3.0.15-1~deb12u1)
        Version: 3.0.15-1~deb12u1+b1

        Package: old-tool
        Status: purge ok not-installed
        Architecture: amd64

        """

    @Test("lists installed packages and skips removed ones and those left as config files")
    func listsInstalledPackages() throws {
        let packages = try PackageDatabase.parseDpkgStatus(Self.status)
        #expect(packages.map(\.name) == ["base-files", "libc6", "libc6", "libssl3"])
        #expect(packages.allSatisfy { $0.format == .dpkg })
        #expect(!packages.contains { $0.name == "libssl1.1" || $0.name == "not-a-package" })
    }

    @Test("keeps both architectures of a Multi-Arch: same package")
    func keepsMultiArchPackages() throws {
        let libc = try PackageDatabase.parseDpkgStatus(Self.status).filter { $0.name == "libc6" }
        #expect(libc.compactMap(\.architecture) == ["amd64", "i386"])
        #expect(libc.allSatisfy { $0.version == "2.36-9+deb12u7" && $0.source == "glibc" })
    }

    @Test("reads the source package and its version when they differ")
    func readsSource() throws {
        let libssl = try #require(try PackageDatabase.parseDpkgStatus(Self.status).first { $0.name == "libssl3" })
        #expect(libssl == InstalledPackage(
            name: "libssl3", version: "3.0.15-1~deb12u1+b1", architecture: "amd64", format: .dpkg,
            source: "openssl", sourceVersion: "3.0.15-1~deb12u1"))
    }

    @Test("ignores continuation lines, even ones that look like fields")
    func ignoresContinuationLines() throws {
        let base = try #require(try PackageDatabase.parseDpkgStatus(Self.status).first)
        #expect(base.name == "base-files")
        #expect(base.version == "12.4+deb12u5")
    }

    static let states: [(String, Bool)] = [
        ("install ok installed", true),
        ("hold ok installed", true),
        ("install ok triggers-pending", true),
        ("install ok triggers-awaited", true),
        // Selected for removal, but its files are still on disk and configured.
        ("deinstall ok installed", true),
        ("deinstall ok config-files", false),
        ("purge ok config-files", false),
        ("purge ok not-installed", false),
        ("install ok unpacked", false),
        ("install ok half-configured", false),
        ("install reinstreq half-installed", false),
    ]

    @Test("counts a package as installed when its Status says its files are configured", arguments: states)
    func countsInstalledStates(_ status: String, _ installed: Bool) throws {
        let text = "Package: p\nStatus: \(status)\nVersion: 1.0\n"
        #expect(try PackageDatabase.parseDpkgStatus(text).count == (installed ? 1 : 0))
    }

    /// Two installed stanzas, `a` 1 and `b` 2, with the given line end, separator and ending.
    static func twoStanzas(newline: String = "\n", between: String = "\n", prefix: String = "", end: String) -> String {
        let a = ["Package: a", "Status: install ok installed", "Version: 1"].joined(separator: newline)
        let b = ["Package: b", "Status: install ok installed", "Version: 2"].joined(separator: newline)
        return prefix + a + newline + between + b + end
    }

    static let layouts: [(String, String)] = [
        ("no trailing newline", twoStanzas(end: "")),
        ("CRLF line ends", twoStanzas(newline: "\r\n", between: "\r\n", end: "\r\n")),
        ("extra blank lines", twoStanzas(between: "\n\n \t\n", prefix: "\n\n", end: "\n\n\n")),
        ("lower and upper case field names", twoStanzas(end: "\n").lowercased().replacing("package", with: "PACKAGE")),
        ("no blank after the colon", twoStanzas(end: "\n").replacing(": ", with: ":")),
        ("a byte order mark", twoStanzas(prefix: "\u{FEFF}", end: "\n")),
    ]

    @Test("reads stanzas whatever the line layout", arguments: layouts)
    func toleratesLayouts(_ layout: String, _ text: String) throws {
        let packages = try PackageDatabase.parseDpkgStatus(text)
        #expect(packages.map(\.name) == ["a", "b"], "\(layout)")
        #expect(packages.map(\.version) == ["1", "2"], "\(layout)")
    }

    @Test("reads an empty status file as no packages")
    func readsEmptyFile() throws {
        #expect(try PackageDatabase.parseDpkgStatus("").isEmpty)
        #expect(try PackageDatabase.parseDpkgStatus("\n\n").isEmpty)
    }

    @Test("counts a status.d file without a Status field as installed")
    func readsStatusDirectoryFile() throws {
        let packages = try PackageDatabase.parseDpkgStatusDirectoryFile(
            "Package: libssl3\nSource: openssl\nVersion: 3.0.11-1~deb12u2\nArchitecture: amd64\n",
            file: "status.d/libssl3")
        #expect(packages == [
            InstalledPackage(name: "libssl3", version: "3.0.11-1~deb12u2", architecture: "amd64", format: .dpkg, source: "openssl")
        ])
    }

    static let broken: [(String, String)] = [
        (" continued\nPackage: a\n", "dpkg status line 1: continuation line before any field"),
        ("Package: a\nVersion 1.0\n", "dpkg status line 2: expected 'Field: value', found 'Version 1.0'"),
        ("Package: a\n: 1.0\n", "dpkg status line 2: ': 1.0' has no field name before ':'"),
        ("\nPackage: a\nStatus: install ok installed\n", "dpkg status line 2: installed package 'a' has no Version field"),
        ("Status: install ok installed\nVersion: 1\n", "dpkg status line 1: the stanza of an installed package has no Package field"),
        ("Package: a\nStatus: installed\nVersion: 1\n", "dpkg status line 1: Status 'installed' should be three words (want, flag, state)"),
    ]

    @Test("refuses text that is not a status file, naming the line", arguments: broken)
    func refusesBrokenFiles(_ text: String, _ message: String) {
        let error = #expect(throws: PackageDatabaseError.self) { try PackageDatabase.parseDpkgStatus(text) }
        #expect(error?.description == message)
    }
}
