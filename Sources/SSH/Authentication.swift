import CLibSSH2
import Foundation

/// Supplies passphrases of encrypted private key files.
///
/// Given to `SSHConnector` by a front end that can ask someone (molt on a terminal). It is
/// called from async code, for one key file at a time per session; an implementation asks
/// at most once per file per run and remembers the answer, and never blocks the caller's
/// thread while it waits for a person.
public protocol SSHPassphraseSource: Sendable {
    /// The passphrase of the encrypted private key in `path`, or `nil` to skip that key.
    func passphrase(forKeyFile path: String) async -> String?
}

/// Public-key authentication, in OpenSSH's order: the identity files (inventory, ssh_config,
/// `--identity`), then the keys ssh-agent holds, then the default key files that exist.
///
/// No passwords: inventories never carry them. An encrypted key file is used with its
/// passphrase when one can be asked for; otherwise it is skipped with a note, and so is it
/// when ssh-agent holds the same key (the agent signs with it, nobody is asked). Notes end
/// up in the error when every key fails, and in `SSHSession.notices` when one succeeds.
struct Authentication {
    let endpoint: SSHEndpoint
    let passphrases: (any SSHPassphraseSource)?

    private var label: String { endpoint.label }

    /// Authenticates; returns the notes about keys skipped on the way.
    func run(on loop: SessionLoop, deadline: ContinuousClock.Instant) async throws -> [String] {
        var state = State()
        let agentSocket = endpoint.agentSocket.flatMap { FileManager.default.fileExists(atPath: $0) ? $0 : nil }
        let agentKeys: [[UInt8]]? = if let agentSocket {
            try await loop.perform(deadline: deadline, what: "asking ssh-agent for its keys") { raw in
                .done(Self.agentKeys(raw, socket: agentSocket))
            }
        } else { nil }

        for path in endpoint.identityFiles {
            if try await tryFile(path, explicit: true, agentKeys: agentKeys, on: loop, deadline: deadline, &state) {
                return state.notes
            }
        }

        if let agentSocket {
            let allowed = endpoint.identitiesOnly ? allowedAgentKeys() : nil
            let socketFD = loop.socket
            let user = endpoint.user
            let label = self.label
            let outcome = try await loop.perform(deadline: deadline, what: "authenticating with ssh-agent") {
                raw -> Step<String?> in
                Self.agentAttempt(raw, user: user, agentSocket: agentSocket, allowed: allowed, sessionSocket: socketFD, label: label)
            }
            guard let outcome else { return state.notes }
            state.refusals.append(outcome)
        } else if let missing = endpoint.agentSocket {
            state.notes.append("no ssh-agent at \(missing)")
        }

        for path in endpoint.defaultIdentityFiles
        where FileManager.default.fileExists(atPath: path) && !endpoint.identityFiles.contains(path) {
            if try await tryFile(path, explicit: false, agentKeys: agentKeys, on: loop, deadline: deadline, &state) {
                return state.notes
            }
        }

        var reasons = state.notes + state.refusals
        if !state.triedAnything && reasons.isEmpty {
            reasons.append("no identity file was given, no default key file exists and no ssh-agent is running (SSH_AUTH_SOCK)")
        }
        // A key file that could not be used, and nothing the server turned down: the file is
        // what to fix.
        let code: SSHError.Code = state.fileProblem && state.refusals.isEmpty ? .identityFile : .authenticationFailed
        throw SSHError(code, host: label, "authentication as \(endpoint.user) failed: \(reasons.joined(separator: "; "))")
    }

    private struct State {
        /// Keys skipped, and why (non-fatal).
        var notes: [String] = []
        /// Keys the server turned down.
        var refusals: [String] = []
        var fileProblem = false
        var triedAnything = false
    }

    /// Offers one key file; true when the server accepted it.
    private func tryFile(
        _ path: String, explicit: Bool, agentKeys: [[UInt8]]?, on loop: SessionLoop, deadline: ContinuousClock.Instant,
        _ state: inout State
    ) async throws -> Bool {
        guard FileManager.default.isReadableFile(atPath: path), let key = PrivateKeyFile.read(path: path) else {
            let reason = FileManager.default.fileExists(atPath: path)
                ? "cannot be read" + (Self.openFailure(path).map { " (\($0))" } ?? "") : "does not exist"
            state.notes.append("identity file \(path) \(reason)")
            state.fileProblem = true
            return false
        }
        var passphrase: String?
        if key.isEncrypted {
            if let publicKey = key.publicKey, agentKeys?.contains(publicKey) == true {
                // A default file comes after the agent, which has offered this key already.
                if explicit { state.notes.append("identity file \(path) is encrypted; ssh-agent holds its key and signs with it") }
                return false
            }
            guard let passphrases, let given = await passphrases.passphrase(forKeyFile: path) else {
                let agent = agentKeys == nil ? "" : ", and ssh-agent does not hold its key"
                state.notes.append("identity file \(path) is encrypted and molt cannot ask for its passphrase here\(agent): skipped (add it with `ssh-add \(path)`)")
                state.fileProblem = true
                return false
            }
            passphrase = given
        }
        state.triedAnything = true
        let user = endpoint.user
        let label = self.label
        let outcome = try await loop.perform(deadline: deadline, what: "authenticating with \(path)") { raw -> Step<FileOutcome> in
            let rc = libssh2_userauth_publickey_fromfile_ex(raw, user, UInt32(user.utf8.count), nil, path, passphrase)
            switch rc {
            case 0: return .done(.accepted)
            case LIBSSH2_ERROR_EAGAIN: return .again
            case LIBSSH2_ERROR_FILE: return .done(.unusable(LibSSH2.lastMessage(raw)))
            // libssh2 reports the server's refusal of the key as "unrecognized"
            // ("Username/PublicKey combination invalid").
            case LIBSSH2_ERROR_AUTHENTICATION_FAILED, LIBSSH2_ERROR_PUBLICKEY_UNVERIFIED, LIBSSH2_ERROR_PUBLICKEY_UNRECOGNIZED:
                return .done(.refused)
            default:
                return .failed(LibSSH2.error(raw, rc, label: label, doing: "authenticating"))
            }
        }
        switch outcome {
        case .accepted:
            return true
        case .refused:
            state.refusals.append("the server refused the key in \(path)")
        case .unusable(let detail):
            state.fileProblem = true
            state.notes.append(key.isEncrypted
                ? "identity file \(path) could not be decrypted (wrong passphrase?): \(detail)"
                : "identity file \(path) is not a usable private key (an unknown format?): \(detail)")
        }
        return false
    }

    private enum FileOutcome: Sendable {
        case accepted, refused
        case unusable(String)
    }

    /// The public keys `IdentitiesOnly` lets the agent offer: those of the identity files.
    private func allowedAgentKeys() -> [[UInt8]] {
        (endpoint.identityFiles + endpoint.defaultIdentityFiles).compactMap { path in
            PrivateKeyFile.read(path: path)?.publicKey ?? PrivateKeyFile.publicKey(fromPubFile: path + ".pub")
        }
    }

    /// The public keys ssh-agent holds, or `nil` when it cannot be asked.
    private static func agentKeys(_ raw: OpaquePointer, socket: String) -> [[UInt8]]? {
        guard let agent = libssh2_agent_init(raw) else { return nil }
        defer {
            libssh2_agent_disconnect(agent)
            libssh2_agent_free(agent)
        }
        libssh2_agent_set_identity_path(agent, socket)
        guard libssh2_agent_connect(agent) == 0, libssh2_agent_list_identities(agent) == 0 else { return nil }
        var keys: [[UInt8]] = []
        var previous: UnsafeMutablePointer<libssh2_agent_publickey>?
        while true {
            var identity: UnsafeMutablePointer<libssh2_agent_publickey>?
            guard libssh2_agent_get_identity(agent, &identity, previous) == 0, let identity else { break }
            keys.append(Array(UnsafeBufferPointer(start: identity.pointee.blob, count: identity.pointee.blob_len)))
            previous = identity
        }
        return keys
    }

    /// One pass over the agent's identities (those in `allowed`, when given), finished within
    /// this call: the agent handle lives only for the pass, so a signature exchange that asks
    /// to be repeated is waited for here on the session socket (no other work is pending
    /// before authentication).
    private static func agentAttempt(
        _ raw: OpaquePointer, user: String, agentSocket socket: String, allowed: [[UInt8]]?, sessionSocket: Int32,
        label: String
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
        var held = 0
        while true {
            var identity: UnsafeMutablePointer<libssh2_agent_publickey>?
            let rc = libssh2_agent_get_identity(agent, &identity, previous)
            guard rc == 0, let identity else { break }
            previous = identity
            held += 1
            if let allowed {
                let blob = Array(UnsafeBufferPointer(start: identity.pointee.blob, count: identity.pointee.blob_len))
                guard allowed.contains(blob) else { continue }
            }
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
        }
        if held == 0 { return .done("ssh-agent holds no keys") }
        if offered == 0 { return .done("none of the \(held) keys of ssh-agent is an identity file's (IdentitiesOnly)") }
        return .done("the server refused \(offered == 1 ? "the key" : "all \(offered) keys") of ssh-agent")
    }

    /// Why the file at `path` cannot be opened for reading (its errno text, e.g. "Too many
    /// open files" when molt is short of descriptors), or nil when it can.
    private static func openFailure(_ path: String) -> String? {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd < 0 else {
            close(fd)
            return nil
        }
        return errnoText()
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
