public import Yams

/// A YAML file composed into Yams nodes, with what every reader of molt's YAML files
/// (inventories, variables files, playbooks) needs: the text checked against bounds first, Yams'
/// errors turned into `file:line:` problems, merge keys (`<<`) applied, and scalars typed the
/// way Ansible's PyYAML loader types them (YAML 1.1: `yes` is true, `0755` is octal, `1e5` is a
/// string).
///
/// The inventory and the playbook each wrap it in their own error type; neither depends on the
/// other.
public struct YAMLTree {
    /// How plain scalars are typed beyond YAML 1.1's core rules.
    public struct Typing: Sendable, Hashable {
        /// Whether `1:30` is a base-60 number (90), as PyYAML reads it. Ansible's inventories
        /// keep this; a playbook, whose values are durations and sizes, reads it as text.
        public var sexagesimal: Bool

        public init(sexagesimal: Bool) {
            self.sexagesimal = sexagesimal
        }

        /// PyYAML's rules, base-60 numbers included.
        public static let pyYAML = Typing(sexagesimal: true)
    }

    /// Why a text or a node could not be read, at its 1-based line when known.
    public struct Problem: Error, Sendable, Hashable {
        public enum Kind: Sendable, Hashable {
            /// Not YAML, or YAML that cannot be composed.
            case syntax
            /// Past the bounds: too many nodes once aliases are expanded, or nested too deeply.
            case tooLarge
            /// Well-formed YAML of a shape no reader takes: a mapping as a key, a bad merge
            /// key, a scalar whose tag contradicts its text.
            case structure
        }

        public var kind: Kind
        public var file: String
        public var line: Int?
        public var message: String

        public init(kind: Kind, file: String, line: Int?, message: String) {
            self.kind = kind
            self.file = file
            self.line = line
            self.message = message
        }
    }

    /// A scalar typed.
    public enum Scalar: Sendable, Hashable {
        case null
        case bool(Bool)
        case int(Int)
        case double(Double)
        case string(String)
    }

    /// The root node; nil for an empty document.
    public let root: Node?
    /// The file the text came from, for errors.
    public let file: String
    /// How plain scalars are typed.
    public let typing: Typing
    /// The merged pairs of each mapping that merges or is merged, once read.
    private let merges = MergedMappings()

    /// Composes `text` once it has kept `bounds`.
    public init(text: String, file: String, bounds: YAMLBounds, typing: Typing) throws(Problem) {
        self.file = file
        self.typing = typing
        do {
            try bounds.check(text)
        } catch {
            throw Problem(kind: error.kind == .complexKey ? .structure : .tooLarge, file: file, line: error.line, message: error.message)
        }
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Self.describe(error, file: file)
        } catch {
            throw Problem(kind: .syntax, file: file, line: nil, message: "cannot parse YAML: \(error)")
        }
    }

    /// Whether `text` composes to a mapping (how a file without an extension is told to be YAML).
    /// Text beyond `bounds` counts as YAML, so that reading it reports why it is refused.
    public static func looksLikeMapping(_ text: String, bounds: YAMLBounds) -> Bool {
        do {
            try bounds.check(text)
        } catch {
            return true
        }
        guard let root = try? Yams.compose(yaml: text) else { return false }
        if case .mapping = root { return true }
        return false
    }

    /// A problem found at `node`.
    public func problem(at node: Node, _ message: String, kind: Problem.Kind = .structure) -> Problem {
        Problem(kind: kind, file: file, line: node.mark?.line, message: message)
    }

    // MARK: Mappings

    /// The merged pairs of mappings that merge or are merged, by where each starts in the text.
    ///
    /// An alias repeats its anchor's node, so a chain of mappings that each merge the one
    /// before (`<<: *previous`) would have every link merged again at every later link, in
    /// time cubic in the chain's length (minutes for 700 links); remembered, each is merged once.
    private final class MergedMappings {
        struct Position: Hashable {
            var line: Int
            var column: Int
        }

        var pairs: [Position: [(key: Node, value: Node)]] = [:]
    }

    /// The key/value pairs of a mapping in written order, with `<<` merge keys applied the way
    /// PyYAML does: merged keys come first, earlier merged mappings win over later ones, and the
    /// mapping's own keys win over all merged ones.
    public func pairs(of mapping: Node.Mapping) throws(Problem) -> [(key: Node, value: Node)] {
        try pairs(of: mapping, remember: false)
    }

    private func pairs(of mapping: Node.Mapping, remember: Bool) throws(Problem) -> [(key: Node, value: Node)] {
        let position = mapping.mark.map { MergedMappings.Position(line: $0.line, column: $0.column) }
        if let position, let known = merges.pairs[position] { return known }
        var merged: [(key: Node, value: Node)] = []
        var own: [(key: Node, value: Node)] = []
        for (key, value) in mapping {
            guard Self.isMergeKey(key) else {
                own.append((key, value))
                continue
            }
            var sources: [Node.Mapping] = []
            switch value {
            case let .mapping(source):
                sources = [source]
            case let .sequence(list):
                for item in list {
                    guard case let .mapping(source) = item else {
                        throw problem(at: item, "a '<<' merge list may contain only mappings, found \(kind(of: item))")
                    }
                    sources.append(source)
                }
            default:
                throw problem(at: value, "a '<<' merge key needs a mapping or a list of mappings, found \(kind(of: value))")
            }
            for source in sources.reversed() {
                merged += try pairs(of: source, remember: true)
            }
        }
        // Keep the first position of each key and the last value written for it, like a Python dict.
        var order: [String] = []
        var latest: [String: (key: Node, value: Node)] = [:]
        for pair in merged + own {
            let name = text(of: pair.key)
            if latest[name] == nil { order.append(name) }
            latest[name] = pair
        }
        let pairs = order.compactMap { latest[$0] }
        // Only mappings that take part in merging are kept: they are the ones aliases repeat.
        if let position, remember || !merged.isEmpty { merges.pairs[position] = pairs }
        return pairs
    }

    private static func isMergeKey(_ node: Node) -> Bool {
        guard case let .scalar(scalar) = node, scalar.string == "<<" else { return false }
        return scalar.style == .plain || scalar.style == .any || scalar.tag.description == Tag.Name.merge.rawValue
    }

    // MARK: Scalars

    /// The typed value of a scalar node; nil for a mapping, a list or an alias. A scalar whose
    /// tag contradicts its text (`!!int abc`) is a problem at its line.
    public func scalar(_ node: Node) throws(Problem) -> Scalar? {
        do {
            return try typing.scalar(node)
        } catch {
            throw problem(at: node, error.message)
        }
    }

    /// A mapping key or scalar as written; for a collection, what it is.
    public func text(of node: Node) -> String { typing.text(of: node) }

    /// What a node is, for error messages: "a mapping", "a string", "an integer"...
    public func kind(of node: Node) -> String { typing.kind(of: node) }

    // MARK: Errors

    private static func describe(_ error: YamlError, file: String) -> Problem {
        func located(_ mark: Mark?, _ problem: String, _ context: YamlError.Context?) -> Problem {
            var message = "YAML syntax error: \(problem)"
            if let context, !context.text.isEmpty {
                message += " (\(context.text) at line \(context.mark.line))"
            }
            return Problem(kind: .syntax, file: file, line: mark?.line, message: message)
        }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            return located(mark, problem, context)
        case let .reader(problem, offset, _, yaml):
            let line = offset.map { offset in yaml.utf8.prefix(offset).reduce(1) { $0 + ($1 == 10 ? 1 : 0) } }
            return Problem(kind: .syntax, file: file, line: line, message: "cannot read YAML: \(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return Problem(kind: .syntax, file: file, line: context.mark.line, message: "key \(names) appears more than once in the same mapping")
        default:
            return Problem(kind: .syntax, file: file, line: nil, message: "cannot parse YAML: \(error)")
        }
    }
}

extension YAMLTree.Typing {
    /// A scalar whose tag contradicts its text (`!!int abc`).
    public struct TagMismatch: Error, Sendable, Hashable {
        public var message: String
    }

    /// The typed value of a scalar node; nil for a mapping, a list or an alias.
    public func scalar(_ node: Node) throws(TagMismatch) -> YAMLTree.Scalar? {
        guard case let .scalar(scalar) = node else { return nil }
        let text = scalar.string
        let plain = scalar.style == .plain || scalar.style == .any
        switch scalar.tag.description {
        case Tag.Name.implicit.rawValue:
            return plain ? resolvePlain(text) : .string(text)
        case Tag.Name.int.rawValue:
            guard case let .int(value) = resolvePlain(text) else { throw TagMismatch(message: "'\(text)' is tagged !!int but is not an integer") }
            return .int(value)
        case Tag.Name.float.rawValue:
            switch resolvePlain(text) {
            case let .double(value): return .double(value)
            case let .int(value): return .double(Double(value))
            default: throw TagMismatch(message: "'\(text)' is tagged !!float but is not a number")
            }
        case Tag.Name.bool.rawValue:
            guard case let .bool(value) = resolvePlain(text) else { throw TagMismatch(message: "'\(text)' is tagged !!bool but is not a boolean") }
            return .bool(value)
        case Tag.Name.null.rawValue:
            return .null
        default:
            // !!str, the non-specific "!", Ansible's !unsafe, and !vault ciphertext (which molt cannot decrypt) are text.
            return .string(text)
        }
    }

    /// A mapping key or scalar as written; for a collection, what it is.
    public func text(of node: Node) -> String {
        if case let .scalar(scalar) = node { scalar.string } else { kind(of: node) }
    }

    /// Whether a node is null (an empty value, `~` or `null`).
    public func isNull(_ node: Node) -> Bool {
        (try? scalar(node)) == .null
    }

    /// What a node is, for error messages: "a mapping", "a list", "a string", "an integer"...
    public func kind(of node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar:
            switch (try? scalar(node)) ?? .null {
            case .string: return "a string"
            case .int: return "an integer"
            case .double: return "a number"
            case .bool: return "a boolean"
            case .null: return "nothing"
            }
        }
    }

    /// What a node is and holds, for error messages: "a mapping", "the string 'abc'", "the integer 3"...
    public func describe(_ node: Node) -> String {
        guard case let .scalar(written) = node else { return kind(of: node) }
        let text = written.string
        switch (try? scalar(node)) ?? .null {
        case .null: return "nothing"
        case .bool: return "the boolean '\(text)'"
        case .int: return "the integer \(text)"
        case .double: return "the number \(text)"
        case .string: return "the string '\(text)'"
        }
    }

    /// Types a plain scalar with YAML 1.1's implicit rules, as PyYAML (and so Ansible) does.
    public func resolvePlain(_ text: String) -> YAMLTree.Scalar {
        YAML11.resolve(text, sexagesimal: sexagesimal)
    }
}

/// YAML 1.1's implicit typing of plain scalars, as PyYAML implements it.
enum YAML11 {
    static func resolve(_ text: String, sexagesimal: Bool) -> YAMLTree.Scalar {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON": return .bool(true)
        case "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        if let value = integer(text, sexagesimal: sexagesimal) { return .int(value) }
        if let value = float(text, sexagesimal: sexagesimal) { return .double(value) }
        return .string(text)
    }

    private static func splitSign(_ text: String) -> (negative: Bool, body: Substring) {
        if text.hasPrefix("-") { return (true, text.dropFirst()) }
        if text.hasPrefix("+") { return (false, text.dropFirst()) }
        return (false, Substring(text))
    }

    private static func digits(_ text: Substring, in allowed: String) -> Bool {
        !text.isEmpty && text.allSatisfy { allowed.contains($0) }
    }

    /// YAML 1.1 integers: 0b1010, 0x1F, 017 (octal), 1_000, and 1:30 (base 60) when `sexagesimal`.
    private static func integer(_ text: String, sexagesimal: Bool) -> Int? {
        let (negative, body) = splitSign(text)
        let value: Int?
        if body.hasPrefix("0b"), digits(body.dropFirst(2), in: "01_") {
            value = Int(body.dropFirst(2).filter { $0 != "_" }, radix: 2)
        } else if body.hasPrefix("0x"), digits(body.dropFirst(2), in: "0123456789abcdefABCDEF_") {
            value = Int(body.dropFirst(2).filter { $0 != "_" }, radix: 16)
        } else if body == "0" {
            value = 0
        } else if body.hasPrefix("0"), digits(body.dropFirst(), in: "01234567_") {
            value = Int(body.filter { $0 != "_" }, radix: 8)
        } else if let first = body.first, ("1"..."9").contains(first), digits(body, in: "0123456789_") {
            value = Int(body.filter { $0 != "_" })
        } else if sexagesimal, let first = body.first, ("1"..."9").contains(first), let parts = base60(body, fractional: false) {
            value = parts.integer
        } else {
            value = nil
        }
        return value.map { negative ? -$0 : $0 }
    }

    /// YAML 1.1 floats, which need a dot: 1.5, 1., .5, 1.0e+3, with underscores; and
    /// 190:20:30.15 (base 60) when `sexagesimal`.
    private static func float(_ text: String, sexagesimal: Bool) -> Double? {
        let (negative, body) = splitSign(text)
        if body.first == "." && (text.hasPrefix("-") || text.hasPrefix("+")) {
            return nil  // A signed ".5" is not a float in YAML 1.1 (only ".inf" may carry a sign).
        }
        var mantissa = body
        var exponent = ""
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            let rest = body[body.index(after: e)...]
            guard let sign = rest.first, sign == "+" || sign == "-", digits(rest.dropFirst(), in: "0123456789") else { return nil }
            mantissa = body[..<e]
            exponent = "e" + rest
        }
        let value: Double?
        if mantissa.contains(":") {
            guard sexagesimal, exponent.isEmpty, let first = mantissa.first, first.isASCIIDigit,
                let parts = base60(mantissa, fractional: true)
            else { return nil }
            value = parts.value
        } else {
            guard let dot = mantissa.firstIndex(of: "."), mantissa.filter({ $0 == "." }).count == 1 else { return nil }
            let whole = mantissa[..<dot]
            let fraction = mantissa[mantissa.index(after: dot)...]
            if whole.isEmpty {
                guard digits(fraction, in: "0123456789_") else { return nil }
            } else {
                guard let first = whole.first, first.isASCIIDigit, digits(whole, in: "0123456789_"),
                    fraction.isEmpty || digits(fraction, in: "0123456789_")
                else { return nil }
            }
            let cleanWhole = whole.filter { $0 != "_" }
            let cleanFraction = fraction.filter { $0 != "_" }
            value = Double((cleanWhole.isEmpty ? "0" : cleanWhole) + "." + (cleanFraction.isEmpty ? "0" : cleanFraction) + exponent)
        }
        return value.map { negative ? -$0 : $0 }
    }

    /// `a:b:c` in base 60; the last part may carry a fraction when `fractional`.
    private static func base60(_ text: Substring, fractional: Bool) -> (integer: Int, value: Double)? {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return nil }
        var integer = 0
        var value = 0.0
        for (offset, part) in parts.enumerated() {
            let isLast = offset == parts.count - 1
            if offset == 0 {
                guard digits(part, in: "0123456789_"), let number = Int(part.filter { $0 != "_" }) else { return nil }
                integer = number
                value = Double(number)
                continue
            }
            if isLast && fractional {
                guard let dot = part.firstIndex(of: ".") else { return nil }
                let head = part[..<dot]
                let tail = part[part.index(after: dot)...]
                guard (1...2).contains(head.count), digits(head, in: "0123456789"), let number = Int(head), number < 60,
                    tail.isEmpty || digits(tail, in: "0123456789_"),
                    let fraction = Double("0." + (tail.isEmpty ? "0" : tail.filter { $0 != "_" }))
                else { return nil }
                value = value * 60 + Double(number) + fraction
            } else {
                guard (1...2).contains(part.count), digits(part, in: "0123456789"), let number = Int(part), number < 60 else { return nil }
                // Past Int's range the text stays a string rather than trapping.
                let (shifted, overflow) = integer.multipliedReportingOverflow(by: 60)
                guard !overflow, shifted <= Int.max - number else { return nil }
                integer = shifted + number
                value = value * 60 + Double(number)
            }
        }
        return (integer, value)
    }
}

extension Character {
    /// 0 to 9 (not the other scripts' digits `isWholeNumber` takes).
    fileprivate var isASCIIDigit: Bool { isASCII && isWholeNumber }
}
