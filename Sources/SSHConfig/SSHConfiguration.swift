/// Resolves how to reach a host from an `ssh` command line and the OpenSSH client configuration,
/// as OpenSSH 9.2's `ssh -G` would, without running anything or touching the network.
///
/// Command-line options come first and the first value obtained wins, so options Ansible passes
/// (`-o Port=…`, `-o User=…`, `ansible_ssh_common_args`) override the configuration files, as
/// they do when Ansible runs `ssh`.
public enum SSHConfiguration {
    /// Resolves `host` (Ansible's `ansible_host`, else the inventory name).
    ///
    /// Reads the `-F` file of `commandLine` if any, else `context.configFile`, else
    /// `~/.ssh/config` (a missing one is fine) and then `context.systemConfigFile`.
    /// `Match final`/`canonical` blocks get OpenSSH's second pass. Throws, naming file:line, on
    /// anything `ssh` would refuse: an unknown keyword not covered by `IgnoreUnknown`, a bad
    /// value, unbalanced quotes, a missing `-F` file, a `%` token that cannot be expanded; and
    /// on input past molt's limits (include depth, file size, line length).
    public static func resolve(host: String, commandLine: [SSHOption], context: ResolutionContext) throws(SSHConfigError) -> ResolvedHost {
        var reader = ConfigReader(host: host, context: context)
        var configFile = context.configFile.map { (path: $0, source: ConfigLocation?.none) }
        for option in commandLine {
            try apply(option, to: &reader, configFile: &configFile)
        }
        try readFiles(&reader, configFile: configFile)
        if reader.wantsFinalPass {
            // As `ssh` does: the host name is settled, then every file is read again with
            // `Match final` and `Match canonical` now true.
            let name = try finalHostName(reader)
            reader.options.hostName = .init(value: name, location: reader.options.hostName?.location ?? ConfigLocation(file: "command-line", line: nil))
            reader.finalPass = true
            try readFiles(&reader, configFile: configFile)
        }
        return try HostResolution(reader: reader).resolved()
    }

    private static func apply(
        _ option: SSHOption, to reader: inout ConfigReader, configFile: inout (path: String, source: ConfigLocation?)?
    ) throws(SSHConfigError) {
        let source = option.source
        switch option.kind {
        case let .option(text):
            try reader.processCommandLine(text, source: source)
        case let .port(text):
            guard let port = ConfigValue.port(text), port > 0 else {
                throw SSHConfigError(location: source, code: .invalidArgument, message: "-p: bad port '\(text)'")
            }
            if reader.options.port == nil { reader.options.port = .init(value: port, location: source) }
        case let .user(name):
            if reader.options.user == nil { reader.options.user = .init(value: name, location: source) }
        case let .identityFile(path):
            do throws(LineProblem) {
                let expanded = try TokenExpansion.expandTilde(path, home: reader.context.homeDirectory)
                try reader.options.addIdentityFile(expanded, userProvided: true, location: source)
            } catch {
                throw SSHConfigError(location: source, code: error.code, message: "-i \(path): \(error.message)")
            }
        case let .jump(text):
            guard reader.options.proxyJump == nil else {
                throw SSHConfigError(location: source, code: .invalidArgument, message: "only a single -J option is permitted (use commas to separate jump hops)")
            }
            guard reader.options.proxyCommand == nil else {
                throw SSHConfigError(location: source, code: .invalidArgument, message: "cannot specify -J with ProxyCommand")
            }
            do throws(LineProblem) {
                reader.options.proxyJump = .init(value: try ProxyJumpSpec.parse(text), location: source)
            } catch {
                throw SSHConfigError(location: source, code: .invalidArgument, message: "invalid -J argument '\(text)'")
            }
            reader.options.proxyCommand = .init(value: "none", location: source)
        case let .configFile(path):
            configFile = (path, source)
        }
    }

    private static func readFiles(_ reader: inout ConfigReader, configFile: (path: String, source: ConfigLocation?)?) throws(SSHConfigError) {
        let home = reader.context.homeDirectory
        if let configFile {
            guard configFile.path.lowercased() != "none" else { return }
            let path: String
            do throws(LineProblem) {
                path = try TokenExpansion.expandTilde(configFile.path, home: home)
            } catch {
                throw SSHConfigError(location: configFile.source, code: error.code, message: "-F \(configFile.path): \(error.message)")
            }
            var active = true
            let flags = ConfigReader.FileFlags(userConfig: true, neverMatch: false, checkPermissions: false)
            guard try reader.readFile(path, flags: flags, depth: 0, active: &active, includedFrom: configFile.source) else {
                throw SSHConfigError(location: configFile.source, code: .unreadable, message: "cannot open ssh config file \(path): no such file")
            }
            return
        }
        var active = true
        _ = try reader.readFile(
            reader.context.userConfigFile, flags: .init(userConfig: true, neverMatch: false, checkPermissions: true), depth: 0, active: &active,
            includedFrom: nil)
        if let system = reader.context.systemConfigFile {
            active = true
            _ = try reader.readFile(system, flags: .init(userConfig: false, neverMatch: false, checkPermissions: false), depth: 0, active: &active, includedFrom: nil)
        }
    }

    /// `HostName` with `%h` expanded, lowercased unless it is an address, as `ssh` settles it.
    static func finalHostName(_ reader: ConfigReader) throws(SSHConfigError) -> String {
        guard let configured = reader.options.hostName else { return lowercasedUnlessAddress(reader.host) }
        if reader.finalPass { return configured.value }
        do throws(LineProblem) {
            return lowercasedUnlessAddress(try TokenExpansion.expand(configured.value, tokens: ["h": reader.host], environment: nil))
        } catch {
            throw SSHConfigError(location: configured.location, code: error.code, message: "HostName \(error.message)")
        }
    }

    private static func lowercasedUnlessAddress(_ name: String) -> String {
        ConfigValue.isAddress(name) ? name : HostPatternMatcher.asciiLowercased(name)
    }
}
