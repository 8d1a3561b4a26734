/// Where and as whom to connect, and how to trust the host.
public struct SSHEndpoint: Sendable, Hashable {
    /// Host name or IP address to connect to.
    public var address: String
    /// TCP port of the SSH server.
    public var port: Int
    /// Login user.
    public var user: String
    /// Private key file tried before the agent; `nil` means the agent alone.
    public var identityFile: String?
    /// The known_hosts file the host key is checked against.
    public var knownHostsFile: String

    public init(address: String, port: Int = 22, user: String, identityFile: String? = nil, knownHostsFile: String) {
        self.address = address
        self.port = port
        self.user = user
        self.identityFile = identityFile
        self.knownHostsFile = knownHostsFile
    }

    /// `user@address` or `user@[address]:port`, the way the host is named in errors.
    public var label: String {
        port == 22 ? "\(user)@\(address)" : "\(user)@[\(address)]:\(port)"
    }
}

/// How patient and how trusting a session is.
public struct SSHOptions: Sendable, Hashable {
    /// Deadline for TCP connect, handshake and authentication together.
    public var connectTimeout: Duration
    /// Interval of SSH keepalive messages on an idle session.
    public var keepaliveInterval: Duration
    /// Record keys of hosts missing from known_hosts (never replace a changed key),
    /// like OpenSSH's `StrictHostKeyChecking=accept-new`.
    public var acceptNewHostKeys: Bool
    /// Path of the ssh-agent socket, usually `SSH_AUTH_SOCK`; `nil` disables the agent.
    public var agentSocket: String?

    public init(
        connectTimeout: Duration = .seconds(10),
        keepaliveInterval: Duration = .seconds(15),
        acceptNewHostKeys: Bool = false,
        agentSocket: String? = nil
    ) {
        self.connectTimeout = connectTimeout
        self.keepaliveInterval = keepaliveInterval
        self.acceptNewHostKeys = acceptNewHostKeys
        self.agentSocket = agentSocket
    }
}
