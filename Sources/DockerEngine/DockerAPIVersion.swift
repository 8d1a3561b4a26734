/// A Docker Engine API version, such as `1.41`, which prefixes every versioned path.
///
/// molt speaks 1.41 (Engine 20.10) at least, and negotiates upward to the newest version it
/// knows the behaviour of, so that an engine upgrade never changes what molt's requests mean.
public struct DockerAPIVersion: Hashable, Comparable, Sendable, CustomStringConvertible, LosslessStringConvertible {
    /// The part before the dot; 1 for every Docker release so far.
    public var major: Int
    /// The part after the dot.
    public var minor: Int

    /// The version `major.minor`.
    public init(major: Int, minor: Int) {
        self.major = major
        self.minor = minor
    }

    /// Parses `1.41`; `nil` for anything else.
    public init?(_ text: String) {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let major = Int(parts[0]), let minor = Int(parts[1]),
            major >= 0, minor >= 0, !parts[0].hasPrefix("+"), !parts[1].hasPrefix("+")
        else { return nil }
        self.init(major: major, minor: minor)
    }

    /// The oldest version molt speaks: 1.41, Docker Engine 20.10.
    public static let minimum = DockerAPIVersion(major: 1, minor: 41)

    /// The newest version whose behaviour molt knows: 1.47, Docker Engine 27.3.
    public static let maximumKnown = DockerAPIVersion(major: 1, minor: 47)

    public var description: String { "\(major).\(minor)" }

    /// The path prefix, `/v1.41`.
    public var pathPrefix: String { "/v\(self)" }

    public static func < (lhs: DockerAPIVersion, rhs: DockerAPIVersion) -> Bool {
        (lhs.major, lhs.minor) < (rhs.major, rhs.minor)
    }
}
