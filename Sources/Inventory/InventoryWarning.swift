/// Something in an inventory that Ansible would accept with a warning, and so does molt:
/// an unknown key in a YAML group, a `group_vars/` file that matches no group, a vault-encrypted
/// file molt cannot read. The CLI shows these; they never stop a command.
public struct InventoryWarning: Sendable, Hashable, CustomStringConvertible {
    /// Where the warning applies.
    public var location: SourceLocation
    /// What was skipped and why.
    public var message: String

    /// Creates a warning.
    public init(location: SourceLocation, message: String) {
        self.location = location
        self.message = message
    }

    /// `path:line: warning: message`
    public var description: String { "\(location): warning: \(message)" }
}
