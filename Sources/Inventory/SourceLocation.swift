/// Where something in an inventory was written: a file and, when known, a 1-based line.
///
/// Kept for every variable so that a bad value can be reported where it was set, not merely
/// for the host that ended up with it.
public struct SourceLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file, as reached from the path the inventory was loaded from.
    public var file: String
    /// The 1-based line, when the format gives one.
    public var line: Int?

    /// Creates a location.
    public init(file: String, line: Int? = nil) {
        self.file = file
        self.line = line
    }

    /// `file:line`, or `file` alone.
    public var description: String {
        if let line { "\(file):\(line)" } else { file }
    }
}
