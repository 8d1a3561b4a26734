import BoundedYAML
import Yams

/// A playbook's YAML composed into Yams nodes, with what the reader needs: syntax errors as
/// `file:line:` errors, merge keys (`<<`) applied, scalars typed as Ansible's PyYAML loader
/// types them (YAML 1.1: `yes` is true, `010` is octal), and words for error messages.
///
/// Built the same way as the Inventory module's reader, so playbooks and inventories read
/// YAML alike; it is repeated here because a playbook must not depend on the inventory.
///
/// The text is checked against `bounds` before it is composed, so an alias bomb, absurd
/// nesting or a mapping used as a key is a `file:line:` error, never a hang or a crash.
struct YAMLDocument {
    /// What one playbook may hold: a real one has a few dozen nodes and nests a few levels.
    static let bounds = YAMLBounds(nodes: 100_000, depth: 100)

    /// The root node; nil for an empty document.
    let root: Node?
    /// The file the text came from, for errors.
    let file: String
    /// The merged pairs of each mapping that merges or is merged, once read.
    private let merges = MergedMappings()

    /// The merged pairs of mappings that merge or are merged, by where each starts in the text.
    ///
    /// An alias repeats its anchor's node, so a chain of mappings that each merge the one
    /// before (`<<: *previous`) would have every link merged again at every later link, in
    /// time cubic in the chain's length; remembered, each is merged once.
    private final class MergedMappings {
        struct Position: Hashable {
            var line: Int
            var column: Int
        }

        var pairs: [Position: [(key: Node, value: Node)]] = [:]
    }

    /// Composes `text`, turning Yams' errors into `file:line:` errors.
    init(text: String, file: String) throws(PlaybookError) {
        self.file = file
        do {
            try Self.bounds.check(text)
        } catch {
            throw PlaybookError(file: file, line: error.line, message: error.message)
        }
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw Self.describe(error, file: file)
        } catch {
            throw PlaybookError(file: file, message: "cannot parse YAML: \(error)")
        }
    }

    /// An error located at `node`.
    func error(at node: Node, _ message: String) -> PlaybookError {
        PlaybookError(file: file, line: node.mark?.line, message: message)
    }

    /// The key/value pairs of a mapping in written order, with `<<` merge keys applied: merged
    /// keys come first, earlier merged mappings win over later ones, and the mapping's own keys
    /// win over all merged ones, as in PyYAML.
    func pairs(of mapping: Node.Mapping, remember: Bool = false) throws(PlaybookError) -> [(key: Node, value: Node)] {
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
                        throw error(at: item, "a '<<' merge list may contain only mappings, found \(Self.describe(item))")
                    }
                    sources.append(source)
                }
            default:
                throw error(at: value, "a '<<' merge key needs a mapping or a list of mappings, found \(Self.describe(value))")
            }
            for source in sources.reversed() {
                merged += try pairs(of: source, remember: true)
            }
        }
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

    /// A typed scalar.
    enum Scalar: Equatable {
        case null
        case bool(Bool)
        case int(Int)
        case double(Double)
        case string(String)
    }

    /// The typed value of a scalar node; nil for a mapping or a list.
    static func scalar(_ node: Node) -> Scalar? {
        guard case let .scalar(scalar) = node else { return nil }
        let text = scalar.string
        let plain = scalar.style == .plain || scalar.style == .any
        switch scalar.tag.description {
        case Tag.Name.implicit.rawValue:
            return plain ? resolvePlain(text) : .string(text)
        case Tag.Name.null.rawValue:
            return .null
        case Tag.Name.bool.rawValue, Tag.Name.int.rawValue, Tag.Name.float.rawValue:
            return resolvePlain(text)
        default:
            return .string(text)
        }
    }

    /// A mapping key or scalar as written.
    static func text(of node: Node) -> String {
        if case let .scalar(scalar) = node { scalar.string } else { describe(node) }
    }

    /// Whether a node is null (an empty value, `~` or `null`).
    static func isNull(_ node: Node) -> Bool {
        scalar(node) == .null
    }

    /// What a node is, for error messages: "a mapping", "a list", "the string 'abc'", "the integer 3"...
    static func describe(_ node: Node) -> String {
        switch node {
        case .mapping: return "a mapping"
        case .sequence: return "a list"
        case .alias: return "an alias"
        case .scalar:
            let text = text(of: node)
            switch scalar(node) ?? .null {
            case .null: return "nothing"
            case .bool: return "the boolean '\(text)'"
            case .int: return "the integer \(text)"
            case .double: return "the number \(text)"
            case .string: return "the string '\(text)'"
            }
        }
    }

    /// Types a plain scalar with YAML 1.1's implicit rules, as PyYAML (and so Ansible) does;
    /// base-60 numbers (`1:30`) stay text.
    static func resolvePlain(_ text: String) -> Scalar {
        switch text {
        case "", "~", "null", "Null", "NULL": return .null
        case "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON": return .bool(true)
        case "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF": return .bool(false)
        case ".inf", ".Inf", ".INF", "+.inf", "+.Inf", "+.INF": return .double(.infinity)
        case "-.inf", "-.Inf", "-.INF": return .double(-.infinity)
        case ".nan", ".NaN", ".NAN": return .double(.nan)
        default: break
        }
        if let value = integer(text) { return .int(value) }
        if let value = float(text) { return .double(value) }
        return .string(text)
    }

    private static func isMergeKey(_ node: Node) -> Bool {
        guard case let .scalar(scalar) = node, scalar.string == "<<" else { return false }
        return scalar.style == .plain || scalar.style == .any || scalar.tag.description == Tag.Name.merge.rawValue
    }

    private static func digits(_ text: Substring, in allowed: String) -> Bool {
        !text.isEmpty && text.allSatisfy { allowed.contains($0) }
    }

    /// YAML 1.1 integers: 0b1010, 0x1F, 017 (octal), 1_000.
    private static func integer(_ text: String) -> Int? {
        let negative = text.hasPrefix("-")
        let body = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
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
        } else {
            value = nil
        }
        return value.map { negative ? -$0 : $0 }
    }

    /// YAML 1.1 floats, which need a dot: 1.5, 1., .5, 1.0e+3.
    private static func float(_ text: String) -> Double? {
        let body = text.hasPrefix("-") || text.hasPrefix("+") ? text.dropFirst() : Substring(text)
        var mantissa = body
        if let e = body.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            let exponent = body[body.index(after: e)...]
            guard let sign = exponent.first, sign == "+" || sign == "-", digits(exponent.dropFirst(), in: "0123456789") else { return nil }
            mantissa = body[..<e]
        }
        guard mantissa.filter({ $0 == "." }).count == 1, mantissa != ".", digits(mantissa, in: "0123456789._") else { return nil }
        if mantissa.first == "." && body.count != text.count { return nil }  // A signed ".5" is text in YAML 1.1.
        return Double(text.filter { $0 != "_" })
    }

    private static func describe(_ error: YamlError, file: String) -> PlaybookError {
        func located(_ mark: Mark?, _ problem: String, _ context: YamlError.Context?) -> PlaybookError {
            var message = "YAML syntax error: \(problem)"
            if let context, !context.text.isEmpty {
                message += " (\(context.text) at line \(context.mark.line))"
            }
            return PlaybookError(file: file, line: mark?.line, message: message)
        }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _), let .composer(context, problem, mark, _):
            return located(mark, problem, context)
        case let .reader(problem, offset, _, yaml):
            let line = offset.map { offset in yaml.utf8.prefix(offset).reduce(1) { $0 + ($1 == 10 ? 1 : 0) } }
            return PlaybookError(file: file, line: line, message: "cannot read YAML: \(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            let names = duplicates.map { "'\($0)'" }.joined(separator: ", ")
            return PlaybookError(file: file, line: context.mark.line, message: "key \(names) appears more than once in the same mapping")
        default:
            return PlaybookError(file: file, message: "cannot parse YAML: \(error)")
        }
    }
}
