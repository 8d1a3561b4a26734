/// Evaluates a value from an INI inventory the way Ansible does, with Python's
/// `ast.literal_eval`: numbers, quoted strings, `True`/`False`/`None`, lists, tuples, dicts and
/// sets become typed values; anything else (`bar`, `true`, `0755`, `10-5`) stays the original text.
///
/// Only the literal subset is understood. Complex numbers, f-strings and `\N{...}` escapes count
/// as "not a literal", which leaves the text as a string, as Ansible would for most of them.
enum PythonLiteral {
    /// The typed value of `text`, or nil when `text` is not a Python literal.
    static func evaluate(_ text: String) -> InventoryValue? {
        var parser = Parser(Array(text.unicodeScalars))
        return parser.parseInput()
    }

    private struct NotALiteral: Error {}

    private struct Parser {
        /// How deeply brackets may nest; deeper text stays a string, as Python's parser gives up
        /// on it too (at 200), and recursion must not run out of stack.
        static let maxDepth = 100

        let scalars: [Unicode.Scalar]
        var index = 0
        var depth = 0

        init(_ scalars: [Unicode.Scalar]) {
            self.scalars = scalars
        }

        var current: Unicode.Scalar? { index < scalars.count ? scalars[index] : nil }

        func peek(_ offset: Int) -> Unicode.Scalar? {
            index + offset < scalars.count ? scalars[index + offset] : nil
        }

        mutating func parseInput() -> InventoryValue? {
            do {
                skipSpace(newlines: false)
                let value = try parseSequence(closing: nil)
                skipSpace(newlines: false)
                if current == "#" { index = scalars.count }
                return current == nil ? value : nil
            } catch {
                return nil
            }
        }

        /// Skips blanks (and, inside brackets, newlines and comments).
        mutating func skipSpace(newlines: Bool) {
            while let scalar = current {
                if scalar == " " || scalar == "\t" || scalar == "\u{0C}" {
                    index += 1
                } else if newlines && (scalar == "\n" || scalar == "\r") {
                    index += 1
                } else if newlines && scalar == "#" {
                    while let next = current, next != "\n" { index += 1 }
                } else {
                    return
                }
            }
        }

        /// `a` or `a, b, ...` (a tuple) at the top level or inside parentheses.
        mutating func parseSequence(closing: Unicode.Scalar?) throws(NotALiteral) -> InventoryValue {
            let inside = closing != nil
            let first = try parseExpression(inside: inside)
            skipSpace(newlines: inside)
            guard current == "," else { return first }
            var items = [first]
            while current == "," {
                index += 1
                skipSpace(newlines: inside)
                if current == nil || current == closing || (!inside && current == "#") { break }
                items.append(try parseExpression(inside: inside))
                skipSpace(newlines: inside)
            }
            return .list(items)
        }

        mutating func parseExpression(inside: Bool) throws(NotALiteral) -> InventoryValue {
            depth += 1
            defer { depth -= 1 }
            guard depth <= Self.maxDepth else { throw NotALiteral() }
            skipSpace(newlines: inside)
            guard let scalar = current else { throw NotALiteral() }
            switch scalar {
            case "+", "-":
                index += 1
                skipSpace(newlines: inside)
                guard let next = current, next.isDigit || (next == "." && peek(1)?.isDigit == true) else {
                    throw NotALiteral()
                }
                let number = try parseNumber()
                guard scalar == "-" else { return number }
                switch number {
                case let .int(value): return .int(-value)
                case let .double(value): return .double(-value)
                default: throw NotALiteral()
                }
            case "[":
                index += 1
                return .list(try parseItems(closing: "]"))
            case "(":
                index += 1
                skipSpace(newlines: true)
                if current == ")" {
                    index += 1
                    return .list([])
                }
                let value = try parseSequence(closing: ")")
                skipSpace(newlines: true)
                guard current == ")" else { throw NotALiteral() }
                index += 1
                return value
            case "{":
                index += 1
                return try parseBraces()
            case "'", "\"":
                return try parseStrings()
            case "." where peek(1) == "." && peek(2) == ".":
                index += 3
                return .string("...")
            default:
                if scalar.isDigit || (scalar == "." && peek(1)?.isDigit == true) {
                    return try parseNumber()
                }
                if scalar.isIdentifierStart {
                    return try parseWordOrPrefixedString()
                }
                throw NotALiteral()
            }
        }

        mutating func parseItems(closing: Unicode.Scalar) throws(NotALiteral) -> [InventoryValue] {
            var items: [InventoryValue] = []
            skipSpace(newlines: true)
            while current != closing {
                items.append(try parseExpression(inside: true))
                skipSpace(newlines: true)
                if current == "," {
                    index += 1
                    skipSpace(newlines: true)
                } else if current != closing {
                    throw NotALiteral()
                }
            }
            index += 1
            return items
        }

        mutating func parseBraces() throws(NotALiteral) -> InventoryValue {
            skipSpace(newlines: true)
            if current == "}" {
                index += 1
                return .map([:])
            }
            let first = try parseExpression(inside: true)
            skipSpace(newlines: true)
            guard current == ":" else {
                // A set: Ansible gets a list back.
                var items = [first]
                while current == "," {
                    index += 1
                    skipSpace(newlines: true)
                    if current == "}" { break }
                    items.append(try parseExpression(inside: true))
                    skipSpace(newlines: true)
                }
                guard current == "}" else { throw NotALiteral() }
                index += 1
                return .list(items)
            }
            var entries: [String: InventoryValue] = [:]
            var key = first
            while true {
                guard current == ":" else { throw NotALiteral() }
                index += 1
                let value = try parseExpression(inside: true)
                switch key {
                case .list, .map: throw NotALiteral()
                default: entries[key.description] = value
                }
                skipSpace(newlines: true)
                if current == "}" { break }
                guard current == "," else { throw NotALiteral() }
                index += 1
                skipSpace(newlines: true)
                if current == "}" { break }
                key = try parseExpression(inside: true)
                skipSpace(newlines: true)
            }
            index += 1
            return .map(entries)
        }

        /// `True`, `False`, `None`, or a string with a prefix such as `r'...'` or `b"..."`.
        mutating func parseWordOrPrefixedString() throws(NotALiteral) -> InventoryValue {
            let start = index
            while let scalar = current, scalar.isIdentifierContinue { index += 1 }
            let word = String(String.UnicodeScalarView(scalars[start..<index]))
            if current == "'" || current == "\"" {
                index = start
                return try parseStrings()
            }
            switch word {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .null
            default: throw NotALiteral()
            }
        }

        /// One or more adjacent string literals, concatenated as Python does.
        mutating func parseStrings() throws(NotALiteral) -> InventoryValue {
            var text = ""
            var sawBytes: Bool?
            while true {
                let save = index
                skipSpace(newlines: false)
                guard let piece = try parseOneString() else {
                    index = save
                    break
                }
                if let sawBytes, sawBytes != piece.isBytes { throw NotALiteral() }
                sawBytes = piece.isBytes
                text += piece.text
            }
            guard sawBytes != nil else { throw NotALiteral() }
            return .string(text)
        }

        mutating func parseOneString() throws(NotALiteral) -> (text: String, isBytes: Bool)? {
            var raw = false
            var bytes = false
            let start = index
            while let scalar = current, scalar.isIdentifierContinue {
                switch scalar {
                case "r", "R": raw = true
                case "b", "B": bytes = true
                case "u", "U": break
                case "f", "F": throw NotALiteral()
                default:
                    index = start
                    return nil
                }
                index += 1
            }
            guard let quote = current, quote == "'" || quote == "\"", index - start <= 2 else {
                index = start
                return nil
            }
            let triple = peek(1) == quote && peek(2) == quote
            index += triple ? 3 : 1
            var bytesOut: [UInt8] = []
            var out = String.UnicodeScalarView()
            func append(_ scalar: Unicode.Scalar) {
                if bytes { bytesOut.append(UInt8(truncatingIfNeeded: scalar.value)) } else { out.append(scalar) }
            }
            while true {
                guard let scalar = current else { throw NotALiteral() }
                if scalar == quote && (!triple || (peek(1) == quote && peek(2) == quote)) {
                    index += triple ? 3 : 1
                    break
                }
                if !triple && (scalar == "\n" || scalar == "\r") { throw NotALiteral() }
                if bytes && !scalar.isASCII { throw NotALiteral() }
                index += 1
                guard scalar == "\\" else {
                    append(scalar)
                    continue
                }
                guard let escaped = current else { throw NotALiteral() }
                index += 1
                if raw {
                    append("\\")
                    append(escaped)
                    continue
                }
                switch escaped {
                case "\n": break
                case "\\", "'", "\"": append(escaped)
                case "a": append("\u{07}")
                case "b": append("\u{08}")
                case "f": append("\u{0C}")
                case "n": append("\n")
                case "r": append("\r")
                case "t": append("\t")
                case "v": append("\u{0B}")
                case "0"..."7":
                    var value = escaped.value - 48
                    var digits = 1
                    while digits < 3, let next = current, ("0"..."7").contains(next) {
                        value = value * 8 + next.value - 48
                        index += 1
                        digits += 1
                    }
                    guard let produced = Unicode.Scalar(value) else { throw NotALiteral() }
                    append(produced)
                case "x":
                    append(try hexEscape(digits: 2))
                case "u" where !bytes:
                    append(try hexEscape(digits: 4))
                case "U" where !bytes:
                    append(try hexEscape(digits: 8))
                case "N" where !bytes:
                    throw NotALiteral()
                default:
                    append("\\")
                    append(escaped)
                }
            }
            if bytes { return (String(decoding: bytesOut, as: UTF8.self), true) }
            return (String(out), false)
        }

        mutating func hexEscape(digits: Int) throws(NotALiteral) -> Unicode.Scalar {
            guard index + digits <= scalars.count else { throw NotALiteral() }
            let text = String(String.UnicodeScalarView(scalars[index..<index + digits]))
            guard text.unicodeScalars.allSatisfy({ $0.isHexDigit }), let value = UInt32(text, radix: 16),
                let scalar = Unicode.Scalar(value)
            else { throw NotALiteral() }
            index += digits
            return scalar
        }

        /// An int or float token in Python's syntax (underscores between digits, `0x`/`0o`/`0b`).
        mutating func parseNumber() throws(NotALiteral) -> InventoryValue {
            let start = index
            while let scalar = current, scalar.isIdentifierContinue || scalar == "." {
                index += 1
                if (scalar == "e" || scalar == "E"), current == "+" || current == "-",
                    !String(String.UnicodeScalarView(scalars[start..<index])).lowercased().hasPrefix("0x")
                {
                    index += 1
                }
            }
            let token = String(String.UnicodeScalarView(scalars[start..<index]))
            guard let value = Self.number(token) else { throw NotALiteral() }
            return value
        }

        static func number(_ token: String) -> InventoryValue? {
            let lower = token.lowercased()
            for (prefix, radix, digits) in [("0x", 16, "0123456789abcdef"), ("0o", 8, "01234567"), ("0b", 2, "01")] {
                guard lower.hasPrefix(prefix) else { continue }
                let body = lower.dropFirst(2)
                guard let cleaned = underscoresRemoved(body, allowed: digits, leadingUnderscore: true),
                    let value = Int(cleaned, radix: radix)
                else { return nil }
                return .int(value)
            }
            if lower.hasSuffix("j") { return nil }
            let isFloat = lower.contains(".") || lower.contains("e")
            if !isFloat {
                guard let digits = underscoresRemoved(Substring(lower), allowed: "0123456789", leadingUnderscore: false) else {
                    return nil
                }
                // Python forbids leading zeros in a non-zero decimal: 0755 is a syntax error, so it stays a string.
                if digits.count > 1 && digits.hasPrefix("0") && digits.contains(where: { $0 != "0" }) { return nil }
                return Int(digits).map(InventoryValue.int)
            }
            let mantissaEnd = lower.firstIndex(of: "e") ?? lower.endIndex
            let mantissa = lower[..<mantissaEnd]
            var exponent = mantissaEnd < lower.endIndex ? lower[lower.index(after: mantissaEnd)...] : ""
            let parts = mantissa.split(separator: ".", omittingEmptySubsequences: false)
            guard parts.count <= 2, parts.contains(where: { !$0.isEmpty }) else { return nil }
            var cleaned: [String] = []
            for part in parts {
                if part.isEmpty {
                    cleaned.append("0")
                } else if let digits = underscoresRemoved(part, allowed: "0123456789", leadingUnderscore: false) {
                    cleaned.append(digits)
                } else {
                    return nil
                }
            }
            var text = cleaned.joined(separator: ".")
            if mantissaEnd < lower.endIndex {
                var sign = ""
                if let first = exponent.first, first == "+" || first == "-" {
                    sign = String(first)
                    exponent = exponent.dropFirst()
                }
                guard let digits = underscoresRemoved(exponent, allowed: "0123456789", leadingUnderscore: false) else {
                    return nil
                }
                text += "e" + sign + digits
            }
            return Double(text).map(InventoryValue.double)
        }

        /// `digits` with single underscores between digits removed, or nil if malformed.
        static func underscoresRemoved(_ text: Substring, allowed: String, leadingUnderscore: Bool) -> String? {
            guard !text.isEmpty, text.last != "_" else { return nil }
            var result = ""
            var previousUnderscore = !leadingUnderscore
            for character in text {
                if character == "_" {
                    if previousUnderscore { return nil }
                    previousUnderscore = true
                } else {
                    guard allowed.contains(character) else { return nil }
                    result.append(character)
                    previousUnderscore = false
                }
            }
            return result.isEmpty ? nil : result
        }
    }
}

extension Unicode.Scalar {
    fileprivate var isDigit: Bool { ("0"..."9").contains(self) }
    fileprivate var isHexDigit: Bool { isDigit || ("a"..."f").contains(self) || ("A"..."F").contains(self) }
    fileprivate var isIdentifierStart: Bool { properties.isXIDStart || self == "_" }
    fileprivate var isIdentifierContinue: Bool { properties.isXIDContinue }
}
