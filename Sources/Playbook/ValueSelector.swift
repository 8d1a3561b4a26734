/// Where a metric's value is in a JSON reply: a small JSONPath subset, read when the playbook
/// is loaded.
///
/// `$` is the whole document; `.name` a member (letters, digits, `_` and `-`); `["any key"]`
/// or `['any key']` a member whose name has other characters (`\"`, `\'` and `\\` escape);
/// `[2]` an element of a list, `[-1]` the last one. Prometheus's instant query answers
/// `$.data.result[0].value[1]`. Wildcards, filters and slices are not supported: a gate needs
/// one value.
public struct ValueSelector: Sendable, Hashable, CustomStringConvertible {
    /// One step down into a JSON document.
    public enum Step: Sendable, Hashable {
        /// An object's member.
        case key(String)
        /// A list's element; negative counts from the end.
        case index(Int)
    }

    /// The steps from the document's root, in order; empty for `$` itself.
    public var steps: [Step]

    /// A selector of `steps`.
    public init(steps: [Step]) {
        self.steps = steps
    }

    /// Reads a selector such as `$.data.result[0].value[1]`.
    public init(parsing text: String) throws(ValueSelector.SyntaxError) {
        var parser = Parser(text: Array(text), source: text)
        steps = try parser.steps()
    }

    /// The selector written back, in the shortest form: `$.data.result[0]`, `$["a.b"]`.
    public var description: String {
        var text = "$"
        for step in steps {
            switch step {
            case .key(let name) where Self.isPlainName(name):
                text += ".\(name)"
            case .key(let name):
                var escaped = ""
                for character in name {
                    if character == "\\" || character == "\"" { escaped.append("\\") }
                    escaped.append(character)
                }
                text += "[\"\(escaped)\"]"
            case .index(let index):
                text += "[\(index)]"
            }
        }
        return text
    }

    /// Why a selector cannot be read, and where in it.
    public struct SyntaxError: Error, Sendable, Hashable, CustomStringConvertible {
        /// What is wrong.
        public var message: String
        /// The 1-based position of the offending character in the selector.
        public var position: Int

        public var description: String { message }
    }

    // MARK: - Private

    private static func isNameCharacter(_ character: Character) -> Bool {
        character.isASCII && (character.isLetter || character.isNumber || character == "_" || character == "-")
    }

    private static func isPlainName(_ name: String) -> Bool {
        !name.isEmpty && name.allSatisfy(isNameCharacter)
    }

    private struct Parser {
        let text: [Character]
        let source: String
        var offset = 0

        /// The most steps a selector may have; a JSON reply nests a few levels.
        static let mostSteps = 64

        mutating func steps() throws(SyntaxError) -> [Step] {
            guard text.first == "$" else {
                throw fail("a value selector starts with $, the whole reply, such as $.data.result[0].value[1]", at: 0)
            }
            offset = 1
            var steps: [Step] = []
            while offset < text.count {
                guard steps.count < Self.mostSteps else { throw fail("more than \(Self.mostSteps) steps", at: offset) }
                switch text[offset] {
                case ".":
                    offset += 1
                    let start = offset
                    while offset < text.count, ValueSelector.isNameCharacter(text[offset]) { offset += 1 }
                    guard offset > start else {
                        if offset < text.count, text[offset] == "." || text[offset] == "*" {
                            throw fail("'\(text[offset] == "*" ? ".*" : "..")' (wildcards and recursive descent) is not supported: name one member", at: offset)
                        }
                        throw fail("a member name must follow '.' (for other characters write [\"name\"])", at: offset)
                    }
                    steps.append(.key(String(text[start..<offset])))
                case "[":
                    offset += 1
                    steps.append(try bracket())
                default:
                    throw fail("unexpected '\(text[offset])': write .name, [\"name\"] or [index] after \(selectorSoFar)", at: offset)
                }
            }
            return steps
        }

        /// After `[`: `"key"`, `'key'`, or an integer, then `]`.
        private mutating func bracket() throws(SyntaxError) -> Step {
            guard offset < text.count else { throw fail("'[' is not closed", at: offset - 1) }
            let step: Step
            if text[offset] == "\"" || text[offset] == "'" {
                let quote = text[offset]
                let opening = offset
                offset += 1
                var name = ""
                while true {
                    guard offset < text.count else { throw fail("the quoted name is not closed with \(quote)", at: opening) }
                    let character = text[offset]
                    offset += 1
                    if character == quote { break }
                    if character == "\\" {
                        guard offset < text.count, ["\\", "\"", "'"].contains(text[offset]) else {
                            throw fail("only \\\\, \\\" and \\' escapes are allowed in a quoted name", at: offset - 1)
                        }
                        name.append(text[offset])
                        offset += 1
                    } else {
                        name.append(character)
                    }
                }
                step = .key(name)
            } else {
                let start = offset
                if text[offset] == "-" { offset += 1 }
                while offset < text.count, text[offset].isASCII, text[offset].isNumber { offset += 1 }
                let digits = String(text[start..<offset])
                guard let index = Int(digits), digits != "-" else {
                    if offset < text.count, text[offset] == "*" || text[offset] == ":" || text[offset] == "?" {
                        throw fail("'[\(text[offset])' (wildcards, slices and filters) is not supported: give one index", at: offset)
                    }
                    throw fail("'[' must hold a list index such as [0] or a quoted name such as [\"name\"]", at: start)
                }
                step = .index(index)
            }
            guard offset < text.count, text[offset] == "]" else { throw fail("']' expected", at: offset) }
            offset += 1
            return step
        }

        private var selectorSoFar: String { "'\(String(text[..<offset]))'" }

        private func fail(_ problem: String, at position: Int) -> SyntaxError {
            SyntaxError(message: "'\(source)' is not a value selector: \(problem) (at character \(position + 1))", position: position + 1)
        }
    }
}
