/// A variable's value, typed the way Ansible would have typed it.
///
/// YAML values keep their YAML 1.1 types (`yes` is a boolean, `0755` an octal integer), INI
/// values are Python literals or plain strings. Nothing is templated: `"{{ x }}"` stays a string.
public enum InventoryValue: Sendable, Hashable {
    /// Text, including anything that only looks like a template.
    case string(String)
    /// An integer (YAML 1.1 bases and `_` separators already applied).
    case int(Int)
    /// A floating-point number, including `.inf` and `.nan`.
    case double(Double)
    /// A boolean (`true`, `yes`, `on`... in YAML; `True`/`False` in INI).
    case bool(Bool)
    /// A YAML sequence, or a Python list, tuple or set.
    case list([InventoryValue])
    /// A YAML mapping or a Python dict, keyed by the keys' text.
    case map([String: InventoryValue])
    /// No value: an empty YAML value, `~`, `null`, or Python's `None`.
    case null

    /// The text of a string, or the rendering of a number or boolean; nil for null, lists and maps.
    ///
    /// Connection settings use this so that `ansible_host: 10` or `ansible_user=1000` still work.
    public var stringValue: String? {
        switch self {
        case let .string(value): value
        case .int, .double, .bool: description
        case .list, .map, .null: nil
        }
    }

    /// An integer, or a string that is one in decimal (Ansible converts ports with `int()`).
    public var intValue: Int? {
        switch self {
        case let .int(value): value
        case let .string(text): Int(text.trimmingWhitespace())
        case let .double(value) where value.rounded() == value && abs(value) < 1e18: Int(value)
        default: nil
        }
    }

    /// A boolean as Ansible's `boolean()` filter reads it: `true`, `yes`, `on`, `1`, `y`, `t` and
    /// their opposites, in any case; nil for anything else.
    public var boolValue: Bool? {
        switch self {
        case let .bool(value): return value
        case let .int(value) where value == 0 || value == 1: return value == 1
        case let .double(value) where value == 0 || value == 1: return value == 1
        case let .string(text):
            switch text.trimmingWhitespace().lowercased() {
            case "y", "yes", "on", "1", "true", "t", "1.0": return true
            case "n", "no", "off", "0", "false", "f", "0.0": return false
            default: return nil
            }
        default: return nil
        }
    }

    /// Whether this is `.null`.
    public var isNull: Bool {
        if case .null = self { true } else { false }
    }
}

extension InventoryValue: CustomStringConvertible {
    /// Strings as they are; numbers and booleans as YAML writes them; lists and maps as JSON-like
    /// flow text with keys sorted, so the rendering is stable.
    public var description: String {
        switch self {
        case let .string(value): value
        case let .int(value): String(value)
        case let .double(value): Self.render(value)
        case let .bool(value): value ? "true" : "false"
        case .null: "null"
        case .list, .map: nested
        }
    }

    private var nested: String {
        switch self {
        case let .string(value): "\"" + value.flatMap { $0 == "\"" || $0 == "\\" ? ["\\", $0] : [$0] } + "\""
        case let .list(items): "[" + items.map(\.nested).joined(separator: ", ") + "]"
        case let .map(entries):
            "{" + entries.keys.sorted().map { "\(InventoryValue.string($0).nested): \(entries[$0]!.nested)" }.joined(separator: ", ") + "}"
        default: description
        }
    }

    private static func render(_ value: Double) -> String {
        if value.isNaN { return ".nan" }
        if value.isInfinite { return value < 0 ? "-.inf" : ".inf" }
        return String(value)
    }
}

extension InventoryValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByFloatLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .int(value) }
    public init(floatLiteral value: Double) { self = .double(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: InventoryValue...) { self = .list(elements) }
    public init(dictionaryLiteral elements: (String, InventoryValue)...) {
        self = .map(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(nilLiteral: ()) { self = .null }
}

extension StringProtocol {
    /// The text without leading and trailing whitespace (Python's `str.strip()`).
    func trimmingWhitespace() -> String {
        var scalars = Substring(self).unicodeScalars
        while let first = scalars.first, first.properties.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.properties.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
