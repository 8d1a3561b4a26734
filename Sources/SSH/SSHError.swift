/// Why an SSH operation on a host failed, in words an operator can act on.
public struct SSHError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The kind of failure, for code that reacts differently to each.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private let name: String
        private init(_ name: String) { self.name = name }
        public var description: String { name }

        /// The address could not be resolved.
        public static let unresolvable = Code("unresolvable")
        /// Nothing listens on the port.
        public static let connectionRefused = Code("connection refused")
        /// No route, link down, or no answer before the connect timeout.
        public static let unreachable = Code("unreachable")
        /// An operation did not finish before its deadline.
        public static let timeout = Code("timeout")
        /// The host's key is not in known_hosts.
        public static let hostKeyUnknown = Code("unknown host key")
        /// The host presented a key different from the one in known_hosts.
        public static let hostKeyChanged = Code("changed host key")
        /// The host's key is listed as revoked in known_hosts.
        public static let hostKeyRevoked = Code("revoked host key")
        /// known_hosts names the host, but with no key of the presented key's type that molt
        /// can compare (another type, a line molt cannot read): possibly a changed key, so it
        /// is refused and never recorded.
        public static let hostKeyUnverifiable = Code("unverifiable host key")
        /// The known_hosts file cannot be read (a directory, no permission).
        public static let knownHostsUnreadable = Code("unreadable known_hosts")
        /// The identity file is missing, unreadable or not a usable private key.
        public static let identityFile = Code("identity file")
        /// The server refused every key offered.
        public static let authenticationFailed = Code("authentication failed")
        /// The server refused to open a channel (forwarding disabled, socket missing, port closed).
        public static let channelRefused = Code("channel refused")
        /// The connection broke or the server closed it.
        public static let connectionLost = Code("connection lost")
        /// The SSH handshake failed (no common algorithm, protocol error).
        public static let handshakeFailed = Code("handshake failed")
        /// The session, or the channel, was closed by this program.
        public static let closed = Code("session closed")
        /// Any other libssh2 failure.
        public static let other = Code("ssh error")
    }

    /// What went wrong.
    public var code: Code
    /// The host it happened on, as `user@address:port`.
    public var host: String
    /// A one-line explanation including what libssh2 or the system said.
    public var message: String

    public init(_ code: Code, host: String, _ message: String) {
        self.code = code
        self.host = host
        self.message = message
    }

    public var description: String { "\(host): \(message)" }
}
