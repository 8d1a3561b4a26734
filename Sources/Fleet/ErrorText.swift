import SSH

/// The one way molt puts an error on one line of a report.
public enum ErrorText {
    /// `error`'s text on one line. A ``HostFailure`` gives its message; an SSH error keeps its
    /// `user@address` label unless the text stands `besideHost`, where the host is named already.
    public static func oneLine(_ error: any Error, besideHost: Bool = false) -> String {
        let text: String
        switch error {
        case let failure as HostFailure: text = failure.message
        case let ssh as SSHError where besideHost: text = ssh.message
        default: text = String(describing: error)
        }
        return text.split(whereSeparator: \.isNewline).joined(separator: " ")
    }
}
