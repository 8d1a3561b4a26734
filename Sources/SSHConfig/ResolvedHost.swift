/// Everything molt needs to connect to one host, resolved from the `ssh` command line and the
/// OpenSSH client configuration exactly as `ssh -G` would resolve it, plus what molt will not
/// honour.
///
/// Optional fields are nil when nothing set them, so that the caller's own defaults (molt's
/// `--known-hosts`, its default identity files, its timeout) apply.
public struct ResolvedHost: Sendable, Hashable {
    /// The name molt was asked to reach (Ansible's `ansible_host`, else the inventory name):
    /// OpenSSH's `%n`, and what `Host` patterns matched.
    public var originalHost: String
    /// The address to connect to: `HostName` with `%h` expanded, else the original host;
    /// lowercased unless it is an IP address, as `ssh` does.
    public var hostName: String
    /// The login user (`User`, `-l`); nil means the local user.
    public var user: String?
    /// The port (`Port`, `-p`); nil means 22.
    public var port: Int?
    /// Identity files in the order OpenSSH tries them, `~`, `%` tokens and `${VAR}` expanded,
    /// duplicates dropped; empty when none is configured (OpenSSH's defaults are not added).
    public var identityFiles: [String]
    /// `IdentitiesOnly`: offer only the identity files, not other agent keys.
    public var identitiesOnly: Bool
    /// `IdentityAgent`, resolved.
    public var identityAgent: IdentityAgent
    /// `ProxyJump` hops, first hop first; empty when there is none. Exclusive with
    /// `proxyCommand`: whichever of the two is obtained first wins, as in OpenSSH.
    public var proxyJump: [ProxyHop]
    /// `ProxyCommand` with `%h %p %r %n %k %%` expanded, to be run by `/bin/sh -c`; nil when
    /// there is none (or `none`).
    public var proxyCommand: String?
    /// `UserKnownHostsFile`, expanded; nil when not set, `[]` for `none`.
    public var userKnownHostsFiles: [String]?
    /// `GlobalKnownHostsFile`, expanded; nil when not set, `[]` for `none`.
    public var globalKnownHostsFiles: [String]?
    /// `StrictHostKeyChecking`; nil when not set (OpenSSH's default is `ask`).
    public var strictHostKeyChecking: StrictHostKeyChecking?
    /// `HostKeyAlias`: the name to look the host key up under instead of the host name.
    public var hostKeyAlias: String?
    /// `ConnectTimeout` in seconds; nil when not set.
    public var connectTimeout: Int?
    /// `ServerAliveInterval` in seconds (0 disables keepalives); nil when not set.
    public var serverAliveInterval: Int?
    /// `ServerAliveCountMax`; nil when not set (OpenSSH's default is 3).
    public var serverAliveCountMax: Int?
    /// Options molt reads but does not honour, or honours differently.
    public var warnings: [SSHConfigWarning]

    /// Creates a resolved host.
    public init(
        originalHost: String, hostName: String, user: String? = nil, port: Int? = nil,
        identityFiles: [String] = [], identitiesOnly: Bool = false, identityAgent: IdentityAgent = .unset,
        proxyJump: [ProxyHop] = [], proxyCommand: String? = nil,
        userKnownHostsFiles: [String]? = nil, globalKnownHostsFiles: [String]? = nil,
        strictHostKeyChecking: StrictHostKeyChecking? = nil, hostKeyAlias: String? = nil,
        connectTimeout: Int? = nil, serverAliveInterval: Int? = nil, serverAliveCountMax: Int? = nil,
        warnings: [SSHConfigWarning] = []
    ) {
        self.originalHost = originalHost
        self.hostName = hostName
        self.user = user
        self.port = port
        self.identityFiles = identityFiles
        self.identitiesOnly = identitiesOnly
        self.identityAgent = identityAgent
        self.proxyJump = proxyJump
        self.proxyCommand = proxyCommand
        self.userKnownHostsFiles = userKnownHostsFiles
        self.globalKnownHostsFiles = globalKnownHostsFiles
        self.strictHostKeyChecking = strictHostKeyChecking
        self.hostKeyAlias = hostKeyAlias
        self.connectTimeout = connectTimeout
        self.serverAliveInterval = serverAliveInterval
        self.serverAliveCountMax = serverAliveCountMax
        self.warnings = warnings
    }
}

/// Which ssh-agent to ask for keys.
public enum IdentityAgent: Sendable, Hashable {
    /// No `IdentityAgent`: use `SSH_AUTH_SOCK`, as OpenSSH does.
    case unset
    /// `IdentityAgent none`, or it names an environment variable that is not set: no agent.
    case disabled
    /// The agent's socket path, expanded (`SSH_AUTH_SOCK` and `$VAR` looked up).
    case socket(String)
}

/// `StrictHostKeyChecking`, as OpenSSH reads it.
///
/// molt never trusts a changed key: it treats `no` like `acceptNew` (and says so in a warning),
/// and `ask` like `yes`, since it does not ask.
public enum StrictHostKeyChecking: String, Sendable, Hashable {
    /// `yes`/`true`: only keys already in known_hosts.
    case yes
    /// `ask` (OpenSSH's default): ask before recording an unknown key.
    case ask
    /// `accept-new`: record unknown keys, refuse changed ones.
    case acceptNew = "accept-new"
    /// `no`/`off`/`false`: record unknown keys (OpenSSH would also connect despite a changed one).
    case no
}
