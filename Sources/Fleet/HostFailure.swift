/// Why molt could not work on one host, phrased for the operator: the inventory name of the
/// host first, then what failed and what the other side said.
public struct HostFailure: Error, CustomStringConvertible, Sendable {
    /// The stage at which the host was lost.
    public enum Stage: String, Sendable, Codable {
        /// TCP, SSH handshake, host key or authentication.
        case connect
        /// The Docker engine behind the SSH session.
        case docker
    }

    /// The host's inventory name.
    public var host: String
    public var stage: Stage
    /// One line: the cause, including what SSH or the Docker engine said.
    public var message: String
    /// The error behind it, for callers that react to a kind of failure (a held lock, say).
    public var cause: (any Error)?

    public init(host: String, stage: Stage, message: String, cause: (any Error)? = nil) {
        self.host = host
        self.stage = stage
        self.message = message
        self.cause = cause
    }

    /// A failure from an error thrown while reaching or using the host.
    public init(host: String, stage: Stage, error: any Error) {
        self.init(host: host, stage: stage, message: ErrorText.oneLine(error), cause: error)
    }

    public var description: String { "\(host): \(message)" }
}
