/// Where a setting came from: a line of an ssh_config file, or an `ssh` command-line argument.
public struct ConfigLocation: Sendable, Hashable, CustomStringConvertible {
    /// The file as it was reached (the `-F` path, or an `Include` expanded to a path), or a
    /// description of a command-line source such as `ansible_ssh_common_args`.
    public var file: String
    /// The 1-based line in `file`; nil for a command-line argument.
    public var line: Int?

    /// Creates a location.
    public init(file: String, line: Int?) {
        self.file = file
        self.line = line
    }

    /// `file:line`, or `file` alone for a command-line argument.
    public var description: String {
        line.map { "\(file):\($0)" } ?? file
    }
}
