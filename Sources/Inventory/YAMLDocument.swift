import BoundedYAML
import Yams

/// An inventory or variables file's YAML, read by the one YAML reader (`YAMLTree`) with
/// PyYAML's typing, base-60 numbers included, as Ansible reads inventories; its problems are
/// `InventoryError`s.
struct YAMLDocument {
    /// What one inventory or variables file may hold: a million nodes is ten times a
    /// 100,000-host inventory written out host by host, and no inventory nests 100 deep.
    static let bounds = YAMLBounds(nodes: 1_000_000, depth: 100)
    /// How scalars are typed: as Ansible's PyYAML loader types them.
    static let typing = YAMLTree.Typing.pyYAML

    private let tree: YAMLTree

    /// The root node; nil for an empty document.
    var root: Node? { tree.root }
    /// The file the text came from, for errors.
    var file: String { tree.file }

    /// Composes `text`, turning Yams' errors into `file:line:` errors.
    init(text: String, file: String) throws(InventoryError) {
        do {
            tree = try YAMLTree(text: text, file: file, bounds: Self.bounds, typing: Self.typing)
        } catch {
            throw Self.error(error)
        }
    }

    /// Whether `text` composes to a mapping, used to tell YAML from INI in files without an extension.
    static func looksLikeMapping(_ text: String) -> Bool {
        YAMLTree.looksLikeMapping(text, bounds: bounds)
    }

    func location(of node: Node) -> SourceLocation {
        SourceLocation(file: file, line: node.mark?.line)
    }

    /// The key/value pairs of a mapping in written order, with `<<` merge keys applied.
    func pairs(of mapping: Node.Mapping) throws(InventoryError) -> [(key: Node, value: Node)] {
        do {
            return try tree.pairs(of: mapping)
        } catch {
            throw Self.error(error)
        }
    }

    /// The typed value of a node.
    func value(of node: Node) throws(InventoryError) -> InventoryValue {
        do {
            return try typedValue(of: node)
        } catch {
            throw Self.error(error)
        }
    }

    private func typedValue(of node: Node) throws(YAMLTree.Problem) -> InventoryValue {
        switch node {
        case .scalar:
            switch try tree.scalar(node) ?? .null {
            case .null: return .null
            case let .bool(value): return .bool(value)
            case let .int(value): return .int(value)
            case let .double(value): return .double(value)
            case let .string(value): return .string(value)
            }
        case let .sequence(sequence):
            var items: [InventoryValue] = []
            for item in sequence { items.append(try typedValue(of: item)) }
            return .list(items)
        case let .mapping(mapping):
            var entries: [String: InventoryValue] = [:]
            for (key, item) in try tree.pairs(of: mapping) { entries[tree.text(of: key)] = try typedValue(of: item) }
            return .map(entries)
        case .alias:
            return .null
        }
    }

    /// A mapping key or scalar as text (the name of a group, host or variable).
    static func text(of node: Node) -> String { typing.text(of: node) }

    /// "a mapping", "a list", "a string", ... for error messages.
    static func kind(of node: Node) -> String { typing.kind(of: node) }

    /// Whether a node is null (an empty value, `~` or `null`).
    static func isNull(_ node: Node) -> Bool { typing.isNull(node) }

    private static func error(_ problem: YAMLTree.Problem) -> InventoryError {
        let code: InventoryError.Code = switch problem.kind {
        case .syntax: .syntax
        case .tooLarge: .tooLarge
        case .structure: .invalidStructure
        }
        return InventoryError(file: problem.file, line: problem.line, code: code, message: problem.message)
    }
}
