/// One layer of an image's history, as `GET /images/{name}/history` lists it, newest first.
public struct ImageHistoryEntry: Sendable, Hashable {
    /// The layer's image ID, or `<missing>` for layers pulled from a registry.
    public var id: String
    /// Seconds since 1970.
    public var created: Int64
    /// The instruction that made the layer (`/bin/sh -c apk add …`, `bash`, a commit's command).
    public var createdBy: String
    /// The tags of this layer's image.
    public var tags: [String]
    /// The commit message or build comment.
    public var comment: String

    public init(id: String, created: Int64, createdBy: String, tags: [String] = [], comment: String = "") {
        self.id = id
        self.created = created
        self.createdBy = createdBy
        self.tags = tags
        self.comment = comment
    }

    /// Reads one entry of the history array.
    public init(raw: JSONValue) throws {
        _ = try raw.requireObject("image history entry")
        id = raw.string("Id")
        created = raw.integer("Created")
        createdBy = raw.string("CreatedBy")
        tags = raw.strings("Tags")
        comment = raw.string("Comment")
    }
}
