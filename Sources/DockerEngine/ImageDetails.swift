/// An image as `GET /images/{name}/json` describes it.
public struct ImageDetails: Sendable, Hashable {
    /// The image ID, `sha256:...`: what a container's `Image` is compared with.
    public var id: String
    /// The tags that point at the image, such as `registry:5000/web:2.0`.
    public var repoTags: [String]
    /// The registry digests of the image, such as `web@sha256:...`.
    public var repoDigests: [String]
    /// `Config`: the defaults containers inherit (`Env`, `Cmd`, `Entrypoint`, `Healthcheck`,
    /// `Labels`, `Volumes`, `ExposedPorts`, `WorkingDir`, `User`).
    public var config: JSONValue
    /// RFC 3339 build time.
    public var created: String
    /// The whole inspect document.
    public var raw: JSONValue

    /// Reads an image inspect document.
    public init(raw: JSONValue) throws {
        _ = try raw.requireObject("image inspect document")
        guard let id = raw["Id"]?.stringValue, !id.isEmpty else {
            throw DockerError(.malformedResponse, "the engine's image inspect document has no Id")
        }
        self.id = id
        repoTags = raw.strings("RepoTags")
        repoDigests = raw.strings("RepoDigests")
        config = raw["Config"] ?? .null
        created = raw.string("Created")
        self.raw = raw
    }
}
