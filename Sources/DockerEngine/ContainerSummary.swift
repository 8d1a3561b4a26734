/// One container as `GET /containers/json` lists it: enough for status, without an inspect.
public struct ContainerSummary: Sendable, Hashable {
    /// The full container ID.
    public var id: String
    /// Every name, each with its leading `/`; links add names like `/web/db`.
    public var names: [String]
    /// The image as the container was created with it: a reference, or an ID.
    public var image: String
    /// The ID of the image the container runs, `sha256:...`.
    public var imageID: String
    /// `created`, `running`, `paused`, `restarting`, `removing`, `exited` or `dead`.
    public var state: String
    /// The engine's human summary, such as `Up 2 minutes (healthy)`.
    public var status: String
    /// The container's labels.
    public var labels: [String: String]
    /// When the container was created, in seconds since 1970.
    public var created: Int64

    /// Reads one entry of the engine's container list.
    public init(raw: JSONValue) throws {
        _ = try raw.requireObject("container list entry")
        id = raw.string("Id")
        names = raw.strings("Names")
        image = raw.string("Image")
        imageID = raw.string("ImageID")
        state = raw.string("State")
        status = raw.string("Status")
        labels = raw.stringMap("Labels")
        created = raw.integer("Created")
    }

    /// The container's own name without the leading `/`, as `docker ps` shows it.
    ///
    /// The first name that is not a link alias (`/web/db`), else the first name.
    public var name: String {
        let own = names.first { $0.dropFirst().firstIndex(of: "/") == nil } ?? names.first ?? ""
        return own.hasPrefix("/") ? String(own.dropFirst()) : own
    }
}
