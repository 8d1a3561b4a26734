/// One event the engine reports about a container (`GET /events`, type `container`).
public struct ContainerEvent: Sendable, Hashable {
    /// The container's ID.
    public var id: String
    /// What happened: `start`, `die`, `oom`, `restart`, `health_status: healthy`, ...
    public var action: String
    /// When the engine recorded it, in nanoseconds since 1970 (the engine's clock).
    public var timeNano: Int64
    /// The engine's attributes: `name`, `image`, `exitCode` on `die`, the labels.
    public var attributes: [String: String]

    /// The actions a health wait follows, as the `event` filter of `GET /events` takes them;
    /// `health_status` matches every `health_status: STATUS`.
    public static let healthActions = ["start", "restart", "die", "oom", "health_status", "pause", "unpause", "destroy"]

    public init(id: String, action: String, timeNano: Int64 = 0, attributes: [String: String] = [:]) {
        self.id = id
        self.action = action
        self.timeNano = timeNano
        self.attributes = attributes
    }

    /// Reads one object of the event stream.
    /// - Throws: ``DockerError`` `malformedResponse` when it names no container or action.
    public init(raw: JSONValue) throws {
        let actor = raw["Actor"] ?? .null
        let id = actor.optionalString("ID") ?? raw.optionalString("id")
        let action = raw.optionalString("Action") ?? raw.optionalString("status")
        guard let id, let action else {
            throw DockerError(.malformedResponse, "an event of the stream names no container or no action")
        }
        let seconds = raw["time"]?.integerValue ?? 0
        self.init(id: id, action: action, timeNano: raw["timeNano"]?.integerValue ?? seconds * 1_000_000_000,
                  attributes: actor.stringMap("Attributes"))
    }

    /// The container's name, as the engine gives it in the attributes.
    public var name: String? { attributes["name"] }

    /// The status a `health_status: STATUS` event reports; `nil` for other actions.
    public var healthStatus: String? {
        let prefix = "health_status: "
        return action.hasPrefix(prefix) ? String(action.dropFirst(prefix.count)) : nil
    }
}
