import SSH

/// An error as one line of a host's report: the host is already named beside it, so an SSH
/// error drops its `user@address` label.
enum ErrorText {
    static func oneLine(_ error: any Error) -> String {
        let text: String
        switch error {
        case let ssh as SSHError: text = ssh.message
        case is Interrupted: text = "interrupted"
        default: text = String(describing: error)
        }
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
