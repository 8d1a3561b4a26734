/// Why a package database could not be read: which file, which line, and what is wrong there.
public struct PackageDatabaseError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The database file, as named in messages (`dpkg status`, `status.d/libssl3`, `apk installed`).
    public var file: String
    /// The 1-based line at fault, when the fault has a line.
    public var line: Int?
    /// What is wrong.
    public var reason: String

    /// An error with its file, line and reason.
    public init(file: String, line: Int?, reason: String) {
        self.file = file
        self.line = line
        self.reason = reason
    }

    /// The error as the operator reads it.
    public var description: String {
        if let line { "\(file) line \(line): \(reason)" } else { "\(file): \(reason)" }
    }
}
