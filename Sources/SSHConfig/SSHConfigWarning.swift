/// Something in the configuration molt reads but does not honour, or honours differently from
/// OpenSSH: it never stops a connection, but it is never dropped in silence either.
public struct SSHConfigWarning: Sendable, Hashable, CustomStringConvertible {
    /// The host being resolved (the name molt was asked to reach).
    public var host: String
    /// The option or flag concerned, as the operator wrote it (`ControlMaster`, `-A`).
    public var option: String
    /// Where it was set; nil when the warning has no single origin.
    public var location: ConfigLocation?
    /// What molt does instead, in the operator's words.
    public var message: String

    /// Creates a warning.
    public init(host: String, option: String, location: ConfigLocation?, message: String) {
        self.host = host
        self.option = option
        self.location = location
        self.message = message
    }

    /// `file:line: warning: host 'web1': message`
    public var description: String {
        let prefix = location.map { "\($0): " } ?? ""
        return "\(prefix)warning: host '\(host)': \(message)"
    }
}
