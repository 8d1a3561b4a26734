/// Why a byte stream could not be read as a tar archive.
public struct TarError: Error, CustomStringConvertible, Sendable, Equatable {
    /// The byte offset in the archive of the header or record at fault.
    public var offset: Int
    /// The member being read, when its name is known.
    public var path: String?
    /// What is wrong.
    public var reason: String

    /// An error with its offset, member and reason.
    public init(offset: Int, path: String? = nil, reason: String) {
        self.offset = offset
        self.path = path
        self.reason = reason
    }

    /// The error as the operator reads it.
    public var description: String {
        let member = path.map { " (member '\($0)')" } ?? ""
        return "tar archive at byte \(offset)\(member): \(reason)"
    }
}
