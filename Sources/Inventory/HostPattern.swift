import Foundation

/// An Ansible host pattern (`hosts:` in a playbook, `--limit` on the command line), parsed once
/// and reusable against any inventory.
///
/// Terms are separated by `,` or `:` (a colon does not split an IPv6 address, a `[x:y]`
/// subscript or range, or `host:port`) and by blanks; empty terms are dropped, as Ansible drops
/// them. A term is `all` or `*`, a host or group name, a glob (`web*`, `*.example.com`,
/// `db-[ab]?`) matched against host and group names, or a regular expression after `~` matched
/// from the start of the name. `&term` intersects and `!term` excludes; as in Ansible, all plain
/// terms are applied first, then every `&`, then every `!`, whatever the written order, and a
/// pattern of only `&`/`!` terms starts from `all`. `group[0]`, `group[-1]`, `group[1:3]`
/// (inclusive), `group[2:]` and `group[:2]` pick hosts by position.
///
/// A term that matches nothing adds nothing: an unknown name is not an error here, so the
/// caller decides whether an empty selection is one.
public struct HostPattern: Sendable, Hashable, CustomStringConvertible {
    /// The pattern as written.
    public let text: String
    let terms: [Term]

    /// Parses `text`, throwing for an empty pattern, a lone `!` or `&`, a bad regular expression
    /// or a bad subscript.
    public init(_ text: String) throws(InventoryError) {
        self.text = text
        var terms: [Term] = []
        let written = try Self.split(text)
        guard written.count <= Self.maxTerms else {
            throw Self.error(text, .tooLarge, "it has \(written.count) terms, more than the \(Self.maxTerms) molt matches; put the hosts in a group and name it")
        }
        for term in written {
            terms.append(try Term(term, in: text))
        }
        let wildcards = terms.filter(\.isWildcard).count
        guard wildcards <= Self.maxWildcardTerms else {
            throw Self.error(
                text, .tooLarge, "it has \(wildcards) glob or regular-expression terms, more than the \(Self.maxWildcardTerms) molt matches; put the hosts in a group and name it")
        }
        self.terms = terms
    }

    /// The pattern as written.
    public var description: String { text }

    /// The terms in the order Ansible applies them.
    var orderedTerms: [Term] {
        var unions = terms.filter { $0.operation == .union }
        if unions.isEmpty {
            unions = [Term(operation: .union, matcher: .name("all"), slice: nil, written: "all")]
        }
        return unions + terms.filter { $0.operation == .intersection } + terms.filter { $0.operation == .exclusion }
    }

    static func error(_ pattern: String, _ code: InventoryError.Code, _ message: String) -> InventoryError {
        let shown = pattern.count > 200 ? pattern.prefix(200) + "…" : pattern
        return InventoryError(file: nil, line: nil, code: code, message: "host pattern '\(shown)': \(message)")
    }

    /// The most terms a pattern may have; each is matched against the whole inventory.
    static let maxTerms = 10_000
    /// The most glob and regular-expression terms, which test every host and group name
    /// (names alone are looked up).
    static let maxWildcardTerms = 100

    /// Splits into terms: commas always, then colons outside brackets unless the piece is an
    /// address (IPv6, `host:port`), then blanks.
    private static func split(_ text: String) throws(InventoryError) -> [String] {
        var terms: [String] = []
        for piece in text.split(separator: ",") {
            let piece = piece.trimmingWhitespace()
            if Address(piece) != nil {
                terms.append(piece)
                continue
            }
            for part in Address.split(piece, on: ":") {
                terms += part.split(whereSeparator: \.isWhitespace).map(String.init)
            }
        }
        guard !terms.isEmpty else { throw error(text, .invalidPattern, "the pattern is empty") }
        return terms
    }

    struct Term: Sendable, Hashable {
        enum Operation: Sendable, Hashable {
            case union, intersection, exclusion
        }

        enum Matcher: Sendable, Hashable {
            case name(String)
            case glob(String)
            case regex(String)
        }

        /// A pick by position among the hosts a term matches.
        enum Slice: Sendable, Hashable {
            case index(Int)
            /// Inclusive bounds; nil means from the first or to the last.
            case range(Int?, Int?)
        }

        var operation: Operation
        var matcher: Matcher
        var slice: Slice?
        var written: String

        init(operation: Operation, matcher: Matcher, slice: Slice?, written: String) {
            self.operation = operation
            self.matcher = matcher
            self.slice = slice
            self.written = written
        }

        init(_ written: String, in pattern: String) throws(InventoryError) {
            self.written = written
            var body = Substring(written)
            switch body.first {
            case "!":
                operation = .exclusion
                body = body.dropFirst()
            case "&":
                operation = .intersection
                body = body.dropFirst()
            default:
                operation = .union
            }
            guard !body.isEmpty else {
                throw HostPattern.error(pattern, .invalidPattern, "'\(written)' must be followed by a host, group or pattern")
            }
            if body.first == "~" {
                let expression = String(body.dropFirst())
                guard !expression.isEmpty else {
                    throw HostPattern.error(pattern, .invalidPattern, "'~' must be followed by a regular expression")
                }
                do {
                    _ = try NSRegularExpression(pattern: expression)
                } catch {
                    throw HostPattern.error(pattern, .invalidPattern, "'\(expression)' is not a valid regular expression")
                }
                matcher = .regex(expression)
                slice = nil
                return
            }
            let (base, slice) = try Self.splitSlice(body, in: pattern)
            self.slice = slice
            matcher = Glob.hasWildcards(base) ? .glob(String(base)) : .name(String(base))
        }

        /// `name[2]`, `name[-1]`, `name[1:3]` (or Ansible's old `name[1-3]`), `name[1:]`, `name[:3]`;
        /// anything else in brackets is a glob.
        private static func splitSlice(_ body: Substring, in pattern: String) throws(InventoryError) -> (Substring, Slice?) {
            guard body.hasSuffix("]"), let open = body.lastIndex(of: "["), open > body.startIndex else { return (body, nil) }
            let base = body[..<open]
            let inside = body[body.index(after: open)..<body.index(before: body.endIndex)]
            let digits = inside.hasPrefix("-") ? inside.dropFirst() : inside
            if !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), let index = Int(inside) {
                return (base, .index(index))
            }
            var bounds = inside.split(separator: ":", omittingEmptySubsequences: false)
            if bounds.count == 1 {
                // Ansible still reads `[1-3]` as the subscript `[1:3]` (with a warning that the
                // form was removed), not as a glob, so `web0[1-2]` picks from `web0`.
                bounds = inside.split(separator: "-", maxSplits: 1, omittingEmptySubsequences: false)
                guard bounds.count == 2, !bounds[0].isEmpty else { return (body, nil) }
            }
            guard bounds.count == 2, bounds.allSatisfy({ $0.allSatisfy(\.isASCIIDigit) }) else { return (body, nil) }
            guard !(bounds[0].isEmpty && bounds[1].isEmpty) else {
                throw HostPattern.error(pattern, .invalidPattern, "the subscript in '\(body)' needs a start, an end or both")
            }
            return (base, .range(Int(bounds[0]), Int(bounds[1])))
        }

        var isWildcard: Bool {
            switch matcher {
            case .name: false
            case .glob, .regex: true
            }
        }

        /// A predicate on host and group names.
        func nameMatcher() -> (String) -> Bool {
            switch matcher {
            case let .name(name):
                return { $0 == name }
            case let .glob(text):
                let glob = Glob(text)
                return { glob.matches($0) }
            case let .regex(expression):
                guard let regex = try? NSRegularExpression(pattern: expression) else { return { _ in false } }
                return { name in
                    regex.firstMatch(in: name, options: .anchored, range: NSRange(name.startIndex..., in: name)) != nil
                }
            }
        }
    }
}

extension HostPattern {
    /// Indexes into `inventory.hosts` of the matching hosts, in Ansible's order
    /// (`InventoryManager._evaluate_patterns`): each plain term adds the hosts it matches that are
    /// not listed yet, in its own order; `&` and `!` terms then keep or drop hosts, keeping the order.
    func select(in inventory: Inventory) -> [Int] {
        var selected: [Int] = []
        var listed: Set<Int> = []
        for term in orderedTerms {
            let matched = match(term, in: inventory)
            switch term.operation {
            case .union:
                for index in matched where listed.insert(index).inserted { selected.append(index) }
            case .intersection:
                let kept = Set(matched)
                selected.removeAll { !kept.contains($0) }
                listed = Set(selected)
            case .exclusion:
                let dropped = Set(matched)
                selected.removeAll { dropped.contains($0) }
                listed.subtract(dropped)
            }
        }
        return selected
    }

    /// The hosts one term stands for, in Ansible's order, with its slice applied.
    ///
    /// As in Ansible (`_enumerate_matches`): a plain term that is a host's name is that host alone;
    /// otherwise every group whose name matches, in the order the groups were declared, adds its
    /// hosts (`hosts(inGroup:)`), and host names are matched too, in inventory order, when no group
    /// matched or the term is a glob, a regular expression or has a dot. A host matched twice is
    /// listed twice, and a subscript counts it twice, as Ansible's does.
    private func match(_ term: Term, in inventory: Inventory) -> [Int] {
        var found: [Int] = []
        if case let .name(name) = term.matcher {
            // A plain name is looked up, not compared with every name: patterns can list
            // thousands of hosts.
            if term.operation == .union, term.slice == nil, let index = inventory.index(ofHost: name) {
                return [index]
            }
            let isGroup = inventory.hasGroup(name)
            found += inventory.memberIndexes(ofGroup: name)
            if !isGroup || name.contains("."), let index = inventory.index(ofHost: name) {
                found.append(index)
            }
        } else {
            let matches = term.nameMatcher()
            for group in inventory.groupNames where matches(group) {
                found += inventory.memberIndexes(ofGroup: group)
            }
            for (index, host) in inventory.hosts.enumerated() where matches(host.name) {
                found.append(index)
            }
        }
        guard let slice = term.slice, !found.isEmpty else { return found }
        switch slice {
        case let .index(index):
            let position = index < 0 ? found.count + index : index
            return found.indices.contains(position) ? [found[position]] : []
        case .range(let start, 0?):
            // Ansible reads an end of 0 as no end at all, and takes the host at the start alone.
            let first = start ?? 0
            return found.indices.contains(first) ? [found[first]] : []
        case let .range(start, end):
            let first = start ?? 0
            let last = min(end ?? found.count - 1, found.count - 1)
            guard first <= last else { return [] }
            return Array(found[first...last])
        }
    }
}
