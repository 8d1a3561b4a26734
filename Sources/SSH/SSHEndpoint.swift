/// Everything needed to reach one SSH server: where, as whom, with which keys, how to trust
/// its host key, and the route to it (directly, through jump hosts, or through a command).
///
/// Plain values, resolved beforehand from the inventory, `~/.ssh/config` and the command line:
/// the SSH module reads no configuration of its own.
public struct SSHEndpoint: Sendable, Hashable {
    /// Host name or IP address to connect to (for a jump route: as the last hop resolves it).
    public var address: String
    /// TCP port of the SSH server.
    public var port: Int
    /// Login user.
    public var user: String
    /// Private key files tried first, in order (inventory, ssh_config, `--identity`).
    public var identityFiles: [String]
    /// Private key files tried after the agent, in order (`~/.ssh/id_ed25519`, `id_ecdsa`,
    /// `id_rsa`); those that do not exist are skipped silently.
    public var defaultIdentityFiles: [String]
    /// Offer only the agent's keys whose public key is that of one of the identity files
    /// (`identityFiles`, and `defaultIdentityFiles` too), like OpenSSH's `IdentitiesOnly`.
    public var identitiesOnly: Bool
    /// Path of the ssh-agent socket (`SSH_AUTH_SOCK` or `IdentityAgent`); `nil` disables the agent.
    public var agentSocket: String?
    /// known_hosts files the host key is checked against, all of them (`UserKnownHostsFile`
    /// then `GlobalKnownHostsFile`); accepted new keys go to the first.
    public var knownHostsFiles: [String]
    /// The name the host key is filed under in known_hosts instead of the address and port
    /// (OpenSSH's `HostKeyAlias`).
    public var hostKeyAlias: String?
    /// What to do with a host key known_hosts does not know.
    public var hostKeyPolicy: HostKeyPolicy
    /// Deadline for connecting (every hop of the route included), the handshake and
    /// authentication together.
    public var connectTimeout: Duration
    /// Interval of SSH keepalive messages on an idle session; zero sends none.
    public var keepaliveInterval: Duration
    /// How the server's SSH port is reached.
    public var route: Route

    /// How the TCP stream to the server is made.
    public enum Route: Sendable, Hashable {
        /// A TCP connection from this machine.
        case direct
        /// Through jump hosts (`ProxyJump`), first hop first: a session to the last hop carries
        /// a `direct-tcpip` channel to this endpoint's address and port, and each hop is
        /// reached through the ones before it. Each hop is a full endpoint with its own user,
        /// keys and known_hosts; its own `route` is ignored (the chain says how it is reached).
        case jump([SSHEndpoint])
        /// Through a command (`ProxyCommand`, tokens already expanded), run with `/bin/sh -c`,
        /// whose standard input and output are the stream.
        case command(String)
    }

    public init(
        address: String,
        port: Int = 22,
        user: String,
        identityFiles: [String] = [],
        defaultIdentityFiles: [String] = [],
        identitiesOnly: Bool = false,
        agentSocket: String? = nil,
        knownHostsFiles: [String],
        hostKeyAlias: String? = nil,
        hostKeyPolicy: HostKeyPolicy = .strict,
        connectTimeout: Duration = .seconds(10),
        keepaliveInterval: Duration = .seconds(15),
        route: Route = .direct
    ) {
        self.address = address
        self.port = port
        self.user = user
        self.identityFiles = identityFiles
        self.defaultIdentityFiles = defaultIdentityFiles
        self.identitiesOnly = identitiesOnly
        self.agentSocket = agentSocket
        self.knownHostsFiles = knownHostsFiles
        self.hostKeyAlias = hostKeyAlias
        self.hostKeyPolicy = hostKeyPolicy
        self.connectTimeout = connectTimeout
        self.keepaliveInterval = keepaliveInterval
        self.route = route
    }

    /// `user@address` or `user@[address]:port`, the way the host is named in errors.
    public var label: String {
        port == 22 ? "\(user)@\(address)" : "\(user)@[\(address)]:\(port)"
    }

    /// The name known_hosts files the host key under: the alias, else `address` or
    /// `[address]:port` off port 22 (as OpenSSH does; an alias is used as written, without port).
    public var hostKeyName: String {
        hostKeyAlias ?? KnownHosts.entryName(address: address, port: port)
    }

    /// OpenSSH's default identity files under `home`, in the order it tries them:
    /// `~/.ssh/id_ed25519`, `~/.ssh/id_ecdsa`, `~/.ssh/id_rsa`.
    public static func defaultIdentityFiles(home: String) -> [String] {
        ["id_ed25519", "id_ecdsa", "id_rsa"].map { "\(home)/.ssh/\($0)" }
    }

    /// The jump hosts in front of this endpoint, first hop first; empty for other routes.
    public var jumpHosts: [SSHEndpoint] {
        if case .jump(let hops) = route { return hops }
        return []
    }
}

/// What to do with a host key that known_hosts does not know (`StrictHostKeyChecking`).
public enum HostKeyPolicy: Sendable, Hashable {
    /// Refuse it: the operator adds it after checking it.
    case strict
    /// Record it in the first known_hosts file and go on; a changed key is still refused
    /// (`StrictHostKeyChecking=accept-new`).
    case acceptNew
}
