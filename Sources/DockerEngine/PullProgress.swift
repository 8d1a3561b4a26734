/// One line of a pull's progress stream.
public struct PullProgress: Sendable, Hashable {
    /// What is happening: `Pulling fs layer`, `Downloading`, `Pull complete`, `Digest: ...`,
    /// `Status: Downloaded newer image for web:2.0`.
    public var status: String
    /// The layer the line is about, or the tag for whole-image lines.
    public var id: String?
    /// Bytes done of the current step, when it reports them.
    public var current: Int64?
    /// Bytes in the current step, when known.
    public var total: Int64?
    /// The engine's own progress bar text.
    public var progress: String?

    /// A progress line given field by field.
    public init(status: String, id: String? = nil, current: Int64? = nil, total: Int64? = nil, progress: String? = nil) {
        self.status = status
        self.id = id
        self.current = current
        self.total = total
        self.progress = progress
    }

    /// Reads one progress object.
    public init(raw: JSONValue) {
        let detail = raw["progressDetail"] ?? .null
        self.init(
            status: raw.string("status"),
            id: raw.optionalString("id"),
            current: detail["current"]?.integerValue,
            total: detail["total"]?.integerValue,
            progress: raw.optionalString("progress")
        )
    }
}
