import Packages
import Testing

/// Every expectation here was checked once with `dpkg --compare-versions` (dpkg 1.21.22); the
/// tests do not need dpkg.
@Suite("Debian version ordering")
struct DebianVersionTests {
    static let orderedPairs: [(String, String, String)] = [
        // Pairs the find command meets in security advisories.
        ("1.0~rc1", "<", "1.0"),
        ("1:0.1", ">", "2.0"),
        ("1.0-1", "<", "1.0-1+deb12u1"),
        ("3.0.11-1~deb12u2", "<", "3.0.15-1~deb12u1"),
        ("3.0.15-1~deb12u1", "<", "3.0.15-1"),
        ("3.0.15-1", "<", "3.0.15-1+deb12u1"),
        ("3.0.15-1+deb12u1", "<", "3.0.15-1+deb12u2"),
        ("2.36-9+deb12u4", "<", "2.36-9+deb12u10"),
        ("7.88.1-10+deb12u5", "<", "7.88.1-10+deb12u12"),
        ("2.38.1-5+deb12u1", ">", "2.38.1-5+b1"),
        ("5.2.15-2+b2", "<", "5.2.15-2+b7"),
        ("1.0-1~bpo12+1", "<", "1.0-1"),
        ("3.0.2-0ubuntu1.15", ">", "3.0.2-0ubuntu1.9"),
        ("1.0-1build1", "<", "1.0-1ubuntu1"),
        ("1.2.13.dfsg-1", ">", "1.2.13-1"),
        // Tilde sorts before everything, even the end; letters before other characters.
        ("1.0~~", "<", "1.0~"),
        ("1.0~~a", "<", "1.0~"),
        ("1.0~", "<", "1.0"),
        ("1.0", "<", "1.0a"),
        ("1.0a", "<", "1.0+"),
        ("1.2a", "<", "1.2+"),
        ("1.0z", "<", "1.0."),
        ("1.0.0", ">", "1.0+"),
        ("1.0A", "<", "1.0a"),
        ("1.0a", "<", "1.0b"),
        ("1.0-a", ">", "1.0-A"),
        ("2.0~beta1", "<", "2.0~rc1"),
        ("2.0~rc1", "<", "2.0"),
        ("1.0~rc1-1", "<", "1.0-1"),
        ("1.2.3~dfsg", "<", "1.2.3"),
        ("1.2.3+dfsg", ">", "1.2.3"),
        ("2.0", "<", "2.0+really1.0"),
        // Digit runs compare as numbers; more components sort later.
        ("1.9", "<", "1.10"),
        ("10", ">", "9"),
        ("1.0-2", "<", "1.0-10"),
        ("1.0.1", ">", "1.0"),
        ("1.0", "<", "1.0.0"),
        ("0.0", ">", "0"),
        ("1.0-1", "<", "1.0.0-1"),
        // Epochs first, revisions last.
        ("1:1.0", "<", "2:0.1"),
        ("2:1.0", "<", "10:0.1"),
        ("1.0-1", "<", "1:0.9-1"),
        ("1.0-1", "<", "1.0-2"),
        ("1.0", "<", "1.0-1"),
        ("1.2.3", "<", "1.2.3-0.1"),
        // Equal though written differently.
        ("1.0", "=", "1.00"),
        ("1.01", "=", "1.1"),
        ("001", "=", "1"),
        ("1.0", "=", "1.0-0"),
        ("0:1.0", "=", "1.0"),
    ]

    @Test("orders versions as dpkg --compare-versions does", arguments: orderedPairs)
    func ordersLikeDpkg(_ lhs: String, _ relation: String, _ rhs: String) throws {
        let a = try DebianVersion(lhs)
        let b = try DebianVersion(rhs)
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

    @Test("sorts tilde before the empty string and letters after it")
    func policyExampleSortsInOrder() throws {
        // Debian Policy §5.6.12's own example, each with the same upstream prefix.
        let expected = ["1~~", "1~~a", "1~", "1", "1a"]
        let sorted = try expected.reversed().map { try DebianVersion($0) }.sorted().map(\.description)
        #expect(sorted == expected)
    }

    @Test("splits epoch, upstream version and revision at the first colon and the last hyphen")
    func splitsComponents() throws {
        let version = try DebianVersion("2:1.2-3-4")
        #expect(version.epoch == 2)
        #expect(version.upstream == "1.2-3")
        #expect(version.revision == "4")
        let plain = try DebianVersion("1:2:3")
        #expect(plain.epoch == 1)
        #expect(plain.upstream == "2:3")
        #expect(plain.revision == "")
    }

    @Test("ignores surrounding blanks as dpkg does")
    func trimsBlanks() throws {
        let version = try DebianVersion("  1.0-1\t")
        #expect(version.description == "1.0-1")
        #expect(try version == DebianVersion("1.0-1"))
    }

    static let malformed: [(String, String)] = [
        ("", "version string is empty"),
        ("   ", "version string is empty"),
        ("1.0 2", "version string has embedded spaces"),
        ("a:1.0", "epoch in version is empty"),
        (":1.0", "epoch in version is empty"),
        ("1a:1.0", "epoch in version is not number"),
        ("1.0-1:2", "epoch in version is not number"),
        ("-1:1.0", "epoch in version is negative"),
        ("2147483648:1", "epoch in version is too big"),
        ("99999999999999999999999:1", "epoch in version is too big"),
        ("1:", "nothing after colon in version number"),
        ("1.0-", "revision number is empty"),
        ("1:-1", "version number is empty"),
    ]

    @Test("refuses what dpkg refuses, with dpkg's reason", arguments: malformed)
    func refusesMalformedVersions(_ text: String, _ reason: String) {
        #expect(throws: VersionError(version: text, format: .dpkg, reason: reason)) {
            try DebianVersion(installed: text)
        }
        #expect(throws: VersionError(version: text, format: .dpkg, reason: reason)) {
            try DebianVersion(text)
        }
    }

    @Test("accepts the largest epoch dpkg accepts")
    func acceptsLargestEpoch() throws {
        #expect(try DebianVersion("2147483647:1").epoch == 2_147_483_647)
    }

    static let warnedAbout: [(String, String)] = [
        ("abc", "version number does not start with digit"),
        ("1.0_1", "invalid character in version number"),
        ("1.0-a_b", "invalid character in revision number"),
    ]

    @Test("accepts from a database what dpkg only warns about, but not from an operator", arguments: warnedAbout)
    func warnsLikeDpkg(_ text: String, _ warning: String) throws {
        #expect(try DebianVersion(installed: text).warning == warning)
        #expect(throws: VersionError(version: text, format: .dpkg, reason: warning)) {
            try DebianVersion(text)
        }
    }

    @Test("has no warning for versions Policy allows")
    func wellFormedVersionsHaveNoWarning() throws {
        for text in ["1:2.3.4+dfsg~rc1-5+deb12u1", "0", "1.0-1~bpo12+1", "1:2:3"] {
            #expect(try DebianVersion(text).warning == nil)
        }
    }

    @Test("describes itself by the text it was given")
    func describesItself() throws {
        #expect(try DebianVersion("1:1.0-1").description == "1:1.0-1")
        #expect(
            VersionError(version: "1:", format: .dpkg, reason: "nothing after colon in version number").description
                == "'1:' is not a valid Debian version: nothing after colon in version number")
    }
}
