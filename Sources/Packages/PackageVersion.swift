/// A version of a Debian or an Alpine package, ordered the way its own package manager orders it.
///
/// Versions of the same format compare as ``DebianVersion`` or ``APKVersion`` do. Versions of
/// different formats have no meaningful order; so that sorting stays well defined they order
/// by format, every dpkg version before every apk version, and are never equal.
public struct PackageVersion: Sendable, Comparable, CustomStringConvertible {
    private enum Parsed: Sendable {
        case dpkg(DebianVersion)
        case apk(APKVersion)
    }

    private let parsed: Parsed

    /// Reads `text` strictly, for versions an operator types (`molt find --below`): a dpkg
    /// version must also start with a digit and use only the characters Debian Policy allows;
    /// an apk version must be one apk-tools calls valid.
    ///
    /// Throws a ``VersionError`` naming `text` and what is wrong with it.
    public init(_ text: String, format: PackageFormat) throws(VersionError) {
        switch format {
        case .dpkg: parsed = .dpkg(try DebianVersion(text))
        case .apk: parsed = .apk(try APKVersion(text))
        }
    }

    /// Reads `text` as the package manager reads versions from its own database: dpkg refuses
    /// only malformed versions (empty, blanks, bad epoch) and apk any empty or blank one.
    ///
    /// Use it for versions read from a container, so that one odd version in an image does not
    /// stop a search; use ``init(_:format:)`` for versions an operator types.
    public init(installed text: String, format: PackageFormat) throws(VersionError) {
        switch format {
        case .dpkg: parsed = .dpkg(try DebianVersion(installed: text))
        case .apk: parsed = .apk(try APKVersion(installed: text))
        }
    }

    /// Wraps a Debian version.
    public init(_ version: DebianVersion) { parsed = .dpkg(version) }

    /// Wraps an Alpine version.
    public init(_ version: APKVersion) { parsed = .apk(version) }

    /// The formats in which `text` is a strictly valid version, so that a version given on the
    /// command line can be checked before molt knows which databases the containers use.
    ///
    /// Throws when it is valid in none, with each format's reason.
    public static func formats(accepting text: String) throws(VersionError) -> [PackageFormat] {
        var accepted: [PackageFormat] = []
        var reasons: [String] = []
        for format in PackageFormat.allCases {
            do throws(VersionError) {
                _ = try PackageVersion(text, format: format)
                accepted.append(format)
            } catch {
                reasons.append("\(format == .dpkg ? "as a Debian" : "as an apk") version, \(error.reason)")
            }
        }
        guard !accepted.isEmpty else {
            throw VersionError(version: text, format: nil, reason: reasons.joined(separator: "; "))
        }
        return accepted
    }

    /// The package format whose ordering this version follows.
    public var format: PackageFormat {
        switch parsed {
        case .dpkg: .dpkg
        case .apk: .apk
        }
    }

    /// The version as written.
    public var description: String {
        switch parsed {
        case .dpkg(let version): version.description
        case .apk(let version): version.description
        }
    }

    /// Whether `lhs` sorts before `rhs`: by their format's rules, or dpkg first across formats.
    public static func < (lhs: Self, rhs: Self) -> Bool {
        switch (lhs.parsed, rhs.parsed) {
        case (.dpkg(let a), .dpkg(let b)): a < b
        case (.apk(let a), .apk(let b)): a < b
        case (.dpkg, .apk): true
        case (.apk, .dpkg): false
        }
    }

    /// Whether `lhs` and `rhs` are versions of one format that its package manager orders the same.
    public static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs.parsed, rhs.parsed) {
        case (.dpkg(let a), .dpkg(let b)): a == b
        case (.apk(let a), .apk(let b)): a == b
        default: false
        }
    }
}
