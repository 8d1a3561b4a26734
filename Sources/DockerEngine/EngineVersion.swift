/// What an engine says about itself in `GET /version`.
public struct EngineVersion: Sendable, Hashable {
    /// The Docker Engine release, such as `27.3.1`.
    public var version: String
    /// The newest API version the engine speaks, such as `1.47`.
    public var apiVersion: String
    /// The oldest API version the engine still accepts, such as `1.24`.
    public var minAPIVersion: String
    /// `linux` or `windows`.
    public var os: String
    /// `amd64`, `arm64`, ...
    public var arch: String
    /// The host's kernel release.
    public var kernelVersion: String

    /// A version given field by field, for tests and fakes.
    public init(
        version: String, apiVersion: String, minAPIVersion: String = "",
        os: String = "", arch: String = "", kernelVersion: String = ""
    ) {
        self.version = version
        self.apiVersion = apiVersion
        self.minAPIVersion = minAPIVersion
        self.os = os
        self.arch = arch
        self.kernelVersion = kernelVersion
    }

    /// Reads the engine's `/version` document.
    public init(raw: JSONValue) throws {
        _ = try raw.requireObject("version document")
        self.init(
            version: raw.string("Version"),
            apiVersion: raw.string("ApiVersion"),
            minAPIVersion: raw.string("MinAPIVersion"),
            os: raw.string("Os"),
            arch: raw.string("Arch"),
            kernelVersion: raw.string("KernelVersion")
        )
    }
}
