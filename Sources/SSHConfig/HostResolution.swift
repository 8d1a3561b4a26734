/// Turns the options obtained for a host into a ``ResolvedHost``: tokens expanded with the
/// settled host name, user and port, `none` values cleared, and warnings for what molt does not
/// honour.
struct HostResolution {
    let reader: ConfigReader

    private var options: ObtainedOptions { reader.options }
    private var context: ResolutionContext { reader.context }
    private var host: String { reader.host }

    func resolved() throws(SSHConfigError) -> ResolvedHost {
        let hostName = try SSHConfiguration.finalHostName(reader)
        let user = options.user?.value
        let port = options.port?.value
        let tokens: [Character: String] = [
            "L": String(context.localHostName.prefix { $0 != "." }),
            "i": String(context.localUserID),
            "k": options.hostKeyAlias?.value ?? host,
            "l": context.localHostName,
            "n": host,
            "p": String(port ?? 22),
            "d": context.homeDirectory,
            "h": hostName,
            "r": user ?? context.localUser,
            "u": context.localUser,
        ]
        func path(_ value: String, at location: ConfigLocation, option: String) throws(SSHConfigError) -> String {
            do throws(LineProblem) {
                let tilde = try TokenExpansion.expandTilde(value, home: context.homeDirectory)
                return try TokenExpansion.expand(tilde, tokens: tokens, environment: context.environment)
            } catch {
                throw SSHConfigError(location: location, code: error.code, message: "\(option) \(error.message)")
            }
        }

        var resolved = ResolvedHost(originalHost: host, hostName: hostName, user: user, port: port)
        var warnings = options.warnings
        for file in options.identityFiles {
            let expanded = try path(file.path, at: file.location, option: "IdentityFile")
            if !resolved.identityFiles.contains(expanded) { resolved.identityFiles.append(expanded) }
        }
        resolved.identitiesOnly = options.identitiesOnly?.value ?? false
        if let agent = options.identityAgent {
            resolved.identityAgent = try identityAgent(agent, expand: path, warnings: &warnings)
        }
        if let jump = options.proxyJump, !jump.value.isNone {
            resolved.proxyJump = jump.value.hops
        } else if let command = options.proxyCommand, command.value != "none" {
            let proxyTokens: [Character: String] = [
                "h": hostName, "k": options.hostKeyAlias?.value ?? host, "n": host, "p": String(port ?? 22), "r": user ?? context.localUser,
            ]
            do throws(LineProblem) {
                resolved.proxyCommand = try TokenExpansion.expand(command.value, tokens: proxyTokens, environment: nil)
            } catch {
                throw SSHConfigError(location: command.location, code: error.code, message: "ProxyCommand \(error.message)")
            }
        }
        if let files = options.userKnownHostsFiles {
            var expanded: [String] = []
            if files.value.first?.lowercased() != "none" {
                for file in files.value { expanded.append(try path(file, at: files.location, option: "UserKnownHostsFile")) }
            }
            resolved.userKnownHostsFiles = expanded
        }
        if let files = options.globalKnownHostsFiles {
            var expanded: [String] = []
            if files.value.first?.lowercased() != "none" {
                for file in files.value {
                    do throws(LineProblem) {
                        expanded.append(try TokenExpansion.expandTilde(file, home: context.homeDirectory))
                    } catch {
                        throw SSHConfigError(location: files.location, code: error.code, message: "GlobalKnownHostsFile \(error.message)")
                    }
                }
            }
            resolved.globalKnownHostsFiles = expanded
        }
        if let strict = options.strictHostKeyChecking {
            resolved.strictHostKeyChecking = strict.value
            if strict.value == .no {
                warnings.append(
                    SSHConfigWarning(
                        host: host, option: "StrictHostKeyChecking", location: strict.location,
                        message: "molt treats StrictHostKeyChecking=no as accept-new: an unknown host key is recorded, but a changed one is still refused"))
            }
        }
        resolved.hostKeyAlias = options.hostKeyAlias?.value
        resolved.connectTimeout = options.connectTimeout?.value
        resolved.serverAliveInterval = options.serverAliveInterval?.value
        resolved.serverAliveCountMax = options.serverAliveCountMax?.value
        for keyword in options.unhonouredOrder {
            guard let setting = options.unhonoured[keyword], !setting.harmlessValues.contains(setting.firstArgument.lowercased()) else { continue }
            warnings.append(
                SSHConfigWarning(
                    host: host, option: setting.writtenKeyword, location: setting.location,
                    message: "molt does not honour \(setting.writtenKeyword) \(setting.firstArgument); \(setting.consequence)"))
        }
        resolved.warnings = warnings
        return resolved
    }

    /// `IdentityAgent` as `ssh` uses it: expanded like a path, then `none`, `SSH_AUTH_SOCK` or
    /// `$VAR` looked up in the environment.
    private func identityAgent(
        _ agent: ObtainedOptions.Obtained<String>,
        expand: (String, ConfigLocation, String) throws(SSHConfigError) -> String,
        warnings: inout [SSHConfigWarning]
    ) throws(SSHConfigError) -> IdentityAgent {
        let value = try expand(agent.value, agent.location, "IdentityAgent")
        if value == "none" { return .disabled }
        var variable: String?
        if value == "SSH_AUTH_SOCK" { variable = value } else if value.hasPrefix("$") { variable = String(value.dropFirst()) }
        guard let variable else { return .socket(value) }
        if let socket = context.environment[variable], !socket.isEmpty { return .socket(socket) }
        warnings.append(
            SSHConfigWarning(
                host: host, option: "IdentityAgent", location: agent.location,
                message: "IdentityAgent names the environment variable \(variable), which is not set: no agent is used"))
        return .disabled
    }
}
