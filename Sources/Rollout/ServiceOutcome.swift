/// What happened to one service on one host.
public struct ServiceOutcome: Sendable, Hashable {
    public enum Kind: String, Sendable, Hashable, Encodable {
        /// Replaced, healthy and stable.
        case updated
        /// Already on the target image, running and healthy.
        case upToDate = "uptodate"
        /// No such container on the host.
        case skipped
        /// Could not be worked on (unreachable, pull failed, locked …); nothing was changed.
        case failed
        /// The new container failed; the old one is back and healthy.
        case rolledBack = "rolledback"
        /// The new container failed and the old one did not come back healthy either.
        case degraded
        /// Stopped by a signal: the step in flight was undone, or (when the operator hurried)
        /// left for the next run to repair.
        case interrupted
    }

    public var host: String
    public var service: String
    public var kind: Kind
    /// The image reference the container ran before.
    public var from: String?
    /// The image reference it runs now, or was meant to.
    public var to: String?
    public var seconds: Double
    /// What the operator should know (why skipped, what was repaired).
    public var message: String?
    public var error: String?
    /// The failed container's last log lines and health probe outputs.
    public var logs: [String]

    public init(host: String, service: String, kind: Kind, from: String? = nil, to: String? = nil, seconds: Double = 0,
                message: String? = nil, error: String? = nil, logs: [String] = []) {
        self.host = host
        self.service = service
        self.kind = kind
        self.from = from
        self.to = to
        self.seconds = seconds
        self.message = message
        self.error = error
        self.logs = logs
    }

    /// Adds a note to the message, if there is one.
    mutating func append(note: String?) {
        guard let note else { return }
        message = [message, note].compactMap { $0 }.joined(separator: "; ")
    }

    /// Counts against `max_failures`.
    public var isFailure: Bool { kind == .failed || kind == .rolledBack || kind == .degraded }
}
