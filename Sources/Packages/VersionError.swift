/// Why a string is not a version of a package format.
public struct VersionError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The text that was offered as a version.
    public var version: String
    /// The format whose rules it breaks, or `nil` when it breaks the rules of every format.
    public var format: PackageFormat?
    /// What is wrong with it, in the package manager's words where it has some.
    public var reason: String

    /// An error with its version, format and reason.
    public init(version: String, format: PackageFormat?, reason: String) {
        self.version = version
        self.format = format
        self.reason = reason
    }

    /// The error as the operator reads it.
    public var description: String {
        let kind =
            switch format {
            case .dpkg: "a valid Debian version"
            case .apk: "a valid apk version"
            case nil: "a package version"
            }
        return "'\(version)' is not \(kind): \(reason)"
    }
}
