import CLibSSH2
import Foundation

/// Public-key authentication: the identity file first, then the keys ssh-agent holds.
///
/// No passwords: inventories never carry them.
struct Authentication {
    let endpoint: SSHEndpoint
    let agentSocket: String?

    func run(on loop: SessionLoop, deadline: ContinuousClock.Instant) async throws {
        let label = endpoint.label
        let user = endpoint.user
        var refusals: [String] = []

        if let identity = endpoint.identityFile {
            guard FileManager.default.isReadableFile(atPath: identity) else {
                let reason = FileManager.default.fileExists(atPath: identity) ? "cannot be read" : "does not exist"
                throw SSHError(.identityFile, host: label, "identity file \(identity) \(reason)")
            }
            let accepted = try await loop.perform(deadline: deadline, what: "authenticating with \(identity)") {
                raw -> Step<Bool> in
                let rc = libssh2_userauth_publickey_fromfile_ex(
                    raw, user, UInt32(user.utf8.count), nil, identity, nil)
                switch rc {
                case 0: return .done(true)
                case LIBSSH2_ERROR_EAGAIN: return .again
                case LIBSSH2_ERROR_FILE:
                    return .failed(SSHError(.identityFile, host: label,
                        "identity file \(identity) is not a usable private key (encrypted, or an unknown format): \(LibSSH2.lastMessage(raw))"))
                // libssh2 reports the server's refusal of the key as "unrecognized"
                // ("Username/PublicKey combination invalid").
                case LIBSSH2_ERROR_AUTHENTICATION_FAILED, LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED,
                    LIBSSH2_ERROR_PUBLICKEY_UNRECOGNIZED:
                    return .done(false)
                default:
                    return .failed(LibSSH2.error(raw, rc, label: label, doing: "authenticating"))
                }
            }
            if accepted { return }
            refusals.append("the server refused the key in \(identity)")
        }

        if let agentSocket, FileManager.default.fileExists(atPath: agentSocket) {
            let socketFD = loop.socket
            let outcome = try await loop.perform(deadline: deadline, what: "authenticating with ssh-agent") {
                raw -> Step<String?> in
                Self.agentAttempt(raw, user: user, agentSocket: agentSocket, sessionSocket: socketFD, label: label)
            }
            if outcome == nil { return }
            refusals.append(outcome!)
        } else if endpoint.identityFile == nil {
            refusals.append("no identity file was given and no ssh-agent is running (SSH_AUTH_SOCK)")
        }
        throw SSHError(.authenticationFailed, host: label,
            "authentication as \(user) failed: \(refusals.joined(separator: "; "))")
    }

    /// One pass over the agent's identities, finished within this call: the agent handle
    /// lives only for the pass, so a signature exchange that asks to be repeated is waited
    /// for here on the session socket (no other work is pending before authentication).
    private static func agentAttempt(
        _ raw: OpaquePointer, user: String, agentSocket socket: String, sessionSocket: Int32, label: String
    ) -> Step<String?> {
        guard let agent = libssh2_agent_init(raw) else { return .done("ssh-agent could not be initialised") }
        defer {
            libssh2_agent_disconnect(agent)
            libssh2_agent_free(agent)
        }
        libssh2_agent_set_identity_path(agent, socket)
        guard libssh2_agent_connect(agent) == 0 else { return .done("cannot connect to ssh-agent at \(socket)") }
        guard libssh2_agent_list_identities(agent) == 0 else { return .done("ssh-agent did not list its keys") }
        var previous: UnsafeMutablePointer<libssh2_agent_publickey>?
        var offered = 0
        while true {
            var identity: UnsafeMutablePointer<libssh2_agent_publickey>?
            let rc = libssh2_agent_get_identity(agent, &identity, previous)
            if rc != 0 { break }
            offered += 1
            var auth: Int32
            repeat {
                auth = libssh2_agent_userauth(agent, user, identity)
            } while auth == LIBSSH2_ERROR_EAGAIN && waitForSocket(raw, fd: sessionSocket)
            if auth == 0 { return .done(nil) }
            if auth != LIBSSH2_ERROR_AUTHENTICATION_FAILED && auth != LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED
                && auth != LIBSSH2_ERROR_EAGAIN
            {
                return .failed(LibSSH2.error(raw, auth, label: label, doing: "authenticating with ssh-agent"))
            }
            previous = identity
        }
        return .done(offered == 0 ? "ssh-agent holds no keys" : "the server refused all \(offered) keys of ssh-agent")
    }

    private static func waitForSocket(_ raw: OpaquePointer, fd: Int32) -> Bool {
        var events: Int16 = 0
        let blocked = libssh2_session_block_directions(raw)
        if blocked & LIBSSH2_SESSION_BLOCK_INBOUND != 0 { events |= Int16(POLLIN) }
        if blocked & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 { events |= Int16(POLLOUT) }
        var pfd = pollfd(fd: fd, events: events == 0 ? Int16(POLLIN) : events, revents: 0)
        return poll(&pfd, 1, 10_000) > 0
    }
}
