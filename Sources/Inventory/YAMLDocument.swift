import BoundedYAML
import Yams

/// A YAML file composed into Yams nodes, with the helpers every YAML reader in this module
/// shares: scalars typed the way Ansible's PyYAML loader types them (YAML 1.1: `yes` is true,
/// `0755` is octal, `1e5` is a string), merge keys (`<<`) applied, and line numbers kept for
/// errors.
///
/// The text is checked against `bounds` before it is composed, so an alias bomb, absurd
/// nesting or a mapping used as a key is a `file:line:` error, never a hang or a crash.
struct YAMLDocument {
    /// What one inventory or variables file may hold: a million nodes is ten times a
    /// 100,000-host inventory written out host by host, and no inventory nests 100 deep.
    static let bounds = YAMLBounds(nodes: 1_000_000, depth: 100)

    /// The root node; nil for an empty document.
    let root: Node?
    /// The file the text came from, for errors.
    let file: String
    /// The merged pairs of each mapping that merges or is merged, once read.
    private let merges = MergedMappings()

    /// Composes `text`, turning Yams' errors into `file:line:` errors.
    init(text: String, file: String) throws(InventoryError) {
        self.file = file
        do {
            try Self.bounds.check(text)
        } catch {
            let code: InventoryError.Code = error.kind == .complexKey ? .invalidStructure : .tooLarge
            throw InventoryError(file: file, line: error.line, code: code, message: error.message)
        }
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Self.describe(error, file: file)
        } catch {
            throw InventoryError(file: file, code: .syntax, message: "cannot parse YAML: \(error)")
        }
    }

    /// Whether `text` composes to a mapping, used to tell YAML from INI in files without an extension.
    ///
    /// Text beyond `bounds` counts as YAML, so that reading it reports why it is refused.
    static func looksLikeMapping(_ text: String) -> Bool {
        do {
            try bounds.check(text)
        } catch {
            return true
        }
        guard let root = try? Yams.compose(yaml: text) else { return false }
        if case .mapping = root { return true }
        return false
    }

    func location(of node: Node) -> SourceLocation {
        SourceLocation(file: file, line: node.mark?.line)
    }

    /// The key/value pairs of a mapping in written order, with `<<` merge keys applied.
    func pairs(of mapping: Node.Mapping) throws(InventoryError) -> [(key: Node, value: Node)] {
        do {
            return try mergedPairs(of: mapping)
        } catch {
            throw located(error)
        }
    }

    /// The typed value of a node.
    func value(of node: Node) throws(InventoryError) -> InventoryValue {
        do {
            return try typedValue(of: node)
        } catch {
            throw located(error)
        }
    }

    private func located(_ problem: Problem) -> InventoryError {
        InventoryError(file: file, line: problem.line, code: .invalidStructure, message: problem.message)
    }

    /// A value that cannot be typed, and the line of the node it was found at (the line, not
    /// the node, because errors must be `Sendable` and Yams' nodes are not).
    struct Problem: Error {
        var message: String
        var line: Int?

        init(message: String, node: Node) {
            self.message = message
            self.line = node.mark?.line
        }
    }

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

    /// Merge keys are expanded the way PyYAML does: merged keys come first, earlier merged
    /// mappings win over later ones, and the mapping's own keys win over all merged ones.
    private func mergedPairs(of mapping: Node.Mapping, remember: Bool = false) throws(Problem) -> [(key: Node, value: Node)] {
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
                        throw Problem(message: "a '<<' merge list may contain only mappings, found \(Self.kind(of: item))", node: item)
                    }
                    sources.append(source)
                }
            default:
                throw Problem(message: "a '<<' merge key needs a mapping or a list of mappings, found \(Self.kind(of: value))", node: value)
            }
            for source in sources.reversed() {
                merged += try mergedPairs(of: source, remember: true)
            }
        }
        // Keep the first position of each key and the last value written for it, like a Python dict.
        var order: [String] = []
        var latest: [String: (key: Node, value: Node)] = [:]
        for pair in merged + own {
            let name = Self.text(of: pair.key)
            if latest[name] == nil { order.append(name) }
            latest[name] = pair
        }
        let pairs = order.compactMap { latest[$0] }
        // Only mappings that take part in merging are kept: they are the ones aliases repeat.
        if let position, remember || !merged.isEmpty { merges.pairs[position] = pairs }
        return pairs
    }

    /// A mapping key or scalar as text (the name of a group, host or variable).
    static func text(of node: Node) -> String {
        switch node {
        case let .scalar(scalar): scalar.string
        default: kind(of: node)
        }
    }

    /// "a mapping", "a list", "a string", ... for error messages.
    static func kind(of node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case let .scalar(scalar):
            switch (try? scalarValue(scalar)) ?? .null {
            case .string: return "a string"
            case .int: return "an integer"
            case .double: return "a number"
            case .bool: return "a boolean"
            case .null: return "nothing"
            case .list, .map: return "a collection"
            }
        }
    }

    /// Whether a node is null (an empty value, `~` or `null`).
    static func isNull(_ node: Node) -> Bool {
        guard case let .scalar(scalar) = node else { return false }
        return (try? scalarValue(scalar)) == .null
    }

    private func typedValue(of node: Node) throws(Problem) -> InventoryValue {
        switch node {
        case let .scalar(scalar):
            do {
                return try Self.scalarValue(scalar)
            } catch {
                throw Problem(message: error.message, node: node)
            }
        case let .sequence(sequence):
            var items: [InventoryValue] = []
            for item in sequence { items.append(try typedValue(of: item)) }
            return .list(items)
        case let .mapping(mapping):
            var entries: [String: InventoryValue] = [:]
            for (key, item) in try mergedPairs(of: mapping) { entries[Self.text(of: key)] = try typedValue(of: item) }
            return .map(entries)
        case .alias:
            return .null
        }
    }

    private struct BadScalar: Error {
        var message: String
    }

    private static func isMergeKey(_ node: Node) -> Bool {
        guard case let .scalar(scalar) = node, scalar.string == "<<" else { return false }
        return scalar.style == .plain || scalar.style == .any || scalar.tag.description == Tag.Name.merge.rawValue
    }

    private static func scalarValue(_ scalar: Node.Scalar) throws(BadScalar) -> InventoryValue {
        let text = scalar.string
        let tag = scalar.tag.description
        let plain = scalar.style == .plain || scalar.style == .any
        switch tag {
        case Tag.Name.implicit.rawValue:
            return plain ? resolvePlain(text) : .string(text)
        case Tag.Name.int.rawValue:
            guard case let .int(value) = resolvePlain(text) else { throw BadScalar(message: "'\(text)' is tagged !!int but is not an integer") }
            return .int(value)
        case Tag.Name.float.rawValue:
            switch resolvePlain(text) {
            case let .double(value): return .double(value)
            case let .int(value): return .double(Double(value))
            default: throw BadScalar(message: "'\(text)' is tagged !!float but is not a number")
            }
        case Tag.Name.bool.rawValue:
            guard case let .bool(value) = resolvePlain(text) else { throw BadScalar(message: "'\(text)' is tagged !!bool but is not a boolean") }
            return .bool(value)
        case Tag.Name.null.rawValue:
            return .null
        default:
            // !!str, the non-specific "!", Ansible's !unsafe, and !vault ciphertext (which molt cannot decrypt) are text.
            return .string(text)
        }
    }

    /// Types a plain scalar with YAML 1.1's implicit rules, as PyYAML (and so Ansible) does.
    static func resolvePlain(_ text: String) -> InventoryValue {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON": return .bool(true)
        case "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        if let value = yamlInteger(text) { return .int(value) }
        if let value = yamlFloat(text) { return .double(value) }
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

    /// YAML 1.1 integers: 0b1010, 0x1F, 017 (octal), 1_000, and 1:30 (base 60).
    private static func yamlInteger(_ text: String) -> Int? {
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
        } else if let first = body.first, ("1"..."9").contains(first), let sexagesimal = base60(body, fractional: false) {
            value = sexagesimal.integer
        } else {
            value = nil
        }
        return value.map { negative ? -$0 : $0 }
    }

    /// YAML 1.1 floats, which need a dot: 1.5, 1., .5, 1.0e+3, 190:20:30.15, with underscores.
    private static func yamlFloat(_ text: String) -> Double? {
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
            guard exponent.isEmpty, let first = mantissa.first, first.isASCIIDigit, let parts = base60(mantissa, fractional: true) else { return nil }
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

    private static func describe(_ error: YamlError, file: String) -> InventoryError {
        func located(_ mark: Mark?, _ problem: String, _ context: YamlError.Context?) -> InventoryError {
            var message = "YAML syntax error: \(problem)"
            if let context, !context.text.isEmpty {
                message += " (\(context.text) at line \(context.mark.line))"
            }
            return InventoryError(file: file, line: mark?.line, code: .syntax, message: message)
        }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            return located(mark, problem, context)
        case let .reader(problem, offset, _, yaml):
            let line = offset.map { offset in yaml.utf8.prefix(offset).reduce(1) { $0 + ($1 == 10 ? 1 : 0) } }
            return InventoryError(file: file, line: line, code: .syntax, message: "cannot read YAML: \(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return InventoryError(file: file, line: context.mark.line, code: .syntax, message: "key \(names) appears more than once in the same mapping")
        default:
            return InventoryError(file: file, code: .syntax, message: "cannot parse YAML: \(error)")
        }
    }
}
