import BoundedYAML
import Yams

/// A playbook's YAML, read by the one YAML reader (`YAMLTree`) that inventories use too, so
/// that both read YAML alike: `file:line:` errors, merge keys, scalars typed as Ansible's
/// PyYAML loader types them, except that `1:30` stays text (a playbook's values are durations
/// and sizes, never base-60 numbers). Its problems are `PlaybookError`s.
struct YAMLDocument {
    /// What one playbook may hold: a real one has a few dozen nodes and nests a few levels.
    static let bounds = YAMLBounds(nodes: 100_000, depth: 100)
    /// How scalars are typed: YAML 1.1 without base-60 numbers.
    static let typing = YAMLTree.Typing(sexagesimal: false)

    typealias Scalar = YAMLTree.Scalar

    private let tree: YAMLTree

    /// The root node; nil for an empty document.
    var root: Node? { tree.root }
    /// The file the text came from, for errors.
    var file: String { tree.file }

    /// Composes `text`, turning Yams' errors into `file:line:` errors.
    init(text: String, file: String) throws(PlaybookError) {
        do {
            tree = try YAMLTree(text: text, file: file, bounds: Self.bounds, typing: Self.typing)
        } catch {
            throw PlaybookError(file: error.file, line: error.line, message: error.message)
        }
    }

    /// An error located at `node`.
    func error(at node: Node, _ message: String) -> PlaybookError {
        PlaybookError(file: file, line: node.mark?.line, message: message)
    }

    /// The key/value pairs of a mapping in written order, with `<<` merge keys applied.
    func pairs(of mapping: Node.Mapping) throws(PlaybookError) -> [(key: Node, value: Node)] {
        do {
            return try tree.pairs(of: mapping)
        } catch {
            throw PlaybookError(file: error.file, line: error.line, message: error.message)
        }
    }

    /// The typed value of a scalar node; nil for a mapping or a list. A scalar whose tag
    /// contradicts its text (`!!int abc`) is its text, which the field that wanted a number
    /// then refuses by name.
    static func scalar(_ node: Node) -> Scalar? {
        guard case let .scalar(written) = node else { return nil }
        return (try? typing.scalar(node)) ?? .string(written.string)
    }

    /// A mapping key or scalar as written.
    static func text(of node: Node) -> String { typing.text(of: node) }

    /// Whether a node is null (an empty value, `~` or `null`).
    static func isNull(_ node: Node) -> Bool { typing.isNull(node) }

    /// What a node is, for error messages: "a mapping", "a list", "the string 'abc'", "the integer 3"...
    static func describe(_ node: Node) -> String { typing.describe(node) }

    /// Types a plain scalar with YAML 1.1's implicit rules; base-60 numbers stay text.
    static func resolvePlain(_ text: String) -> Scalar { typing.resolvePlain(text) }
}
