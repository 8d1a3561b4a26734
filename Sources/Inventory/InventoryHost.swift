import Foundation

/// A host of the inventory with its groups, its variables merged as Ansible merges them, and the
/// connection settings molt reads from those variables.
public struct InventoryHost: Sendable, Hashable {
    /// The inventory name (what patterns match and reports show).
    public var name: String
    /// Every group the host belongs to, directly or through parents, including `all`, in the
    /// order their variables apply: `all` first, then by depth, `ansible_group_priority` and name.
    public var groups: [String]
    /// Variables merged with Ansible's precedence.
    public var vars: [String: InventoryValue]
    /// Where each variable in `vars` got its value.
    public var variableOrigins: [String: SourceLocation]

    /// The address to connect to: `ansible_ssh_host`, else `ansible_host`, else the name.
    ///
    /// Ansible's `ssh` connection reads the last of its option's variables that is set, and lists
    /// the `ansible_ssh_*` form last: so `ansible_ssh_host` wins over `ansible_host` wherever each
    /// was set (checked with ansible-core 2.19), and likewise for the port and the user.
    public var address: String
    /// The SSH port: `ansible_ssh_port`, else `ansible_port`, else 22.
    public var port: Int
    /// The SSH user: `ansible_ssh_user`, else `ansible_user`; nil means the current user.
    public var user: String?
    /// The identity file: `ansible_ssh_private_key_file` (or `ansible_private_key_file`), `~` expanded.
    public var identityFile: String?
    /// The Docker Engine socket on the host: `docker_socket`, else `/var/run/docker.sock`.
    public var dockerSocket: String
    /// The known_hosts file for this host: `known_hosts`, `~` expanded; nil means the default.
    public var knownHostsFile: String?

    /// The default Docker socket path.
    public static let defaultDockerSocket = "/var/run/docker.sock"

    /// Creates a host from already merged variables and reads its connection settings.
    ///
    /// Throws when a connection variable has a value molt cannot use, naming the host and,
    /// when `origins` knows it, the file and line the value came from.
    public init(
        name: String, groups: [String] = ["all"], vars: [String: InventoryValue] = [:],
        variableOrigins: [String: SourceLocation] = [:]
    ) throws(InventoryError) {
        self.name = name
        self.groups = groups
        self.vars = vars
        self.variableOrigins = variableOrigins
        let reader = ConnectionVariables(host: name, vars: vars, origins: variableOrigins)
        address = try reader.text(["ansible_ssh_host", "ansible_host"]) ?? name
        port = try reader.port(["ansible_ssh_port", "ansible_port"]) ?? 22
        user = try reader.text(["ansible_ssh_user", "ansible_user"])
        identityFile = try reader.path(["ansible_ssh_private_key_file", "ansible_private_key_file"])
        dockerSocket = try reader.socket(["docker_socket"]) ?? Self.defaultDockerSocket
        knownHostsFile = try reader.path(["known_hosts"])
    }

    /// The file and line where variable `name` got the value in `vars`, if known.
    public func origin(of name: String) -> SourceLocation? {
        variableOrigins[name]
    }
}

/// Reads the connection variables of one host, with errors that say where a bad value was set.
private struct ConnectionVariables {
    let host: String
    let vars: [String: InventoryValue]
    let origins: [String: SourceLocation]

    /// The first of `names` that is set to something other than null.
    private func first(_ names: [String]) -> (name: String, value: InventoryValue)? {
        for name in names {
            if let value = vars[name], !value.isNull { return (name, value) }
        }
        return nil
    }

    private func failure(_ name: String, _ message: String) -> InventoryError {
        let origin = origins[name]
        return InventoryError(file: origin?.file, line: origin?.line, code: .invalidVariable, message: "host '\(host)': \(name) \(message)")
    }

    func text(_ names: [String]) throws(InventoryError) -> String? {
        guard let (name, value) = first(names) else { return nil }
        let raw: String
        switch value {
        case let .string(string): raw = try expand(string, name: name)
        case .int, .double: raw = value.description
        default: throw failure(name, "must be a string, got \(describe(value))")
        }
        let text = raw.trimmingWhitespace()
        guard !text.isEmpty else { throw failure(name, "is empty") }
        return text
    }

    func port(_ names: [String]) throws(InventoryError) -> Int? {
        guard let (name, value) = first(names) else { return nil }
        var candidate = value
        if case let .string(raw) = value { candidate = .string(try expand(raw, name: name)) }
        if case .bool = candidate { throw failure(name, "must be a port number from 1 to 65535, got \(describe(value))") }
        guard let port = candidate.intValue, (1...65535).contains(port) else {
            throw failure(name, "must be a port number from 1 to 65535, got \(describe(value))")
        }
        return port
    }

    /// A path with a leading `~` or `~/` taken from `$HOME` (the account's home directory
    /// when `HOME` is unset), and `~user/` from that user's home directory.
    func path(_ names: [String]) throws(InventoryError) -> String? {
        guard let text = try text(names) else { return nil }
        guard text.hasPrefix("~") else { return text }
        if text == "~" || text.hasPrefix("~/") {
            let home = ProcessInfo.processInfo.environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            let rest = text.dropFirst(text == "~" ? 1 : 2)
            guard !rest.isEmpty else { return home }
            return home.hasSuffix("/") ? home + rest : home + "/" + rest
        }
        return NSString(string: text).expandingTildeInPath
    }

    func socket(_ names: [String]) throws(InventoryError) -> String? {
        guard var text = try text(names) else { return nil }
        if text.hasPrefix("unix://") { text.removeFirst("unix://".count) }
        guard text.hasPrefix("/") else {
            throw failure(names[0], "must be an absolute path to the Docker socket on the host (like /var/run/docker.sock), got '\(text)'")
        }
        return text
    }

    private func describe(_ value: InventoryValue) -> String {
        switch value {
        case let .string(text): "'\(text)'"
        case .list: "a list"
        case .map: "a mapping"
        default: "\(value)"
        }
    }

    /// The longest text a connection setting may expand to: far beyond any host name, user or
    /// path, and small enough that templates nested to multiply their text stay cheap.
    static let longestExpansion = 4096

    /// Substitutes `{{ variable }}` references, the one piece of Jinja2 connection settings
    /// commonly use (`ansible_host: "{{ inventory_hostname }}.lan"`); anything richer is an error,
    /// since connecting to a literal template would fail far less clearly.
    private func expand(_ text: String, name: String) throws(InventoryError) -> String {
        var expanded: [String: String] = [:]
        return try expand(text, name: name, depth: 0, expanded: &expanded)
    }

    /// `expanded` keeps each variable's expansion, so a variable referred to many times (or by
    /// many variables that are themselves referred to many times) is expanded once.
    private func expand(
        _ text: String, name: String, depth: Int, expanded: inout [String: String]
    ) throws(InventoryError) -> String {
        guard text.contains("{{") || text.contains("{%") else { return text }
        guard depth < 10 else { throw failure(name, "refers to itself through '{{ }}' templates") }
        var result = ""
        var rest = Substring(text)
        while let open = rest.range(of: "{{") {
            result += rest[..<open.lowerBound]
            guard let close = rest[open.upperBound...].range(of: "}}") else {
                throw failure(name, "has an unterminated '{{' in '\(text)'")
            }
            let reference = rest[open.upperBound..<close.lowerBound].trimmingWhitespace()
            guard let value = try lookUp(reference, depth: depth, expanded: &expanded) else {
                throw failure(name, "uses the template '\(text)', which molt cannot evaluate; only {{ variable }} references to variables of the same host are supported")
            }
            result += value
            guard result.utf8.count <= Self.longestExpansion else {
                throw failure(name, "expands to more than \(Self.longestExpansion) characters through '{{ }}' templates")
            }
            rest = rest[close.upperBound...]
        }
        result += rest
        if result.contains("{%") {
            throw failure(name, "uses the template '\(text)', which molt cannot evaluate; only {{ variable }} references are supported")
        }
        return result
    }

    private func lookUp(_ reference: String, depth: Int, expanded: inout [String: String]) throws(InventoryError) -> String? {
        guard let first = reference.first, first.isLetter || first == "_", reference.allSatisfy(\.isWordCharacter) else { return nil }
        switch reference {
        case "inventory_hostname":
            return host
        case "inventory_hostname_short":
            return Address.isIPv4(host) || Address.isIPv6(host) ? host : String(host.prefix { $0 != "." })
        default:
            if let known = expanded[reference] { return known }
            guard let value = vars[reference], let text = value.stringValue else { return nil }
            let result = try expand(text, name: reference, depth: depth + 1, expanded: &expanded)
            expanded[reference] = result
            return result
        }
    }
}
