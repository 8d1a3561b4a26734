import Synchronization

/// Opens SSH sessions along their routes, sharing each jump host's session among all the
/// hosts behind it.
///
/// Made for one command and closed when it ends: it holds the sessions to jump hosts (the
/// targets' own sessions belong to their callers). A jump host is known by its endpoint and
/// the hops in front of it, so the second hop of a chain is a different jump host from the
/// same machine reached directly. Its session is opened once, by the first host that needs
/// it; the others wait for it. A target's failure leaves the jump host's session open for
/// the next; a jump host that cannot be reached fails every host behind it at once with the
/// same error, naming the jump host; a jump host session that breaks is opened anew by the
/// next host that needs it.
public final class SSHConnector: Sendable {
    /// Asked for the passphrases of encrypted key files; `nil` skips such files.
    public let passphrases: (any SSHPassphraseSource)?
    private let state = Mutex(State())

    private struct State {
        var hops: [SSHEndpoint: Task<SSHSession, any Error>] = [:]
        /// Every jump host session opened, to close at the end.
        var sessions: [SSHSession] = []
        var opened = 0
        var closed = false
    }

    /// - Parameter passphrases: who to ask for the passphrase of an encrypted key file.
    public init(passphrases: (any SSHPassphraseSource)? = nil) {
        self.passphrases = passphrases
    }

    deinit { shutdown() }

    /// Connects to `endpoint` along its route (see `SSHSession.connect(to:using:)`).
    /// - Throws: `SSHError`; for a host behind a jump host that cannot be reached, one whose
    ///   message starts `through bastion user@host: `.
    public func connect(to endpoint: SSHEndpoint) async throws -> SSHSession {
        switch endpoint.route {
        case .direct, .jump([]):
            return try await SSHSession.establish(
                endpoint, transport: .tcp(address: endpoint.address, port: endpoint.port), upstream: nil,
                onTeardown: nil, passphrases: passphrases)

        case .jump(let hops):
            let bastion: SSHSession
            do {
                bastion = try await hopSession(hops)
            } catch let error as SSHError {
                throw SSHError(error.code, host: endpoint.label, "through bastion \(hops.last!.label): \(error.message)")
            }
            let fd: Int32
            do {
                fd = try await bastion.loop.openTunnelSocket(
                    host: endpoint.address, port: endpoint.port, deadline: .now + endpoint.connectTimeout)
            } catch let error as SSHError {
                throw SSHError(error.code, host: endpoint.label, "through bastion \(bastion.label): \(error.message)")
            }
            do {
                return try await SSHSession.establish(
                    endpoint, transport: .socket(fd), upstream: bastion, onTeardown: nil, passphrases: passphrases)
            } catch let error as SSHError {
                throw SSHError(error.code, host: endpoint.label, "\(error.message) (reached through bastion \(bastion.label))")
            }

        case .command(let command):
            let proxy = try ProxyCommand(command: command, label: endpoint.label)
            do {
                return try await SSHSession.establish(
                    endpoint, transport: .socket(proxy.socket), upstream: nil, onTeardown: { proxy.stop() },
                    passphrases: passphrases)
            } catch let error as SSHError {
                let said = proxy.errorTail().map { "; it said: \($0)" } ?? ""
                throw SSHError(error.code, host: endpoint.label, "\(error.message) (through ProxyCommand `\(command)`\(said))")
            }
        }
    }

    /// How many sessions to jump hosts have been opened (for tests and `--verbose`).
    public var jumpSessionsOpened: Int { state.withLock { $0.opened } }

    /// Closes every jump host session; the sessions running through them end with them.
    /// Waits (a few seconds at most) for them to disconnect, suspended: no thread is held.
    public func close() async {
        let sessions = takeAll()
        // Last hops first, so a chain's sessions end from the far end inwards; all are asked
        // at once, then all are waited for together.
        for session in sessions.reversed() { session.loop.shutdown() }
        await withTaskGroup(of: Void.self) { group in
            for session in sessions.reversed() { group.addTask { await session.close() } }
        }
    }

    /// Asks every jump host session to disconnect and returns at once (for `deinit`).
    public func shutdown() {
        for session in takeAll().reversed() { session.shutdown() }
    }

    /// Marks the connector closed and hands over its sessions, cancelling hops still opening.
    private func takeAll() -> [SSHSession] {
        let (tasks, sessions) = state.withLock { state in
            state.closed = true
            defer {
                state.hops.removeAll()
                state.sessions.removeAll()
            }
            return (Array(state.hops.values), state.sessions)
        }
        for task in tasks { task.cancel() }
        return sessions
    }

    // MARK: - Details

    /// The session to the last hop of `chain`, reached through the hops before it: shared, and
    /// opened only when there is none yet or the one there is has broken.
    private func hopSession(_ chain: [SSHEndpoint]) async throws -> SSHSession {
        var hop = chain[chain.count - 1]
        hop.route = chain.count == 1 ? .direct : .jump(Array(chain.dropLast()))
        let key = hop
        for _ in 0..<2 {
            let task = try state.withLock { state throws(SSHError) -> Task<SSHSession, any Error> in
                guard !state.closed else { throw SSHError(.closed, host: key.label, "molt is closing its connections") }
                if let task = state.hops[key] { return task }
                let task = Task {
                    let session = try await self.connect(to: key)
                    let closed = self.state.withLock { state in
                        if !state.closed { state.sessions.append(session) }
                        return state.closed
                    }
                    if closed { session.loop.shutdown() }
                    return session
                }
                state.hops[key] = task
                state.opened += 1
                return task
            }
            let session = try await task.value
            if !session.isFinished { return session }
            // Broken since: the next host to need it opens it anew.
            state.withLock { state in
                if let current = state.hops[key], current == task { state.hops[key] = nil }
            }
        }
        throw SSHError(.connectionLost, host: key.label, "the session to the jump host broke as it was opened")
    }
}
