/// One path a container's filesystem changed against its image, as
/// `GET /containers/{id}/changes` lists it.
public struct ContainerChange: Sendable, Hashable {
    /// How the path changed.
    public enum Kind: Int, Sendable, Hashable {
        case modified = 0
        case added = 1
        case deleted = 2
    }

    /// The absolute path in the container, `/var/lib/dpkg/status`.
    public var path: String
    public var kind: Kind

    public init(path: String, kind: Kind) {
        self.path = path
        self.kind = kind
    }

    /// Reads one entry, `{"Path": "/etc", "Kind": 0}`.
    public init(raw: JSONValue) throws {
        _ = try raw.requireObject("container change")
        guard let path = raw["Path"]?.stringValue, let kind = raw["Kind"]?.integerValue.flatMap({ Kind(rawValue: Int($0)) }) else {
            throw DockerError(.malformedResponse, "a container change has no Path or an unknown Kind")
        }
        self.path = path
        self.kind = kind
    }
}
