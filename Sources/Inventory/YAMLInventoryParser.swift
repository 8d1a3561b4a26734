import Yams

/// Reads a YAML (or JSON) inventory the way Ansible's `yaml` plugin does.
///
/// Top-level keys are groups (usually just `all`); each group may have `hosts` (a mapping of
/// host entries to their variables or nothing), `children` (a mapping of groups, defined in
/// place, to any depth) and `vars`. A string where a mapping belongs counts as a one-entry
/// mapping, as Ansible allows. Unknown keys in a group are skipped with a warning, as Ansible
/// does; a value of the wrong type is an error at its line.
struct YAMLInventoryParser {
    private let document: YAMLDocument
    private var builder: InventoryBuilder

    /// Parses `text` into `builder`.
    static func parse(text: String, file: String, into builder: inout InventoryBuilder) throws(InventoryError) {
        let document = try YAMLDocument(text: text, file: file)
        var parser = YAMLInventoryParser(document: document, builder: builder)
        try parser.run()
        builder = parser.builder
    }

    private init(document: YAMLDocument, builder: InventoryBuilder) {
        self.document = document
        self.builder = builder
    }

    private var file: String { document.file }

    private mutating func run() throws(InventoryError) {
        guard let root = document.root, !YAMLDocument.isNull(root) else {
            builder.warnings.append(InventoryWarning(location: SourceLocation(file: file), message: "the YAML inventory is empty"))
            return
        }
        guard case let .mapping(groups) = root else {
            throw InventoryError(
                at: document.location(of: root), code: .invalidStructure,
                message: "a YAML inventory must be a mapping of group names (usually 'all:'), found \(YAMLDocument.kind(of: root))")
        }
        let pairs = try document.pairs(of: groups)
        if let plugin = pairs.first(where: { YAMLDocument.text(of: $0.key) == "plugin" }) {
            throw InventoryError(
                at: document.location(of: plugin.key), code: .unsupportedSource,
                message: "this is the configuration of the inventory plugin '\(YAMLDocument.text(of: plugin.value))', not an inventory; molt reads only static YAML and INI inventories")
        }
        for (key, value) in pairs {
            if !YAMLDocument.isNull(value), !Self.isMapping(value) {
                // Ansible skips a top-level entry that is not a group with a warning.
                builder.warnings.append(InventoryWarning(
                    location: document.location(of: key),
                    message: "Skipping '\(YAMLDocument.text(of: key))' as this is not a valid group definition"))
                continue
            }
            _ = try parseGroup(named: key, definition: value)
        }
    }

    /// Declares a group and reads its definition; returns its name.
    private mutating func parseGroup(named key: Node, definition: Node) throws(InventoryError) -> String {
        let name = YAMLDocument.text(of: key)
        let origin = document.location(of: key)
        try builder.addGroup(name, at: origin)
        if YAMLDocument.isNull(definition) { return name }
        guard case let .mapping(sections) = definition else {
            throw InventoryError(
                at: document.location(of: definition), code: .invalidStructure,
                message: "group '\(name)' must be a mapping with 'hosts', 'children' or 'vars' (or empty), found \(YAMLDocument.kind(of: definition))")
        }
        for (sectionKey, content) in try document.pairs(of: sections) {
            let section = YAMLDocument.text(of: sectionKey)
            let sections = ["hosts", "children", "vars"]
            guard sections.contains(section) else {
                // Ansible skips the key with one of these warnings, in its words; what the key
                // holds (often a whole group, under a misspelt `children:`) is lost, so molt adds
                // the likely key.
                let guess = sections.first { Inventory.editDistance(section.lowercased(), $0, atMost: 2) <= 2 }
                let shown = section.count > 80 ? section.prefix(80) + "…" : section
                let hint = guess.map { " (did you mean '\($0)'?)" } ?? ""
                let message: String
                if YAMLDocument.isNull(content) {
                    message = "Skipping empty key (\(shown)) in group (\(name))\(hint)"
                } else if Self.isMapping(content) {
                    message = "Skipping unexpected key (\(shown)) in group (\(name)), only \"vars\", \"children\" and \"hosts\" are valid\(hint)"
                } else {
                    message = "Skipping key (\(shown)) in group (\(name)) as it is not a mapping, it is \(YAMLDocument.kind(of: content))\(hint)"
                }
                builder.warnings.append(InventoryWarning(location: document.location(of: sectionKey), message: message))
                continue
            }
            if YAMLDocument.isNull(content) { continue }
            let entries = try self.entries(of: content, section: section, group: name)
            switch section {
            case "vars":
                for (variable, value) in entries {
                    try builder.setGroupVariable(name, YAMLDocument.text(of: variable), try document.value(of: value), at: document.location(of: variable))
                }
            case "children":
                for (childKey, childDefinition) in entries {
                    let child = try parseGroup(named: childKey, definition: childDefinition)
                    try builder.addChild(child, to: name, at: document.location(of: childKey))
                }
            default:
                for (hostKey, variables) in entries {
                    try parseHost(hostKey, variables: variables, group: name)
                }
            }
        }
        return name
    }

    private static func isMapping(_ node: Node) -> Bool {
        if case .mapping = node { true } else { false }
    }

    /// The entries of a `hosts`, `children` or `vars` section: a mapping, or a single name.
    private func entries(of content: Node, section: String, group: String) throws(InventoryError) -> [(key: Node, value: Node)] {
        switch content {
        case let .mapping(mapping):
            return try document.pairs(of: mapping)
        case .scalar:
            return [(content, Node("", Tag(.null)))]
        default:
            let what = section == "vars" ? "variable names to values" : section == "hosts" ? "host names" : "group names"
            throw InventoryError(
                at: document.location(of: content), code: .invalidStructure,
                message: "'\(section)' of group '\(group)' must be a mapping of \(what), found \(YAMLDocument.kind(of: content))")
        }
    }

    private mutating func parseHost(_ key: Node, variables: Node, group: String) throws(InventoryError) {
        let pattern = YAMLDocument.text(of: key)
        let origin = document.location(of: key)
        let entry: HostEntry
        do {
            entry = try HostEntry(pattern)
        } catch {
            throw InventoryError(at: origin, code: error.code, message: error.message)
        }
        var assignments: [(String, InventoryValue, SourceLocation)] = []
        if !YAMLDocument.isNull(variables) {
            guard case let .mapping(mapping) = variables else {
                throw InventoryError(
                    at: document.location(of: variables), code: .invalidStructure,
                    message: "host '\(pattern)' in group '\(group)' must be followed by a mapping of its variables (or nothing), found \(YAMLDocument.kind(of: variables))")
            }
            for (variable, value) in try document.pairs(of: mapping) {
                assignments.append((YAMLDocument.text(of: variable), try document.value(of: value), document.location(of: variable)))
            }
        }
        for name in entry.names {
            try builder.addHost(name, to: group, port: entry.port, at: origin)
            for (variable, value, location) in assignments {
                builder.setHostVariable(name, variable, value, at: location)
            }
        }
    }
}
