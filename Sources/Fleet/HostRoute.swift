import Foundation
public import Inventory
public import SSH
public import SSHConfig

/// How one inventory host is reached, worked out as Ansible and OpenSSH would: the host's
/// connection variables become an `ssh` command line (Ansible's order), which is read before
/// `~/.ssh/config` (or the `ssh_config` variable, or `-F`), first value winning; jump hosts are
/// resolved through the same configuration, one by one.
public struct HostRoute: Sendable, Hashable {
    /// Where, as whom, with which keys, and through which hops.
    public var endpoint: SSHEndpoint
    /// Options molt read but cannot honour, each naming the host, the option and where it was set.
    public var warnings: [SSHConfigWarning]

    /// The longest chain of jump hosts molt follows; a longer one is most likely a loop.
    static let maximumHops = 8
}

/// Why a host's route cannot be worked out: a configuration file or variable is wrong.
public struct HostRouteError: Error, Sendable, CustomStringConvertible {
    /// The inventory host.
    public var host: String
    /// What is wrong, with the file and line where it was written.
    public var message: String

    public var description: String { "host '\(host)': \(message)" }
}

extension ConnectionSettings {
    /// The route to `host`: its inventory variables, then `ansible_ssh_args`,
    /// `ansible_ssh_common_args` and `ansible_ssh_extra_args`, then the ssh configuration file;
    /// command-line flags fill in what none of them says.
    ///
    /// - Throws: ``HostRouteError`` naming the file and line of a bad option or variable.
    public func route(for host: InventoryHost) throws(HostRouteError) -> HostRoute {
        if let known = resolvedRoutes[host.name] { return known }
        do {
            let variables = try ansibleVariables(of: host)
            let commandLine = try variables.sshCommandLine()
            let context = try resolutionContext(for: host)
            let resolved = try SSHConfiguration.resolve(host: host.address, commandLine: commandLine.options, context: context)
            var warnings = commandLine.warnings + resolved.warnings
            var endpoint = endpoint(resolved, knownHosts: moltKnownHosts(for: host))
            // Hops are not inventory hosts: they take the ssh configuration for their own names.
            // Where it names no key for a hop, the host's own identity files are offered there too
            // (OpenSSH would try only the agent and the default files): a bastion usually takes
            // the same key as the hosts behind it.
            let hops = try jumpChain(resolved, context: context, target: endpoint, knownHosts: moltKnownHosts(for: host), warnings: &warnings, depth: 0)
            if !hops.isEmpty { endpoint.route = .jump(hops) }
            // Named by the inventory name, as the operator wrote it, not the address resolved.
            for index in warnings.indices where warnings[index].host == host.address { warnings[index].host = host.name }
            return HostRoute(endpoint: endpoint, warnings: warnings)
        } catch {
            throw HostRouteError(host: host.name, message: error.description)
        }
    }

    /// These settings with the route of every host worked out once and kept, so that the
    /// command's later steps reuse it.
    ///
    /// - Throws: ``HostRouteError`` for the first host whose route cannot be worked out.
    public func resolvingRoutes(of hosts: [InventoryHost]) throws(HostRouteError) -> ConnectionSettings {
        var settings = self
        for host in hosts where settings.resolvedRoutes[host.name] == nil {
            settings.resolvedRoutes[host.name] = try route(for: host)
        }
        return settings
    }

    /// The SSH endpoint of an inventory host (see ``route(for:)``).
    public func endpoint(for host: InventoryHost) throws(HostRouteError) -> SSHEndpoint {
        try route(for: host).endpoint
    }

    /// molt's own known_hosts choice for a host, which wins over `UserKnownHostsFile`:
    /// `--known-hosts`, else the inventory's `known_hosts` variable.
    private func moltKnownHosts(for host: InventoryHost) -> String? {
        (knownHostsOverride ?? host.knownHostsFile).map(expandTilde)
    }

    /// The hops in front of `resolved`, first hop first. `ProxyJump a,b` reaches `a` the way
    /// its own configuration says (its own jump hosts included), then `b` through `a`, as
    /// OpenSSH does.
    private func jumpChain(
        _ resolved: ResolvedHost, context: ResolutionContext, target: SSHEndpoint, knownHosts: String?,
        warnings: inout [SSHConfigWarning], depth: Int
    ) throws(SSHConfigError) -> [SSHEndpoint] {
        guard !resolved.proxyJump.isEmpty else { return [] }
        var chain: [SSHEndpoint] = []
        for (index, hop) in resolved.proxyJump.enumerated() {
            var options: [SSHOption] = []
            let source = ConfigLocation(file: "ProxyJump of \(resolved.originalHost)", line: nil)
            if let user = hop.user { options.append(SSHOption(.user(user), source: source)) }
            if let port = hop.port { options.append(SSHOption(.port(String(port)), source: source)) }
            let hopResolved = try SSHConfiguration.resolve(host: hop.host, commandLine: options, context: context)
            warnings += hopResolved.warnings
            var hopEndpoint = endpoint(hopResolved, knownHosts: knownHosts)
            if hopResolved.identityFiles.isEmpty && !target.identityFiles.isEmpty {
                hopEndpoint.identityFiles = target.identityFiles
                hopEndpoint.defaultIdentityFiles = []
            }
            if index == 0 && hopResolved.proxyJump.isEmpty, hopResolved.proxyCommand != nil {
                warnings.append(SSHConfigWarning(host: resolved.originalHost, option: "ProxyCommand", location: nil,
                    message: "molt reaches the jump host \(hop.host) directly: a ProxyCommand in front of a jump host is not supported"))
            }
            if index == 0 {
                guard depth + resolved.proxyJump.count < HostRoute.maximumHops else {
                    throw SSHConfigError(location: nil, code: .invalidValue,
                        message: "ProxyJump: the chain of jump hosts in front of \(resolved.originalHost) is longer than \(HostRoute.maximumHops) hops, or loops")
                }
                chain += try jumpChain(hopResolved, context: context, target: hopEndpoint, knownHosts: knownHosts, warnings: &warnings, depth: depth + resolved.proxyJump.count)
            }
            hopEndpoint.route = .direct
            chain.append(hopEndpoint)
        }
        return chain
    }

    /// An endpoint from a resolved configuration, with molt's defaults for what it leaves open.
    private func endpoint(_ resolved: ResolvedHost, knownHosts: String?) -> SSHEndpoint {
        let agent: String?
        switch resolved.identityAgent {
        case .unset: agent = agentSocket
        case .disabled: agent = nil
        case .socket(let path): agent = path
        }
        let knownHostsFiles: [String]
        if let knownHosts {
            knownHostsFiles = [knownHosts]
        } else {
            let user = resolved.userKnownHostsFiles ?? ["\(homeDirectory)/.ssh/known_hosts"]
            let global = resolved.globalKnownHostsFiles
                ?? ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"].filter { FileManager.default.fileExists(atPath: $0) }
            knownHostsFiles = user + global
        }
        let acceptNew = acceptNewHostKeys || resolved.strictHostKeyChecking == .acceptNew || resolved.strictHostKeyChecking == .no
        let route: SSHEndpoint.Route = resolved.proxyJump.isEmpty ? resolved.proxyCommand.map { .command($0) } ?? .direct : .direct
        return SSHEndpoint(
            address: resolved.hostName,
            port: resolved.port ?? 22,
            user: resolved.user ?? defaultUser,
            identityFiles: resolved.identityFiles,
            // OpenSSH tries its default files only when no identity file was named.
            defaultIdentityFiles: resolved.identityFiles.isEmpty ? SSHEndpoint.defaultIdentityFiles(home: homeDirectory) : [],
            identitiesOnly: resolved.identitiesOnly,
            agentSocket: agent,
            knownHostsFiles: knownHostsFiles,
            hostKeyAlias: resolved.hostKeyAlias,
            hostKeyPolicy: acceptNew ? .acceptNew : .strict,
            connectTimeout: resolved.connectTimeout.map { .seconds($0) } ?? connectTimeout,
            keepaliveInterval: resolved.serverAliveInterval.flatMap { $0 > 0 ? .seconds($0) : nil } ?? .seconds(15),
            route: route
        )
    }

    /// The host's connection variables as Ansible's ssh plugin reads them.
    private func ansibleVariables(of host: InventoryHost) throws(SSHConfigError) -> AnsibleConnectionVariables {
        var origins: [String: ConfigLocation] = [:]
        for (name, origin) in host.variableOrigins {
            origins[name] = ConfigLocation(file: origin.file, line: origin.line)
        }
        func text(_ names: String...) throws(SSHConfigError) -> String? {
            for name in names {
                guard let value = host.vars[name], !value.isNull else { continue }
                guard let text = value.stringValue else {
                    throw SSHConfigError(location: origins[name], code: .invalidArgument, message: "\(name) must be a string")
                }
                return text
            }
            return nil
        }
        let portSet = ["ansible_port", "ansible_ssh_port"].contains { host.vars[$0].map { !$0.isNull } ?? false }
        var hostKeyChecking: Bool?
        for name in ["ansible_ssh_host_key_checking", "ansible_host_key_checking"] {
            guard let value = host.vars[name], !value.isNull else { continue }
            guard let flag = value.boolValue else {
                throw SSHConfigError(location: origins[name], code: .invalidArgument, message: "\(name) must be true or false, not \(value)")
            }
            hostKeyChecking = flag
            break
        }
        return AnsibleConnectionVariables(
            host: host.name,
            port: portSet ? host.port : nil,
            user: host.user,
            privateKeyFile: (host.identityFile ?? identityFile).map(expandTilde),
            hostKeyChecking: hostKeyChecking,
            sshArgs: try text("ansible_ssh_args"),
            sshCommonArgs: try text("ansible_ssh_common_args"),
            sshExtraArgs: try text("ansible_ssh_extra_args"),
            origins: origins
        )
    }

    /// What the ssh configuration is read with for `host`: its `ssh_config` variable names the
    /// file (as `ssh -F` would), else `~/.ssh/config` then `/etc/ssh/ssh_config`.
    private func resolutionContext(for host: InventoryHost) throws(SSHConfigError) -> ResolutionContext {
        var configFile: String?
        if let value = host.vars["ssh_config"], !value.isNull {
            guard let path = value.stringValue, !path.isEmpty else {
                throw SSHConfigError(location: host.origin(of: "ssh_config").map { ConfigLocation(file: $0.file, line: $0.line) },
                                     code: .invalidArgument, message: "ssh_config must be the path of an ssh configuration file")
            }
            configFile = expandTilde(path)
        }
        return ResolutionContext(
            homeDirectory: homeDirectory,
            localUser: defaultUser,
            localUserID: Int(getuid()),
            localHostName: ProcessInfo.processInfo.hostName,
            environment: ProcessInfo.processInfo.environment,
            configFile: configFile,
            systemConfigFile: systemSSHConfig
        )
    }
}
