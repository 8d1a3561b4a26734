/// A variable's value with the place it was set, so that a bad value can be reported there.
struct Assignment: Sendable, Hashable {
    var value: InventoryValue
    var origin: SourceLocation
}

typealias Variables = [String: Assignment]

/// The groups and hosts read so far, with the rules Ansible's `InventoryData` keeps: `all` and
/// `ungrouped` always exist, a group can never become its own ancestor, every group without a
/// parent ends up a child of `all`, and a host in no group ends up in `ungrouped`.
///
/// Parsers feed it in file order; `Inventory.load` then adds `group_vars/`/`host_vars/` and
/// resolves each host's variables.
struct InventoryBuilder {
    struct Group {
        var name: String
        var vars: Variables = [:]
        /// `ansible_group_priority`: orders groups at the same depth (higher wins).
        var priority = 1
        var parents: [String] = []
        var children: [String] = []
        /// Hosts listed in this group directly, in the order they were added.
        var hosts: [String] = []
    }

    struct Host {
        var name: String
        var vars: Variables = [:]
        /// Groups that list this host directly.
        var groups: [String] = []
    }

    private(set) var groups: [String: Group] = [:]
    private(set) var groupOrder: [String] = []
    private(set) var hosts: [String: Host] = [:]
    private(set) var hostOrder: [String] = []
    var warnings: [InventoryWarning] = []

    init() {
        for name in ["all", "ungrouped"] {
            groups[name] = Group(name: name)
            groupOrder.append(name)
        }
        link(child: "ungrouped", to: "all")
    }

    func hasGroup(_ name: String) -> Bool { groups[name] != nil }

    /// Declares a group (again, harmlessly, if it exists).
    mutating func addGroup(_ name: String, at origin: SourceLocation) throws(InventoryError) {
        guard !name.isEmpty else {
            throw InventoryError(at: origin, code: .invalidStructure, message: "a group name cannot be empty")
        }
        if groups[name] == nil {
            groups[name] = Group(name: name)
            groupOrder.append(name)
        }
    }

    /// Adds a host, to `group` if given. A `port` (from `name:port`) becomes `ansible_port` when
    /// the host is first seen, as in Ansible.
    mutating func addHost(_ name: String, to group: String?, port: Int?, at origin: SourceLocation) throws(InventoryError) {
        guard !name.isEmpty else {
            throw InventoryError(at: origin, code: .invalidStructure, message: "a host name cannot be empty")
        }
        if hosts[name] == nil {
            hosts[name] = Host(name: name)
            hostOrder.append(name)
            if let port {
                hosts[name]!.vars["ansible_port"] = Assignment(value: .int(port), origin: origin)
            }
        }
        if let group {
            try addGroup(group, at: origin)
            if !groups[group]!.hosts.contains(name) {
                groups[group]!.hosts.append(name)
                hosts[name]!.groups.append(group)
            }
        }
    }

    mutating func setGroupVariable(_ group: String, _ key: String, _ value: InventoryValue, at origin: SourceLocation) throws(InventoryError) {
        try addGroup(group, at: origin)
        // Ansible consumes the priority as a property of the group rather than a variable.
        if key == "ansible_group_priority" {
            guard let priority = value.intValue else {
                throw InventoryError(at: origin, code: .invalidVariable, message: "ansible_group_priority of group '\(group)' must be an integer, got '\(value)'")
            }
            groups[group]!.priority = priority
            return
        }
        groups[group]!.vars[key] = Assignment(value: value, origin: origin)
    }

    mutating func setHostVariable(_ host: String, _ key: String, _ value: InventoryValue, at origin: SourceLocation) {
        hosts[host]?.vars[key] = Assignment(value: value, origin: origin)
    }

    /// Makes `child` a child group of `parent`, refusing anything that would make a group its own ancestor.
    mutating func addChild(_ child: String, to parent: String, at origin: SourceLocation) throws(InventoryError) {
        if child == parent {
            throw InventoryError(at: origin, code: .cycle, message: "group '\(child)' cannot be a child of itself")
        }
        if child == "all" {
            throw InventoryError(at: origin, code: .cycle, message: "group 'all' cannot be a child of '\(parent)': every group is already inside 'all'")
        }
        try addGroup(parent, at: origin)
        try addGroup(child, at: origin)
        if let path = path(from: child, to: parent) {
            throw InventoryError(
                at: origin, code: .cycle,
                message: "making '\(child)' a child of '\(parent)' creates a cycle: \((path + [child]).joined(separator: " > "))")
        }
        link(child: child, to: parent)
    }

    /// Applies Ansible's closing rules: parentless groups join `all`; hosts in no group join
    /// `ungrouped`, and hosts that are in another group leave it.
    mutating func reconcile() {
        for name in groupOrder where name != "all" && groups[name]!.parents.isEmpty {
            link(child: name, to: "all")
        }
        for name in hostOrder {
            let direct = hosts[name]!.groups
            let others = direct.filter { $0 != "all" && $0 != "ungrouped" }
            if direct.contains("ungrouped") {
                if !others.isEmpty {
                    groups["ungrouped"]!.hosts.removeAll { $0 == name }
                    hosts[name]!.groups.removeAll { $0 == "ungrouped" }
                }
            } else if others.isEmpty {
                groups["ungrouped"]!.hosts.append(name)
                hosts[name]!.groups.append("ungrouped")
            }
        }
    }

    /// Every group `name` is in through its parents, and `name` itself.
    func lineage(of name: String) -> Set<String> {
        var seen: Set<String> = [name]
        var pending = [name]
        while let next = pending.popLast() {
            for parent in groups[next]?.parents ?? [] where seen.insert(parent).inserted {
                pending.append(parent)
            }
        }
        return seen
    }

    /// Ansible's group depth: the longest chain of parents up to `all`, which is 0.
    func depths() -> [String: Int] {
        var depths: [String: Int] = ["all": 0]
        func depth(_ name: String) -> Int {
            if let known = depths[name] { return known }
            let value = (groups[name]?.parents ?? []).map { depth($0) + 1 }.max() ?? 0
            depths[name] = value
            return value
        }
        for name in groupOrder { _ = depth(name) }
        return depths
    }

    private mutating func link(child: String, to parent: String) {
        guard !groups[parent]!.children.contains(child) else { return }
        groups[parent]!.children.append(child)
        groups[child]!.parents.append(parent)
    }

    /// A chain of parent links from `start` down to `target`, if `target` is a descendant of `start`.
    private func path(from start: String, to target: String) -> [String]? {
        var visited: Set<String> = []
        func search(_ name: String) -> [String]? {
            if name == target { return [name] }
            guard visited.insert(name).inserted else { return nil }
            for child in groups[name]?.children ?? [] {
                if let rest = search(child) { return [name] + rest }
            }
            return nil
        }
        return search(start)
    }
}
