import Packages
import Testing

@Suite("Package versions of either format")
struct PackageVersionTests {
    static let orderedPairs: [(PackageFormat, String, String)] = [
        (.dpkg, "1.0~rc1", "1.0"),
        (.dpkg, "3.0.11-1~deb12u2", "3.0.15-1~deb12u1"),
        (.dpkg, "2.0", "1:0.1"),
        (.apk, "1.0_rc1", "1.0"),
        (.apk, "3.1.4-r5", "3.1.7-r1"),
        (.apk, "1.0-r9", "1.0-r10"),
    ]

    @Test("orders by the rules of the version's format", arguments: orderedPairs)
    func ordersByFormat(_ format: PackageFormat, _ lower: String, _ higher: String) throws {
        let a = try PackageVersion(lower, format: format)
        let b = try PackageVersion(higher, format: format)
        #expect(a < b)
        #expect(a != b)
        #expect(a.format == format)
        #expect(a.description == lower)
    }

    @Test("orders the same text by each format's own rules")
    func sameTextDiffersByFormat() throws {
        // dpkg compares digit runs as numbers; apk compares a component with a leading zero as text.
        #expect(try PackageVersion("1.02", format: .dpkg) > PackageVersion("1.1", format: .dpkg))
        #expect(try PackageVersion("1.02", format: .apk) < PackageVersion("1.1", format: .apk))
        // `_rc1` is a pre-release to apk; to dpkg, which only warns about `_`, it sorts after the end.
        #expect(try PackageVersion(installed: "1.0_rc1", format: .dpkg) > PackageVersion("1.0", format: .dpkg))
        #expect(try PackageVersion("1.0_rc1", format: .apk) < PackageVersion("1.0", format: .apk))
    }

    @Test("orders versions of different formats apart, dpkg first, and never equal")
    func differentFormatsOrderByFormat() throws {
        let debian = try PackageVersion("9.9", format: .dpkg)
        let alpine = try PackageVersion("1.0", format: .apk)
        #expect(debian < alpine)
        #expect(debian != alpine)
        #expect(try PackageVersion("1.0", format: .dpkg) != PackageVersion("1.0", format: .apk))
    }

    static let invalid: [(PackageFormat, String)] = [
        (.dpkg, ""),
        (.dpkg, "latest"),
        (.dpkg, "1.0 2"),
        (.dpkg, "a:1.0"),
        (.dpkg, "1.0-"),
        (.dpkg, "1.0_beta"),
        (.apk, ""),
        (.apk, "latest"),
        (.apk, "1.0-foo"),
        (.apk, "1.0~rc1"),
        (.apk, "1.0_beta_foo"),
    ]

    @Test("rejects invalid versions with a message naming the text", arguments: invalid)
    func rejectsInvalidVersions(_ format: PackageFormat, _ text: String) {
        let error = #expect(throws: VersionError.self) { try PackageVersion(text, format: format) }
        #expect(error?.version == text)
        #expect(error?.format == format)
        #expect(error?.description.hasPrefix("'\(text)' is not a valid ") == true)
    }

    @Test("reads versions from a database as the package manager does")
    func installedVersionsAreLenient() throws {
        // dpkg only warns about these, apk does not check: a search must not stop at them.
        let debian = try PackageVersion(installed: "1.0_beta", format: .dpkg)
        #expect(try debian < PackageVersion("1.1", format: .dpkg))
        let alpine = try PackageVersion(installed: "1.0-foo", format: .apk)
        #expect(try alpine < PackageVersion("1.0", format: .apk))
        #expect(throws: VersionError.self) { try PackageVersion(installed: "", format: .dpkg) }
        #expect(throws: VersionError.self) { try PackageVersion(installed: "1:", format: .dpkg) }
    }

    @Test("tells which formats accept a version typed on the command line")
    func formatsAcceptingAVersion() throws {
        #expect(try PackageVersion.formats(accepting: "3.0.15-1~deb12u1") == [.dpkg])
        #expect(try PackageVersion.formats(accepting: "3.1.7-r1") == [.dpkg, .apk])
        #expect(try PackageVersion.formats(accepting: "1.0_p1") == [.apk])
        let error = #expect(throws: VersionError.self) { try PackageVersion.formats(accepting: "latest") }
        #expect(error?.format == nil)
        #expect(
            error?.description
                == "'latest' is not a package version: as a Debian version, version number does not start with digit;"
                + " as an apk version, a version must start with a digit (at offset 0)")
    }

    static let belowCases: [(InstalledPackage, String, Bool)] = [
        (InstalledPackage(name: "libssl3", version: "3.0.11-1~deb12u2", format: .dpkg), "3.0.15-1~deb12u1", true),
        (InstalledPackage(name: "libssl3", version: "3.0.15-1~deb12u1", format: .dpkg), "3.0.15-1~deb12u1", false),
        (InstalledPackage(name: "libssl3", version: "3.0.15-1", format: .dpkg), "3.0.15-1~deb12u1", false),
        (InstalledPackage(name: "libssl3", version: "3.1.4-r5", format: .apk), "3.1.7-r1", true),
        (InstalledPackage(name: "libssl3", version: "3.1.7-r1", format: .apk), "3.1.7-r1", false),
        (InstalledPackage(name: "libssl3", version: "3.1.7-r2", format: .apk), "3.1.7-r1", false),
    ]

    @Test("tells whether an installed package is below a fixed version", arguments: belowCases)
    func installedPackageBelow(_ package: InstalledPackage, _ bound: String, _ below: Bool) throws {
        #expect(try package.isVersion(below: bound) == below)
    }

    @Test("refuses a bound that is not a version of the package's format")
    func belowRefusesInvalidBound() {
        let package = InstalledPackage(name: "libssl3", version: "3.1.4-r5", format: .apk)
        let error = #expect(throws: VersionError.self) { try package.isVersion(below: "3.1.7-1~deb12u1") }
        #expect(error?.version == "3.1.7-1~deb12u1")
    }
}
