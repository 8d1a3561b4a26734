/// A configuration OpenSSH would refuse, or one molt cannot read, located like a compiler
/// diagnostic: `path:line: message`.
///
/// OpenSSH stops on these (`terminating, 1 bad configuration options`), so molt stops too rather
/// than connect with a configuration the operator's own `ssh` would not use.
public struct SSHConfigError: Error, CustomStringConvertible, Sendable, Hashable {
    /// What kind of problem this is, for callers that react differently to each.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// A short stable name, e.g. `unknown-keyword`.
        public let name: String

        /// A file named by `-F` or `Include` cannot be read.
        public static let unreadable = Code(name: "unreadable")
        /// A keyword OpenSSH does not know, not covered by `IgnoreUnknown`.
        public static let unknownKeyword = Code(name: "unknown-keyword")
        /// A known keyword with a missing, malformed or out-of-range argument.
        public static let invalidValue = Code(name: "invalid-value")
        /// Unbalanced quotes, a missing argument, or extra arguments at the end of a line.
        public static let syntax = Code(name: "syntax")
        /// A `Match` line OpenSSH would refuse (an unknown criterion, `all` combined with others).
        public static let invalidMatch = Code(name: "invalid-match")
        /// Beyond molt's limits: a file or line too long, includes nested too deep or too many.
        public static let tooLarge = Code(name: "too-large")
        /// A `%` token or `${VAR}` that cannot be expanded.
        public static let invalidExpansion = Code(name: "invalid-expansion")
        /// An `ssh` command-line argument (from Ansible's connection variables) molt cannot read.
        public static let invalidArgument = Code(name: "invalid-argument")

        /// The short stable name.
        public var description: String { name }
    }

    /// Where the problem is: a file and line, or a command-line source such as
    /// `ansible_ssh_common_args`.
    public var location: ConfigLocation?
    /// The kind of problem.
    public var code: Code
    /// What is wrong, in the operator's words.
    public var message: String

    /// Creates an error at `location`.
    public init(location: ConfigLocation?, code: Code, message: String) {
        self.location = location
        self.code = code
        self.message = message
    }

    /// `path:line: message`, or `message` when there is no location.
    public var description: String {
        guard let location else { return message }
        return "\(location): \(message)"
    }
}
