/// A volume as `GET /volumes/{name}` describes it.
public struct Volume: Sendable, Hashable {
    /// The volume's name; a long hex ID for anonymous volumes.
    public var name: String
    /// `local` unless a plugin provides the volume.
    public var driver: String
    /// Where the volume's data lives on the host.
    public var mountpoint: String
    /// The volume's labels.
    public var labels: [String: String]
    /// `local` or `global`.
    public var scope: String
    /// RFC 3339 creation time.
    public var createdAt: String
    /// The whole document.
    public var raw: JSONValue

    /// Reads a volume document.
    public init(raw: JSONValue) throws {
        _ = try raw.requireObject("volume document")
        name = raw.string("Name")
        driver = raw.string("Driver")
        mountpoint = raw.string("Mountpoint")
        labels = raw.stringMap("Labels")
        scope = raw.string("Scope")
        createdAt = raw.string("CreatedAt")
        self.raw = raw
    }
}
