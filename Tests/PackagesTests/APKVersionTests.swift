import Packages
import Testing

/// Expectations follow apk-tools' `src/version.c` (apk-tools 2.14 and 3), as `apk version -t`
/// reports them; the tests do not need apk.
@Suite("apk version ordering")
struct APKVersionTests {
    static let orderedPairs: [(String, String, String)] = [
        // Pairs the find command meets in Alpine security advisories.
        ("3.1.4-r5", "<", "3.1.7-r1"),
        ("3.1.4-r5", "<", "3.1.4-r6"),
        ("1.0-r1", "<", "1.0-r10"),
        ("1.0-r9", "<", "1.0-r10"),
        ("1.36.1-r15", ">", "1.36.1-r2"),
        ("2.0", ">", "1.99.99"),
        ("1.2.4-r2", "<", "1.2.5"),
        // Dot-separated numbers compare as numbers; more components sort later.
        ("1.9", "<", "1.10"),
        ("1.2", "<", "1.2.1"),
        ("1.2.12.1", "<", "1.2.13"),
        ("10", ">", "9"),
        // A component with a leading zero compares as text.
        ("1.02", "<", "1.1"),
        ("1.0", "<", "1.00"),
        ("1.001", "<", "1.01"),
        // One letter after the numbers.
        ("1.2.3a", ">", "1.2.3"),
        ("1.2.3a", "<", "1.2.3b"),
        ("1.2z", "<", "1.3"),
        ("2.3.0b-r1", "<", "2.3.0b-r2"),
        // Suffixes: pre-releases before the release, post-releases after it.
        ("1.0_alpha", "<", "1.0_beta"),
        ("1.0_beta", "<", "1.0_pre"),
        ("1.0_pre", "<", "1.0_rc"),
        ("1.0_rc1", "<", "1.0"),
        ("1.0", "<", "1.0_cvs"),
        ("1.0_cvs", "<", "1.0_svn"),
        ("1.0_svn", "<", "1.0_git"),
        ("1.0_git", "<", "1.0_hg"),
        ("1.0_hg", "<", "1.0_p"),
        ("1.0", "<", "1.0_p1"),
        ("1.0_rc9", "<", "1.0_rc10"),
        ("1.0_alpha", "<", "1.0_alpha1"),
        ("1.0_p1", "<", "1.0_p2"),
        ("3.1_p16", "<", "3.1_p17"),
        ("1.0_rc1", ">", "0.9_p9"),
        ("0.1_pre2", ">", "0.1_pre2_alpha1"),
        // Commit hashes and revisions come last.
        ("1.0", "<", "1.0-r1"),
        ("1.0_rc1-r3", "<", "1.0"),
        ("1.0", "<", "1.0~abc1"),
        ("1.0~abc1", "<", "1.0~abc2"),
        ("1.0~abc1-r1", ">", "1.0~abc1"),
        ("1.0.1", ">", "1.0-r5"),
        ("1.0a", ">", "1.0-r5"),
        // Equal versions.
        ("1.0", "=", "1.0"),
        ("1.0-r0", "=", "1.0-r00"),
        ("1.0_p01", "=", "1.0_p1"),
        // Invalid versions found in a database still order as apk orders them.
        ("1.0-foo", "<", "1.0"),
        ("1.0bc", ">", "1.0"),
    ]

    @Test("orders versions as apk-tools does", arguments: orderedPairs)
    func ordersLikeApk(_ lhs: String, _ relation: String, _ rhs: String) throws {
        let a = try APKVersion(installed: lhs)
        let b = try APKVersion(installed: rhs)
        switch relation {
        case "<":
            #expect(a < b)
            #expect(b > a)
            #expect(a != b)
        case ">":
            #expect(a > b)
            #expect(b < a)
            #expect(a != b)
        default:
            #expect(a == b)
            #expect(!(a < b) && !(b < a))
        }
    }

    @Test("sorts a release's pre-releases, revisions and post-releases in order")
    func sortsReleaseTrain() throws {
        let expected = [
            "1.0_alpha1", "1.0_beta2", "1.0_pre1", "1.0_rc1", "1.0_rc2", "1.0", "1.0-r1", "1.0-r2", "1.0_git20240101",
            "1.0_p1", "1.0_p1-r1", "1.0a", "1.0.1",
        ]
        let sorted = try expected.reversed().map { try APKVersion($0) }.sorted().map(\.description)
        #expect(sorted == expected)
    }

    static let valid = [
        "1", "1.2", "1.2.3a", "1.0_rc1", "0.1_p1_pre2", "0.1_git20240101_pre1", "0.1_pre2~1234abcd",
        "1.0~abc1-r1", "3.1.4-r5",
    ]

    @Test("accepts the versions apk-tools calls valid", arguments: valid)
    func acceptsValidVersions(_ text: String) throws {
        let version = try APKVersion(text)
        #expect(version.isValid)
        #expect(version.invalidity == nil)
        #expect(version.description == text)
    }

    static let invalid = [
        "v1.0", "latest", ".1", "1..0", "1.", "1.0bc", "1.0a1", "0.1a.1", "1.0-foo", "1.0-r", "1.0-r1-r2",
        "1.0_foo", "1.0_", "1.0_RC1", "1.0~", "1.0~xyz", "1.0~abc~def", "1.0-r1_p1", "1.0-r1~abc",
        "1.0-pre1.1", "1.0+1",
    ]

    @Test("refuses from an operator the versions apk-tools calls invalid", arguments: invalid)
    func refusesInvalidVersions(_ text: String) throws {
        let error = #expect(throws: VersionError.self) { try APKVersion(text) }
        #expect(error?.version == text)
        #expect(error?.format == .apk)
        #expect(error?.description.hasPrefix("'\(text)' is not a valid apk version: ") == true)
        // apk itself reads such versions from its database without complaint.
        #expect(try APKVersion(installed: text).isValid == false)
    }

    @Test("says where an invalid version breaks the grammar")
    func explainsInvalidity() throws {
        #expect(try APKVersion(installed: "1.0_foo").invalidity?.contains("unknown suffix '_foo'") == true)
        #expect(try APKVersion(installed: "1.0-foo").invalidity?.contains("at offset 3") == true)
    }

    @Test("refuses empty versions and versions with blanks even from a database", arguments: ["", "1.0 1", "1.0\t", "1.0\n"])
    func refusesBlankVersions(_ text: String) {
        #expect(throws: VersionError.self) { try APKVersion(installed: text) }
        #expect(throws: VersionError.self) { try APKVersion(text) }
    }
}
