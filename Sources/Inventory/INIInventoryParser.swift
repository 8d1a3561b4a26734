/// Reads an INI inventory the way Ansible's `ini` plugin does.
///
/// - Lines before the first section are hosts of `ungrouped`.
/// - `[group]` lists hosts, `[group:children]` child groups, `[group:vars]` variables.
/// - Host lines are split like a shell line (`key="a value"`), `#` starts a comment anywhere
///   outside quotes, and each value is a Python literal or else a string: `port=22` is an
///   integer, `flag=True` a boolean, `name=web` and `flag=true` strings.
/// - `:vars` lines are `key = rest of line`, evaluated the same way (Ansible's documentation
///   says "strings", but `ansible-core` runs the same `literal_eval` on them).
/// - A child group or a `:vars` section may name a group that is declared later in the file;
///   one never declared is an error.
struct INIInventoryParser {
    private enum SectionKind: String {
        case hosts, children, vars
    }

    /// A forward reference to a group not declared yet.
    private struct Pending {
        var kind: SectionKind
        var line: Int
        /// The `[parent:children]` sections that name the group, with the line of each mention.
        var parents: [(name: String, line: Int)] = []
    }

    private let file: String
    private var builder: InventoryBuilder
    private var pending: [String: Pending] = [:]
    private var pendingOrder: [String] = []

    /// Parses `lines` (already decoded) into `builder`.
    static func parse(lines: [String], file: String, into builder: inout InventoryBuilder) throws(InventoryError) {
        var parser = INIInventoryParser(file: file, builder: builder)
        try parser.run(lines)
        builder = parser.builder
    }

    private init(file: String, builder: InventoryBuilder) {
        self.file = file
        self.builder = builder
    }

    private func location(_ line: Int) -> SourceLocation {
        SourceLocation(file: file, line: line)
    }

    private mutating func run(_ lines: [String]) throws(InventoryError) {
        var group = "ungrouped"
        var kind = SectionKind.hosts
        for (offset, raw) in lines.enumerated() {
            let number = offset + 1
            let line = raw.trimmingWhitespace()
            guard let first = line.first, first != "#", first != ";" else { continue }

            if let (name, tag) = Self.sectionHeader(line) {
                guard let sectionKind = SectionKind(rawValue: tag ?? "hosts") else {
                    throw InventoryError(
                        at: location(number), code: .invalidStructure,
                        message: "section [\(name):\(tag ?? "")] has unknown type '\(tag ?? "")'; use [\(name)], [\(name):children] or [\(name):vars]")
                }
                group = name
                kind = sectionKind
                try declare(name, kind: sectionKind, line: number)
                continue
            }
            if line.hasPrefix("[") && line.hasSuffix("]") {
                throw InventoryError(
                    at: location(number), code: .syntax,
                    message: "invalid section header '\(line)': write [group], [group:children] or [group:vars], with no spaces")
            }

            switch kind {
            case .hosts: try parseHostLine(line, group: group, number: number)
            case .vars: try parseVariableLine(line, group: group, number: number)
            case .children: try parseChildLine(line, group: group, number: number)
            }
        }
        if let name = pendingOrder.first(where: { pending[$0] != nil }), let reference = pending[name] {
            switch reference.kind {
            case .vars:
                throw InventoryError(
                    at: location(reference.line), code: .undefinedGroup,
                    message: "section [\(name):vars] is for group '\(name)', which is never declared; add a [\(name)] or [\(name):children] section")
            default:
                let parent = reference.parents.last?.name ?? "?"
                throw InventoryError(
                    at: location(reference.line), code: .undefinedGroup,
                    message: "section [\(parent):children] includes group '\(name)', which is never declared; add a [\(name)] section")
            }
        }
    }

    /// Handles a section header: declares the group and settles forward references to it.
    private mutating func declare(_ name: String, kind: SectionKind, line: Int) throws(InventoryError) {
        if !builder.hasGroup(name) {
            // [group:vars] alone does not declare a group; remember it and check at the end.
            if kind == .vars && pending[name] == nil {
                remember(name, Pending(kind: .vars, line: line))
            }
            try builder.addGroup(name, at: location(line))
        }
        if let reference = pending[name], kind != .vars {
            if reference.kind == .children {
                try addPendingChildren(of: name)
            } else {
                pending[name] = nil
            }
        }
    }

    private mutating func remember(_ name: String, _ reference: Pending) {
        if pending[name] == nil { pendingOrder.append(name) }
        pending[name] = reference
    }

    /// Links a newly declared group into the sections that named it, and so on up a chain of
    /// groups that were waiting for it, depth first, with a stack of its own (such a chain can
    /// be thousands of groups long).
    private mutating func addPendingChildren(of name: String) throws(InventoryError) {
        guard let first = pending.removeValue(forKey: name) else { return }
        var stack = [(child: name, parents: first.parents, next: 0)]
        while let top = stack.indices.last {
            guard stack[top].next < stack[top].parents.count else {
                stack.removeLast()
                continue
            }
            let parent = stack[top].parents[stack[top].next]
            stack[top].next += 1
            try builder.addChild(stack[top].child, to: parent.name, at: location(parent.line))
            if pending[parent.name]?.kind == .children, let waiting = pending.removeValue(forKey: parent.name) {
                stack.append((parent.name, waiting.parents, 0))
            }
        }
    }

    private mutating func parseHostLine(_ line: String, group: String, number: Int) throws(InventoryError) {
        let words: [String]
        do {
            words = try ShellWords.split(line)
        } catch {
            throw InventoryError(at: location(number), code: .syntax, message: "cannot read host line '\(line)': \(error.message)")
        }
        guard let pattern = words.first else { return }
        let entry: HostEntry
        do {
            entry = try HostEntry(pattern)
        } catch {
            throw InventoryError(at: location(number), code: error.code, message: error.message)
        }
        if pattern.hasSuffix(":") && entry.port == nil {
            throw InventoryError(at: location(number), code: .syntax, message: "host '\(pattern)' ends in ':'; a port number must follow the colon")
        }
        if entry.names.contains("---") {
            throw InventoryError(at: location(number), code: .syntax, message: "'---' is not a host name; this looks like a YAML file, so give it a .yml extension")
        }
        var variables: [(String, InventoryValue)] = []
        for word in words.dropFirst() {
            guard let equals = word.firstIndex(of: "=") else {
                throw InventoryError(
                    at: location(number), code: .syntax,
                    message: "expected key=value after host '\(pattern)', got '\(word)'")
            }
            let key = String(word[..<equals])
            guard !key.isEmpty else {
                throw InventoryError(at: location(number), code: .syntax, message: "'\(word)' after host '\(pattern)' has no variable name before '='")
            }
            let text = String(word[word.index(after: equals)...])
            variables.append((key, PythonLiteral.evaluate(text) ?? .string(text)))
        }
        for name in entry.names {
            try builder.addHost(name, to: group, port: entry.port, at: location(number))
            for (key, value) in variables {
                builder.setHostVariable(name, key, value, at: location(number))
            }
        }
    }

    private mutating func parseVariableLine(_ line: String, group: String, number: Int) throws(InventoryError) {
        guard let equals = line.firstIndex(of: "=") else {
            throw InventoryError(at: location(number), code: .syntax, message: "expected key=value in [\(group):vars], got '\(line)'")
        }
        let key = String(line[..<equals]).trimmingWhitespace()
        let text = String(line[line.index(after: equals)...]).trimmingWhitespace()
        guard !key.isEmpty else {
            throw InventoryError(at: location(number), code: .syntax, message: "'\(line)' in [\(group):vars] has no variable name before '='")
        }
        try builder.setGroupVariable(group, key, PythonLiteral.evaluate(text) ?? .string(text), at: location(number))
    }

    private mutating func parseChildLine(_ line: String, group: String, number: Int) throws(InventoryError) {
        guard let child = Self.groupName(line) else {
            throw InventoryError(at: location(number), code: .syntax, message: "expected a group name in [\(group):children], got '\(line)'")
        }
        if builder.hasGroup(child) {
            try builder.addChild(child, to: group, at: location(number))
        } else if pending[child] != nil {
            pending[child]!.parents.append((group, number))
        } else {
            remember(child, Pending(kind: .children, line: number, parents: [(group, number)]))
        }
    }

    /// `[name]` or `[name:tag]`, optionally followed by blanks and a `#` comment.
    static func sectionHeader(_ line: String) -> (name: String, tag: String?)? {
        guard line.hasPrefix("["), let close = line.firstIndex(of: "]") else { return nil }
        let inside = line[line.index(after: line.startIndex)..<close]
        let rest = line[line.index(after: close)...].trimmingWhitespace()
        guard rest.isEmpty || rest.hasPrefix("#") else { return nil }
        let parts = inside.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        let name = String(parts[0])
        guard !name.isEmpty, !name.contains(where: \.isWhitespace) else { return nil }
        guard parts.count == 2 else { return (name, nil) }
        let tag = String(parts[1])
        guard !tag.isEmpty, tag.allSatisfy(\.isWordCharacter) else { return nil }
        return (name, tag)
    }

    /// A group name alone on a line, optionally followed by a `#` comment.
    static func groupName(_ line: String) -> String? {
        let end = line.firstIndex { $0.isWhitespace || $0 == "#" } ?? line.endIndex
        let name = String(line[..<end])
        let rest = line[end...].trimmingWhitespace()
        guard !name.isEmpty, !name.contains(":"), !name.contains("]"), rest.isEmpty || rest.hasPrefix("#") else { return nil }
        return name
    }
}
