/// The connection variables of one Ansible host that shape its `ssh` command line, turned into
/// that command line as Ansible's `ssh` connection plugin (`_build_command`) builds it:
///
/// `ssh [ansible_ssh_args] -o StrictHostKeyChecking=… -o Port=… -o IdentityFile="…" -o User="…"
/// -o ConnectTimeout=… [ansible_ssh_common_args] [ansible_ssh_extra_args] HOST`
///
/// Only variables that are set are passed. Since `ssh` keeps the first value it obtains and reads
/// its command line before any file, these override `~/.ssh/config`, as they do for Ansible.
public struct AnsibleConnectionVariables: Sendable, Hashable {
    /// The inventory name, for warnings.
    public var host: String
    /// `ansible_port`.
    public var port: Int?
    /// `ansible_user`.
    public var user: String?
    /// `ansible_ssh_private_key_file`.
    public var privateKeyFile: String?
    /// The connect timeout in seconds (Ansible's `timeout`; molt's own when it has one).
    public var connectTimeout: Int?
    /// `ansible_ssh_host_key_checking` (or `ansible_host_key_checking`); nil when not set.
    public var hostKeyChecking: Bool?
    /// `ansible_ssh_args`, which replaces Ansible's default `-C -o ControlMaster=auto
    /// -o ControlPersist=60s` (that default is not applied: molt opens its own connections).
    public var sshArgs: String?
    /// `ansible_ssh_common_args`.
    public var sshCommonArgs: String?
    /// `ansible_ssh_extra_args`.
    public var sshExtraArgs: String?
    /// Where each variable was set, by variable name, for messages; a variable missing here is
    /// named alone.
    public var origins: [String: ConfigLocation]

    /// Creates the variables of `host`.
    public init(
        host: String, port: Int? = nil, user: String? = nil, privateKeyFile: String? = nil, connectTimeout: Int? = nil,
        hostKeyChecking: Bool? = nil, sshArgs: String? = nil, sshCommonArgs: String? = nil, sshExtraArgs: String? = nil,
        origins: [String: ConfigLocation] = [:]
    ) {
        self.host = host
        self.port = port
        self.user = user
        self.privateKeyFile = privateKeyFile
        self.connectTimeout = connectTimeout
        self.hostKeyChecking = hostKeyChecking
        self.sshArgs = sshArgs
        self.sshCommonArgs = sshCommonArgs
        self.sshExtraArgs = sshExtraArgs
        self.origins = origins
    }

    /// The `ssh` options these variables stand for, in Ansible's order, and warnings for flags
    /// molt reads but does not honour.
    ///
    /// `ansible_ssh_host_key_checking: false` becomes `StrictHostKeyChecking=accept-new` with a
    /// warning: molt never trusts a changed host key. Throws, naming the variable, when an
    /// argument string cannot be split (unbalanced quotes) or names an `ssh` flag that does not
    /// exist or lacks its value.
    public func sshCommandLine() throws(SSHConfigError) -> SSHCommandLine {
        var commandLine = SSHCommandLine(options: [], warnings: [])
        if let sshArgs {
            try append(sshArgs, variable: "ansible_ssh_args", to: &commandLine)
        }
        if hostKeyChecking == false {
            let source = location(of: "ansible_ssh_host_key_checking")
            commandLine.options.append(.option("StrictHostKeyChecking=accept-new", source: source))
            commandLine.warnings.append(
                SSHConfigWarning(
                    host: host, option: "ansible_ssh_host_key_checking", location: source,
                    message: "host key checking is off: molt records an unknown host key (like accept-new), but still refuses a changed one"))
        }
        if let port { commandLine.options.append(.option("Port=\(port)", source: location(of: "ansible_port"))) }
        if let privateKeyFile {
            commandLine.options.append(.option("IdentityFile=\"\(privateKeyFile)\"", source: location(of: "ansible_ssh_private_key_file")))
        }
        if let user { commandLine.options.append(.option("User=\"\(user)\"", source: location(of: "ansible_user"))) }
        if let connectTimeout { commandLine.options.append(.option("ConnectTimeout=\(connectTimeout)", source: location(of: "timeout"))) }
        if let sshCommonArgs { try append(sshCommonArgs, variable: "ansible_ssh_common_args", to: &commandLine) }
        if let sshExtraArgs { try append(sshExtraArgs, variable: "ansible_ssh_extra_args", to: &commandLine) }
        return commandLine
    }

    private func location(of variable: String) -> ConfigLocation {
        let origin = origins[variable]
        return ConfigLocation(file: origin.map { "\($0.file)\($0.line.map { ":\($0)" } ?? ""): \(variable)" } ?? variable, line: nil)
    }

    private func append(_ text: String, variable: String, to commandLine: inout SSHCommandLine) throws(SSHConfigError) {
        let source = location(of: variable)
        let words: [String]
        do throws(ShellSplit.Problem) {
            // Ansible's `_split_ssh_args`: shlex, then each word stripped, empty ones dropped.
            words = try ShellSplit.split(text).map { $0.trimmingSurroundingWhitespace() }.filter { !$0.isEmpty }
        } catch {
            throw SSHConfigError(location: source, code: .invalidArgument, message: "cannot split '\(text)' like a shell would: \(error.message)")
        }
        try SSHFlags.read(words, host: host, source: source, into: &commandLine)
    }
}

/// An `ssh` command line: options in order, and what molt reads but does not honour.
public struct SSHCommandLine: Sendable, Hashable {
    /// The options, in the order `ssh` would read them.
    public var options: [SSHOption]
    /// Flags molt does not honour, naming the host and the flag.
    public var warnings: [SSHConfigWarning]

    /// Creates a command line.
    public init(options: [SSHOption], warnings: [SSHConfigWarning]) {
        self.options = options
        self.warnings = warnings
    }
}

extension String {
    /// Python's `str.strip()` for the whitespace Ansible's arguments can carry.
    func trimmingSurroundingWhitespace() -> String {
        var text = Substring(self)
        while let first = text.first, first.isWhitespace { text = text.dropFirst() }
        while let last = text.last, last.isWhitespace { text = text.dropLast() }
        return String(text)
    }
}
