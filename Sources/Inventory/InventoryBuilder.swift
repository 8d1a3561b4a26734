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
    /// The most hosts one inventory may hold: a hundred times the fleets molt is measured on
    /// (SPEC §9), and still a few hundred megabytes at most.
    static let maxHosts = 100_000
    /// The most groups one inventory may hold; checking a new child group for cycles walks the
    /// groups above it, so the count must stay modest.
    static let maxGroups = 10_000

    struct Group {
        var name: String
        /// Where the group was first declared; nil for `all` and `ungrouped`.
        var origin: SourceLocation?
        var vars: Variables = [:]
        /// `ansible_group_priority`: orders groups at the same depth (higher wins).
        var priority = 1
        var parents: [String] = []
        var children: [String] = []
        /// Hosts listed in this group directly, in the order they were added.
        var hosts: [String] = []
        /// The same hosts, to keep adding one a constant-time step.
        var members: Set<String> = []
    }

    struct Host {
        var name: String
        /// Where the host was first declared.
        var origin: SourceLocation
        var vars: Variables = [:]
        /// Groups that list this host directly.
        var groups: [String] = []
    }

    private(set) var groups: [String: Group] = [:]
    private(set) var groupOrder: [String] = []
    private(set) var hosts: [String: Host] = [:]
    private(set) var hostOrder: [String] = []
    var warnings: [InventoryWarning] = []
    /// The first host named like the local machine, which Ansible takes for it.
    private var firstLocalhost: String?

    /// The names Ansible takes for the local machine (`C.LOCALHOST`).
    static let localhostNames: Set<String> = ["localhost", "127.0.0.1", "::1"]

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
            guard groupOrder.count < Self.maxGroups else {
                throw InventoryError(
                    at: origin, code: .tooLarge,
                    message: "group '\(name)' is one more than the \(Self.maxGroups) groups molt reads from one inventory; merge some groups")
            }
            groups[name] = Group(name: name, origin: origin)
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
            guard hostOrder.count < Self.maxHosts else {
                throw InventoryError(
                    at: origin, code: .tooLarge,
                    message: "host '\(name)' is one more than the \(Self.maxHosts) hosts molt reads from one inventory; "
                        + "split the fleet into several inventories, or check host ranges for a typo")
            }
            if Self.localhostNames.contains(name) {
                if let first = firstLocalhost {
                    warnings.append(InventoryWarning(
                        location: origin, message: "A duplicate localhost-like entry was found (\(name)). First found localhost was \(first)"))
                } else {
                    firstLocalhost = name
                }
            }
            hosts[name] = Host(name: name, origin: origin)
            hostOrder.append(name)
            if let port {
                hosts[name]!.vars["ansible_port"] = Assignment(value: .int(port), origin: origin)
            }
        }
        if let group {
            try addGroup(group, at: origin)
            if groups[group]!.members.insert(name).inserted {
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
        var leaving: Set<String> = []
        for name in hostOrder {
            let direct = hosts[name]!.groups
            let others = direct.filter { $0 != "all" && $0 != "ungrouped" }
            if direct.contains("ungrouped") {
                if !others.isEmpty {
                    leaving.insert(name)
                    hosts[name]!.groups.removeAll { $0 == "ungrouped" }
                }
            } else if others.isEmpty {
                groups["ungrouped"]!.hosts.append(name)
                groups["ungrouped"]!.members.insert(name)
                hosts[name]!.groups.append("ungrouped")
            }
        }
        if !leaving.isEmpty {
            groups["ungrouped"]!.hosts.removeAll { leaving.contains($0) }
            groups["ungrouped"]!.members.subtract(leaving)
        }
    }

    /// The warnings Ansible gives once the inventory is read: a name that is both a group and a
    /// host, and group names with characters Ansible would not accept in a variable name (it
    /// keeps them, and says so once).
    func closingWarnings() -> [InventoryWarning] {
        var found: [InventoryWarning] = []
        let invalid = groupOrder.filter { !Self.isValidGroupName($0) }
        if let first = invalid.first, let origin = groups[first]?.origin {
            let others = invalid.count > 1 ? " (and \(invalid.count - 1) more)" : ""
            found.append(InventoryWarning(
                location: origin,
                message: "Invalid characters were found in group names but not replaced: '\(first)'\(others); "
                    + "Ansible accepts them, but they cannot be used as variable names"))
        }
        for name in hostOrder where groups[name] != nil {
            found.append(InventoryWarning(location: hosts[name]!.origin, message: "Found both group and host with same name: \(name)"))
        }
        return found
    }

    /// Whether `name` passes Ansible's check for group names (`INVALID_VARIABLE_NAMES`): word
    /// characters only, not starting with a digit.
    static func isValidGroupName(_ name: String) -> Bool {
        guard let first = name.first, !first.isNumber else { return false }
        return name.allSatisfy(\.isWordCharacter)
    }

    /// Each group's hosts, directly or through child groups, in Ansible's order (`Group.get_hosts`):
    /// its own hosts, then its children's in the order it lists them, then a level of
    /// descendants at a time, each host where it is first reached.
    ///
    /// Worked out once for every group, children before parents, rather than by a walk down from
    /// each group, which would cost the square of the depth on a long chain of groups: a group's
    /// list is its own hosts at level 0 and each child's list one level down, ordered by level
    /// (children in order within a level), keeping each host's first place. Each host sits at the
    /// least depth it is reached at, and within a level the groups come in the order a walk level
    /// by level would reach them, so the result is the walk's.
    func members() -> [String: [String]] {
        var placed: [String: [(level: Int, host: String)]] = [:]
        for root in groupOrder where placed[root] == nil {
            // Children first, with a stack of its own: chains of groups can be thousands long.
            var stack: [(group: String, next: Int)] = [(root, 0)]
            while let top = stack.last {
                let children = groups[top.group]?.children ?? []
                if top.next < children.count {
                    stack[stack.count - 1].next += 1
                    if placed[children[top.next]] == nil { stack.append((children[top.next], 0)) }
                    continue
                }
                stack.removeLast()
                var entries = (groups[top.group]?.hosts ?? []).map { (level: 0, host: $0) }
                for child in children {
                    entries += (placed[child] ?? []).map { (level: $0.level + 1, host: $0.host) }
                }
                let ordered = entries.enumerated().sorted { ($0.element.level, $0.offset) < ($1.element.level, $1.offset) }
                var seen: Set<String> = []
                placed[top.group] = ordered.map(\.element).filter { seen.insert($0.host).inserted }
            }
        }
        return placed.mapValues { $0.map(\.host) }
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
    ///
    /// Worked out with a stack of its own rather than by recursion, so a chain of thousands of
    /// nested groups cannot overflow the thread's stack.
    func depths() -> [String: Int] {
        var depths: [String: Int] = ["all": 0]
        for name in groupOrder where depths[name] == nil {
            var pending = [name]
            while let next = pending.last {
                let parents = groups[next]?.parents ?? []
                let unknown = parents.filter { depths[$0] == nil }
                if unknown.isEmpty {
                    depths[next] = parents.map { depths[$0]! + 1 }.max() ?? 0
                    pending.removeLast()
                } else {
                    pending += unknown
                }
            }
        }
        return depths
    }

    private mutating func link(child: String, to parent: String) {
        guard !groups[parent]!.children.contains(child) else { return }
        groups[parent]!.children.append(child)
        groups[child]!.parents.append(parent)
    }

    /// A chain of parent links from `start` down to `target`, if `target` is a descendant of `start`.
    ///
    /// Searches down from `start` and up from `target` a step at a time each, and stops when
    /// either search ends: so the cost is that of the smaller side, and a long chain of groups,
    /// declared top-down or bottom-up, is checked in a few steps per link. Queues rather than
    /// recursion keep deep chains off the stack.
    private func path(from start: String, to target: String) -> [String]? {
        var down = Search(root: start)
        var up = Search(root: target)
        while true {
            switch down.step(toward: target, next: { groups[$0]?.children ?? [] }) {
            case .found: return down.chain(to: target)
            case .exhausted: return nil
            case .going: break
            }
            switch up.step(toward: start, next: { groups[$0]?.parents ?? [] }) {
            case .found: return up.chain(to: start).reversed()
            case .exhausted: return nil
            case .going: break
            }
        }
    }
}

/// A breadth-first search through group links that can be run one step at a time.
private struct Search {
    enum State { case going, found, exhausted }

    private var queue: [String]
    private var index = 0
    /// The group each reached group was reached from.
    private var previous: [String: String]

    init(root: String) {
        queue = [root]
        previous = [root: root]
    }

    /// Visits the next group: `found` when it is `goal`, `exhausted` when nothing is left.
    mutating func step(toward goal: String, next: (String) -> [String]) -> State {
        guard index < queue.count else { return .exhausted }
        let name = queue[index]
        index += 1
        if name == goal { return .found }
        for neighbour in next(name) where previous[neighbour] == nil {
            previous[neighbour] = name
            queue.append(neighbour)
        }
        return .going
    }

    /// The groups from the root to `goal`, once `goal` was found.
    func chain(to goal: String) -> [String] {
        var chain = [goal]
        while let last = chain.last, let before = previous[last], before != last { chain.append(before) }
        return chain.reversed()
    }
}
