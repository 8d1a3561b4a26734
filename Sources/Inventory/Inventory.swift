/// An Ansible inventory, loaded and resolved: every host with its groups and its variables
/// merged the way Ansible merges them, ready for host patterns.
///
/// molt reads the static formats (YAML, INI, a directory of them, with `group_vars/` and
/// `host_vars/`), so an existing Ansible inventory works unchanged. Loading is all-or-nothing:
/// any problem is an `InventoryError` that names the file and line.
public struct Inventory: Sendable {
    /// The path the inventory was loaded from (or the name given to `parse`).
    public private(set) var source: String
    /// Every host, in the order it first appears in the inventory (Ansible's order for globs and
    /// regular expressions over host names), with variables resolved.
    public private(set) var hosts: [InventoryHost]
    /// Every group, `all` and `ungrouped` first, then in the order they were declared.
    public private(set) var groupNames: [String] {
        didSet { groupLookup = Set(groupNames) }
    }
    /// Things Ansible would accept with a warning (unknown YAML keys, stray `group_vars/` files).
    public private(set) var warnings: [InventoryWarning]

    /// Index in `hosts` of each host name.
    private var hostIndex: [String: Int]
    /// The names in `groupNames`, for patterns that name a group.
    private var groupLookup: Set<String>
    /// Indexes in `hosts` of the members of each group, directly or through child groups, in
    /// Ansible's order (see `hosts(inGroup:)`).
    private var groupMembers: [String: [Int]]

    /// Loads a YAML or INI file, or a directory of them.
    ///
    /// A file ending in `.yml`, `.yaml` or `.json` is YAML; another file is YAML when its content
    /// is a YAML mapping that reads as an inventory, INI otherwise. A directory contributes every
    /// file in it and its subdirectories, in name order, skipping hidden entries, `group_vars`,
    /// `host_vars`, and backups and non-inventory files (`~`, `.orig`, `.bak`, `.retry`, `.pyc`,
    /// `.swp`, `.md`, `.txt`, `.cfg`...). `group_vars/` and `host_vars/` are read inside the
    /// directory, or beside the file.
    public static func load(path: String) throws(InventoryError) -> Inventory {
        var builder = InventoryBuilder()
        let base: String
        switch FileSystem.kind(of: path) {
        case .missing:
            throw InventoryError(file: path, code: .unreadable, message: "no such file or directory; give the inventory with -i PATH or MOLT_INVENTORY")
        case .directory:
            var visited: Set<String> = []
            try readDirectory(path, into: &builder, visited: &visited)
            base = path
        case .file:
            try readFile(path, into: &builder)
            base = FileSystem.directory(of: path)
        }
        return try resolve(builder, source: path, variableFilesIn: base)
    }

    /// Parses inventory text that did not come from a file (tests, standard input).
    ///
    /// `source` names it in errors; its extension chooses the format as for `load(path:)`.
    /// No `group_vars/` or `host_vars/` are read.
    public static func parse(text: String, source: String) throws(InventoryError) -> Inventory {
        var builder = InventoryBuilder()
        try parse(bytes: Array(text.utf8), file: source, into: &builder)
        return try resolve(builder, source: source, variableFilesIn: nil)
    }

    /// An inventory of hosts that are already resolved, e.g. for tests of code that uses one.
    ///
    /// The groups are those the hosts name, after `all` and `ungrouped`; each lists the hosts that
    /// name it, in the order given.
    public init(source: String, hosts: [InventoryHost], warnings: [InventoryWarning] = []) {
        var groupNames = ["all", "ungrouped"]
        var named: Set<String> = ["all", "ungrouped"]
        var groupMembers: [String: [Int]] = [:]
        var hostIndex: [String: Int] = [:]
        for (index, host) in hosts.enumerated() {
            if hostIndex[host.name] == nil { hostIndex[host.name] = index }
            for group in host.groups + ["all"] where groupMembers[group]?.last != index {
                if named.insert(group).inserted { groupNames.append(group) }
                groupMembers[group, default: []].append(index)
            }
        }
        self.source = source
        self.hosts = hosts
        self.groupNames = groupNames
        self.groupLookup = named
        self.warnings = warnings
        self.hostIndex = hostIndex
        self.groupMembers = groupMembers
    }

    /// The host with inventory name `name`.
    public func host(named name: String) -> InventoryHost? {
        hostIndex[name].map { hosts[$0] }
    }

    /// The hosts of `group`, including those of its child groups, in Ansible's order; empty for a
    /// group the inventory does not have.
    ///
    /// Ansible's order (`Group.get_hosts`): the group's own hosts in the order they were added,
    /// then the hosts of its children in the order it lists them, then of their children, a level
    /// of descendants at a time; a host already listed is not listed again. (Within a level below
    /// the children, Ansible goes through the groups in the order of a Python set, which can change
    /// from one run to the next; molt takes them in the order the level above listed them, which
    /// is one of the orders Ansible produces.)
    public func hosts(inGroup group: String) -> [InventoryHost] {
        memberIndexes(ofGroup: group).map { hosts[$0] }
    }

    /// The hosts an Ansible host pattern selects, in Ansible's order (see `HostPattern`).
    ///
    /// A pattern that matches nothing, or names a host or group the inventory does not have,
    /// selects nothing; a pattern that cannot be parsed throws `.invalidPattern`.
    public func hosts(matching pattern: String) throws(InventoryError) -> [InventoryHost] {
        hosts(matching: try HostPattern(pattern))
    }

    /// The hosts a parsed host pattern selects, in Ansible's order (see `HostPattern`).
    public func hosts(matching pattern: HostPattern) -> [InventoryHost] {
        pattern.select(in: self).map { hosts[$0] }
    }

    /// The host or group name closest to `name`, when `name` looks like a typo of it; for
    /// "did you mean" hints when a pattern selects nothing.
    public func suggestion(for name: String) -> String? {
        let limit = max(1, min(2, name.count / 3))
        var best: (name: String, distance: Int)?
        for candidate in hosts.map(\.name) + groupNames where candidate != name {
            let distance = Self.editDistance(name, candidate, atMost: limit)
            if distance <= limit, distance < (best?.distance ?? .max) { best = (candidate, distance) }
        }
        return best?.name
    }

    /// Indexes in `hosts` of the members of `group`, in Ansible's order (see `hosts(inGroup:)`).
    func memberIndexes(ofGroup group: String) -> [Int] {
        groupMembers[group] ?? []
    }

    /// Whether the inventory has a group named `name`, even an empty one.
    func hasGroup(_ name: String) -> Bool {
        groupLookup.contains(name)
    }

    /// The index in `hosts` of the host named `name`.
    func index(ofHost name: String) -> Int? {
        hostIndex[name]
    }
}

// MARK: - Reading sources

extension Inventory {
    /// Names Ansible never reads as inventory sources inside a directory.
    private static let ignoredNames: Set<String> = ["group_vars", "host_vars", "vars_plugins"]
    /// Extensions of backups and of files that are not inventories (Ansible's
    /// `INVENTORY_IGNORE_EXTS`, except `.ini`, which molt reads).
    private static let ignoredExtensions: Set<String> = [
        ".orig", ".bak", ".retry", ".pyc", ".pyo", ".swp", ".rpm", ".md", ".txt", ".rst", ".cfg",
    ]

    private static func isIgnored(_ entry: String) -> Bool {
        entry.hasPrefix(".") || entry.hasSuffix("~") || ignoredNames.contains(entry)
            || ignoredExtensions.contains(FileSystem.extension(of: entry).lowercased())
    }

    /// Reads every inventory file under `directory`; `visited` holds the directories already
    /// read, so a symbolic link that loops back is an error rather than endless recursion.
    private static func readDirectory(
        _ directory: String, into builder: inout InventoryBuilder, visited: inout Set<String>
    ) throws(InventoryError) {
        guard visited.insert(FileSystem.canonical(directory)).inserted else {
            throw InventoryError(
                file: directory, code: .unreadable,
                message: "this directory was already read through another path (a symbolic link loops back to it); remove the link")
        }
        for entry in try FileSystem.entries(of: directory) where !isIgnored(entry) {
            let path = FileSystem.join(directory, entry)
            switch FileSystem.kind(of: path) {
            case .directory: try readDirectory(path, into: &builder, visited: &visited)
            case .file: try readFile(path, into: &builder)
            case .missing: continue  // A dangling symbolic link.
            }
        }
    }

    private static func readFile(_ path: String, into builder: inout InventoryBuilder) throws(InventoryError) {
        try parse(bytes: FileSystem.readBytes(path), file: path, into: &builder)
    }

    /// Parses one source into `builder`, choosing the format as `load(path:)` describes.
    private static func parse(bytes: [UInt8], file: String, into builder: inout InventoryBuilder) throws(InventoryError) {
        let name = file.split(separator: "/").last.map(String.init) ?? file
        let ext = FileSystem.extension(of: name).lowercased()
        if [".py", ".sh", ".exe"].contains(ext) || bytes.starts(with: Array("#!".utf8)) {
            throw InventoryError(
                file: file, code: .unsupportedSource,
                message: "inventory scripts are not supported; molt reads static YAML and INI inventories (run the script once and save its output as YAML)")
        }
        if ext == ".toml" {
            throw InventoryError(file: file, code: .unsupportedSource, message: "TOML inventories are not supported; convert it to YAML or INI")
        }
        if [".yml", ".yaml", ".json"].contains(ext) {
            let text = try FileSystem.decodeLines(bytes, file: file, tolerateComments: false).joined(separator: "\n")
            try YAMLInventoryParser.parse(text: text, file: file, into: &builder)
            return
        }
        // Ansible tries its YAML reader before its INI reader on files without a known extension;
        // a mapping that is not a valid YAML inventory (`web01:2222` alone) may still be INI.
        if ext != ".ini", let text = try? FileSystem.decodeLines(bytes, file: file, tolerateComments: false).joined(separator: "\n"),
            YAMLDocument.looksLikeMapping(text)
        {
            var yaml = builder
            do {
                try YAMLInventoryParser.parse(text: text, file: file, into: &yaml)
                builder = yaml
                return
            } catch let yamlError {
                var ini = builder
                do {
                    try INIInventoryParser.parse(lines: FileSystem.decodeLines(bytes, file: file, tolerateComments: true), file: file, into: &ini)
                } catch {
                    throw yamlError
                }
                builder = ini
                return
            }
        }
        let lines = try FileSystem.decodeLines(bytes, file: file, tolerateComments: true)
        try INIInventoryParser.parse(lines: lines, file: file, into: &builder)
    }
}

// MARK: - Resolving variables

extension Inventory {
    /// Closes the group tree, reads `group_vars/` and `host_vars/` under `base`, and merges each
    /// host's variables with Ansible's precedence, lowest first:
    ///
    /// 1. group variables written in the inventory, `all` first, then by group depth (a child
    ///    after its parent), `ansible_group_priority` and name;
    /// 2. `group_vars/` files, in the same group order;
    /// 3. host variables written in the inventory;
    /// 4. `host_vars/` files.
    private static func resolve(_ built: InventoryBuilder, source: String, variableFilesIn base: String?) throws(InventoryError) -> Inventory {
        var builder = built
        builder.reconcile()
        var warnings = builder.warnings + builder.closingWarnings()
        var groupFiles: [String: Variables] = [:]
        var hostFiles: [String: Variables] = [:]
        if let base {
            groupFiles = try VariableFiles(kind: "group_vars", base: base).load(for: builder.groupOrder, warnings: &warnings)
            hostFiles = try VariableFiles(kind: "host_vars", base: base).load(for: builder.hostOrder, warnings: &warnings)
        }

        let depths = builder.depths()
        func precedes(_ a: String, _ b: String) -> Bool {
            let left = (depths[a] ?? 0, builder.groups[a]?.priority ?? 1)
            let right = (depths[b] ?? 0, builder.groups[b]?.priority ?? 1)
            if left != right { return left < right }
            return a.unicodeScalars.lexicographicallyPrecedes(b.unicodeScalars)
        }

        var hosts: [InventoryHost] = []
        for name in builder.hostOrder {
            guard let entry = builder.hosts[name] else { continue }
            var lineage: Set<String> = ["all"]
            for group in entry.groups { lineage.formUnion(builder.lineage(of: group)) }
            let groups = lineage.sorted(by: precedes)

            var merged: Variables = [:]
            let layers: [Variables] =
                groups.map { builder.groups[$0]?.vars ?? [:] } + groups.map { groupFiles[$0] ?? [:] }
                + [entry.vars, hostFiles[name] ?? [:]]
            for layer in layers {
                merged.merge(layer) { _, later in later }
            }
            hosts.append(
                try InventoryHost(
                    name: name, groups: groups, vars: merged.mapValues(\.value), variableOrigins: merged.mapValues(\.origin)))
        }

        var inventory = Inventory(source: source, hosts: hosts, warnings: warnings)
        inventory.groupNames = builder.groupOrder
        inventory.groupMembers = builder.members().mapValues { names in names.compactMap { inventory.hostIndex[$0] } }
        return inventory
    }

    /// Levenshtein distance, counting a swap of neighbours as one edit.
    ///
    /// Past `limit` the answer is only "more than `limit`" (`limit + 1`): lengths that differ by
    /// more cannot be closer, and skipping them keeps a megabyte-long name from costing
    /// seconds against every host.
    static func editDistance(_ a: String, _ b: String, atMost limit: Int = .max) -> Int {
        let a = Array(a)
        let b = Array(b)
        guard abs(a.count - b.count) <= limit else { return limit + 1 }
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var beforePrevious: [Int] = []
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                var best = min(previous[j] + 1, current[j - 1] + 1, substitution)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] { best = min(best, beforePrevious[j - 2] + 1) }
                current[j] = best
            }
            beforePrevious = previous
            previous = current
        }
        return previous[b.count]
    }
}
