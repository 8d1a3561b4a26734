import CLibSSH2
import Foundation

/// Process-wide libssh2 set-up and the translation of its error codes.
enum LibSSH2 {
    /// Channel window and packet sizes; the C macros for them do not import into Swift.
    static let windowSize: UInt32 = 2 * 1024 * 1024
    static let packetSize: UInt32 = 32_768

    private static let initialized: Int32 = libssh2_init(0)

    /// `libssh2_init` touches global state and is not thread safe: run it once, before any
    /// session, rather than letting the first `session_init` do it implicitly.
    static func initializeOnce() {
        precondition(initialized == 0, "libssh2_init failed")
        ignoreBrokenPipes
    }

    /// libssh2 sends on a session's socket with MSG_NOSIGNAL, but writes to the ssh-agent's
    /// socket without it: an agent that goes away mid-authentication would kill the whole
    /// process with SIGPIPE, silently and mid-rollout. A write to a vanished peer must be an
    /// error on that host instead, so SIGPIPE is ignored once, unless someone handles it.
    private static let ignoreBrokenPipes: Void = {
        var current = sigaction()
        if sigaction(SIGPIPE, nil, &current) == 0, current.__sigaction_handler.sa_handler == nil {
            signal(SIGPIPE, SIG_IGN)
        }
    }()

    /// The session's last error message, e.g. "Channel open failure (connect failed)".
    static func lastMessage(_ session: OpaquePointer) -> String {
        var message: UnsafeMutablePointer<CChar>?
        var length: Int32 = 0
        _ = libssh2_session_last_error(session, &message, &length, 0)
        guard let message, length > 0 else { return "no detail" }
        return String(cString: message)
    }

    /// Whether the last failed call only wants to be repeated.
    static func wouldBlock(_ session: OpaquePointer) -> Bool {
        libssh2_session_last_errno(session) == LIBSSH2_ERROR_EAGAIN
    }

    /// An `SSHError` for a failed call, classified so callers can tell a broken connection
    /// (the session is finished) from a refusal (the session goes on).
    static func error(_ session: OpaquePointer, _ code: Int32, label: String, doing what: String) -> SSHError {
        let detail = lastMessage(session)
        switch code {
        case LIBSSH2_ERROR_SOCKET_SEND, LIBSSH2_ERROR_SOCKET_RECV, LIBSSH2_ERROR_SOCKET_DISCONNECT,
            LIBSSH2_ERROR_SOCKET_TIMEOUT, LIBSSH2_ERROR_TIMEOUT, LIBSSH2_ERROR_BAD_USE:
            return SSHError(.connectionLost, host: label, "connection lost while \(what): \(detail)")
        case LIBSSH2_ERROR_KEX_FAILURE:
            return SSHError(.handshakeFailed, host: label, "SSH handshake failed: \(detail)")
        case LIBSSH2_ERROR_CHANNEL_FAILURE, LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED:
            return SSHError(.channelRefused, host: label, "the server refused \(what): \(detail)")
        default:
            return SSHError(.other, host: label, "\(what) failed: \(detail) (libssh2 error \(code))")
        }
    }

    /// The error for a channel the server would not open, with the reason it gave.
    static func channelError(_ raw: OpaquePointer, label: String, what: String) -> SSHError {
        let code = libssh2_session_last_errno(raw)
        let detail = LibSSH2.lastMessage(raw)
        if code == LIBSSH2_ERROR_CHANNEL_FAILURE || code == LIBSSH2_ERROR_CHANNEL_REQUEST_DENIED {
            let reason = detail.range(of: "(").map { String(detail[$0.lowerBound...]) } ?? detail
            return SSHError(.channelRefused, host: label, "the server refused \(what) \(reason)")
        }
        return LibSSH2.error(raw, code, label: label, doing: "opening \(what)")
    }
}
