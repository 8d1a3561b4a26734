/// A problem with a playbook, located like a compiler diagnostic.
///
/// `description` reads `path:line: message` so an editor or terminal can jump to it. Every
/// problem in a playbook is found when it is loaded, before any host is touched.
public struct PlaybookError: Error, CustomStringConvertible, Sendable, Hashable {
    /// The playbook file, as given (or the `source` name given to `Playbook.parse`).
    public var file: String
    /// The 1-based line of the offending key or value, when there is one.
    public var line: Int?
    /// What is wrong and, where it helps, what to write instead.
    public var message: String

    /// Creates an error located at `file:line`.
    public init(file: String, line: Int? = nil, message: String) {
        self.file = file
        self.line = line
        self.message = message
    }

    /// `path:line: message`, or `path: message` without a line.
    public var description: String {
        if let line { "\(file):\(line): \(message)" } else { "\(file): \(message)" }
    }
}
