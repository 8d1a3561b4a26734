/// What resolution needs to know about the machine molt runs on: whose `~` it is, who is
/// connecting, the environment `${VAR}` and `IdentityAgent $VAR` read, and which files to read.
///
/// Passed in rather than read from the process so that resolution is a pure function of its
/// inputs, and so tests can point it anywhere.
public struct ResolutionContext: Sendable, Hashable {
    /// The home directory `~` and `%d` stand for, and where `~/.ssh/config` is.
    public var homeDirectory: String
    /// The local user name: `%u`, `Match localuser`, and the remote user when none is set.
    public var localUser: String
    /// The local user's numeric id: `%i`.
    public var localUserID: Int
    /// The local host name: `%l` (and `%L`, its first label).
    public var localHostName: String
    /// The environment: `${VAR}` in paths, and `IdentityAgent SSH_AUTH_SOCK` or `$VAR`.
    public var environment: [String: String]
    /// The configuration file to read instead of the defaults, as `ssh -F` does (the inventory's
    /// `ssh_config` variable, say); `none` reads no file. A missing file is an error. A `-F` in
    /// the command line given to ``SSHConfiguration/resolve(host:commandLine:context:)`` wins.
    public var configFile: String?
    /// The system-wide file read after `~/.ssh/config` when no `-F` is given; nil reads none.
    public var systemConfigFile: String?

    /// Creates a context.
    public init(
        homeDirectory: String,
        localUser: String,
        localUserID: Int = 0,
        localHostName: String = "localhost",
        environment: [String: String] = [:],
        configFile: String? = nil,
        systemConfigFile: String? = "/etc/ssh/ssh_config"
    ) {
        self.homeDirectory = homeDirectory
        self.localUser = localUser
        self.localUserID = localUserID
        self.localHostName = localHostName
        self.environment = environment
        self.configFile = configFile
        self.systemConfigFile = systemConfigFile
    }

    /// The default user configuration file, `~/.ssh/config`.
    public var userConfigFile: String {
        (homeDirectory.hasSuffix("/") ? homeDirectory : homeDirectory + "/") + ".ssh/config"
    }
}
