/// A problem with an inventory or a host pattern, located like a compiler diagnostic.
///
/// `description` reads `path:line: message` so an editor or terminal can jump to it; errors
/// about a host pattern have no file and read `message` alone (the message names the pattern).
public struct InventoryError: Error, CustomStringConvertible, Sendable, Hashable {
    /// What kind of problem this is, for callers that react differently to each.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// A short stable name, e.g. `syntax`.
        public let name: String

        /// A file or directory is missing or cannot be read.
        public static let unreadable = Code(name: "unreadable")
        /// The text is not valid YAML or INI.
        public static let syntax = Code(name: "syntax")
        /// Valid syntax, but the wrong shape or type (a list where a mapping belongs, an unknown section type).
        public static let invalidStructure = Code(name: "invalid-structure")
        /// A host range such as `web[1:]` cannot be expanded.
        public static let invalidRange = Code(name: "invalid-range")
        /// A group would become its own ancestor.
        public static let cycle = Code(name: "cycle")
        /// An INI section refers to a group that is never declared.
        public static let undefinedGroup = Code(name: "undefined-group")
        /// A variable molt reads has a value it cannot use (e.g. `ansible_port: abc`).
        public static let invalidVariable = Code(name: "invalid-variable")
        /// An inventory source molt does not read (scripts, plugin configurations, TOML).
        public static let unsupportedSource = Code(name: "unsupported-source")
        /// The input is beyond what molt reads: an alias bomb, nesting too deep, a file, host
        /// range or inventory larger than its limit.
        public static let tooLarge = Code(name: "too-large")
        /// A host pattern is malformed (empty, a lone `!` or `&`, a bad regular expression or subscript).
        public static let invalidPattern = Code(name: "invalid-pattern")

        /// The short stable name.
        public var description: String { name }
    }

    /// The file the problem is in, as it was reached from the loaded path; nil for host patterns.
    public var file: String?
    /// The 1-based line in `file`, when the problem has one.
    public var line: Int?
    /// The kind of problem.
    public var code: Code
    /// What is wrong, in the operator's words.
    public var message: String

    /// Creates an error located at `file:line`.
    public init(file: String?, line: Int? = nil, code: Code, message: String) {
        self.file = file
        self.line = line
        self.code = code
        self.message = message
    }

    /// `path:line: message`, `path: message` without a line, or `message` without a file.
    public var description: String {
        switch (file, line) {
        case let (file?, line?): "\(file):\(line): \(message)"
        case let (file?, nil): "\(file): \(message)"
        case (nil, _): message
        }
    }
}

extension InventoryError {
    init(at origin: SourceLocation, code: Code, message: String) {
        self.init(file: origin.file, line: origin.line, code: code, message: message)
    }
}
