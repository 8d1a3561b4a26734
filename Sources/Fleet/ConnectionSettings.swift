public import Foundation
public import SSH

/// How molt reaches hosts: the command line's connection flags and the coordinator's defaults.
///
/// Inventory variables say where a host is; these settings fill in what the inventory leaves
/// open and carry the flags that apply to every host.
public struct ConnectionSettings: Sendable {
    /// `--known-hosts`: overrides every host's `known_hosts` variable.
    public var knownHostsOverride: String?
    /// `--identity`: the identity file for hosts whose inventory names none.
    public var identityFile: String?
    /// `--accept-new-host-keys`: record unknown host keys (never changed ones).
    public var acceptNewHostKeys: Bool
    /// The ssh-agent socket (`SSH_AUTH_SOCK`), tried after the identity file.
    public var agentSocket: String?
    /// The login user for hosts without `ansible_user`: the user running molt.
    public var defaultUser: String
    /// The home directory `~` stands for, and where `~/.ssh/known_hosts` is.
    public var homeDirectory: String
    /// Deadline for TCP connect, handshake and authentication of one host.
    public var connectTimeout: Duration
    /// Deadline of one Docker API exchange.
    public var requestTimeout: Duration
    /// Who to ask for the passphrase of an encrypted key file (molt on a terminal); `nil`
    /// skips such files.
    public var passphrases: (any SSHPassphraseSource)?
    /// How many hosts are worked on at once (`--forks`).
    public var forks: Int
    /// The system-wide ssh configuration, read after `~/.ssh/config` when no host names a file
    /// of its own (`ssh_config` or `-F`); `nil` reads none.
    public var systemSSHConfig: String? = "/etc/ssh/ssh_config"
    /// Routes already worked out, by inventory host name (see ``resolvingRoutes(of:)``): a
    /// command resolves each host once, not again for known_hosts and again to connect.
    public internal(set) var resolvedRoutes: [String: HostRoute] = [:]

    public init(
        knownHostsOverride: String? = nil,
        identityFile: String? = nil,
        acceptNewHostKeys: Bool = false,
        agentSocket: String? = nil,
        defaultUser: String,
        homeDirectory: String,
        connectTimeout: Duration = .seconds(10),
        requestTimeout: Duration = .seconds(60),
        forks: Int = 32,
        passphrases: (any SSHPassphraseSource)? = nil
    ) {
        self.knownHostsOverride = knownHostsOverride
        self.identityFile = identityFile
        self.acceptNewHostKeys = acceptNewHostKeys
        self.agentSocket = agentSocket
        self.defaultUser = defaultUser
        self.homeDirectory = homeDirectory
        self.connectTimeout = connectTimeout
        self.requestTimeout = requestTimeout
        self.forks = max(1, forks)
        self.passphrases = passphrases
    }

    /// Settings with the defaults of the process environment: `$USER` (or the account name),
    /// `$HOME` and `$SSH_AUTH_SOCK`.
    public static func fromEnvironment(_ environment: [String: String] = ProcessInfo.processInfo.environment) -> ConnectionSettings {
        let user = environment["USER"].flatMap { $0.isEmpty ? nil : $0 } ?? accountName() ?? "root"
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
        let agent = environment["SSH_AUTH_SOCK"].flatMap { $0.isEmpty ? nil : $0 }
        return ConnectionSettings(agentSocket: agent, defaultUser: user, homeDirectory: home)
    }

    /// A connector for one command, sharing jump host sessions among the hosts behind them.
    public func makeConnector() -> SSHConnector {
        SSHConnector(passphrases: passphrases)
    }

    /// `~` and `~/…` in a path, from `homeDirectory`.
    func expandTilde(_ path: String) -> String {
        if path == "~" { return homeDirectory }
        if path.hasPrefix("~/") { return homeDirectory + path.dropFirst(1) }
        return path
    }

    private static func accountName() -> String? {
        guard let entry = getpwuid(getuid()), let name = entry.pointee.pw_name else { return nil }
        return String(cString: name)
    }
}
