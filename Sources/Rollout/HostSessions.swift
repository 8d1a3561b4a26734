import Fleet
import Inventory

/// The hosts' sessions during a rollout: opened when a host is worked on, and kept only while
/// the run needs them, so that a rollout of many hosts holds a bounded number of sessions
/// (each a socket, a socket pair and a thread) instead of one per host for the whole run.
///
/// A session is kept while its host is in the *window* (the hosts of the batch running now
/// and of the next one, opened ahead), or while work is using it; any other session is closed
/// as soon as its work is done. With `keepAll` (a fleet no larger than `--forks`, whose
/// sessions the lock phase opens at once anyway) sessions stay open to the end of the run.
///
/// A session opened again after the run took its locks is checked by `verify` before any work
/// uses it: the locks are containers on the host and outlive the session, but an operator may
/// have removed one (`molt unlock`) meanwhile.
actor HostSessions {
    private let connector: any HostConnector
    private let hosts: [String: InventoryHost]
    private let keepAll: Bool
    private var open: [String: RolloutHost] = [:]
    private var opening: [String: Task<Result<RolloutHost, HostFailure>, Never>] = [:]
    /// A failure met while opening ahead, handed to the next one to ask for the host.
    private var failedAhead: [String: HostFailure] = [:]
    private var users: [String: Int] = [:]
    private var window: Set<String> = []
    private var verify: (@Sendable (RolloutHost) async throws(HostFailure) -> Void)?
    private var finished = false
    /// The most sessions open (or opening) at once, for tests and `--verbose`.
    private(set) var peak = 0
    /// How many sessions were opened in all.
    private(set) var opened = 0

    init(connector: any HostConnector, hosts: [InventoryHost], keepAll: Bool) {
        self.connector = connector
        self.hosts = Dictionary(hosts.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        self.keepAll = keepAll
    }

    /// From now on, a session opened anew is checked with `check` before it is used.
    func verifyReopened(with check: @escaping @Sendable (RolloutHost) async throws(HostFailure) -> Void) {
        verify = check
    }

    /// Runs `body` on the host's session, opening it first when there is none.
    func with<Value: Sendable>(
        _ name: String, _ body: @Sendable (RolloutHost) async -> Value
    ) async -> Result<Value, HostFailure> {
        switch await acquire(name) {
        case .failure(let failure):
            return .failure(failure)
        case .success(let host):
            let value = await body(host)
            await release(name)
            return .success(value)
        }
    }

    /// The host's session, opened (or the opening under way joined) when there is none; the
    /// caller calls `release` when done with it.
    func acquire(_ name: String) async -> Result<RolloutHost, HostFailure> {
        if let host = open[name] {
            users[name, default: 0] += 1
            return .success(host)
        }
        if let failure = failedAhead.removeValue(forKey: name) { return .failure(failure) }
        users[name, default: 0] += 1
        let result = await startOpening(name).value
        if case .success = result, let host = open[name] { return .success(host) }
        users[name, default: 0] -= 1
        if case .failure(let failure) = result {
            failedAhead[name] = nil
            return .failure(failure)
        }
        return .failure(HostFailure(host: name, stage: .connect, message: "the run is over"))
    }

    /// Done with the host's session: it is closed unless the run still wants it.
    func release(_ name: String) async {
        users[name, default: 1] -= 1
        if users[name] == 0, !wanted(name), let host = open.removeValue(forKey: name) {
            await host.close()
        }
    }

    /// Closes the host's session now if nothing uses it (a host the run gave up on).
    func drop(_ name: String) async {
        guard (users[name] ?? 0) == 0, let host = open.removeValue(forKey: name) else { return }
        await host.close()
    }

    /// The hosts to keep sessions for from now on; with `openAhead` their sessions are opened
    /// now, in this order, without waiting for them. Every idle session outside the window is
    /// closed.
    func setWindow(_ names: [String], openAhead: Bool = true) async {
        window = Set(names)
        let idle = open.keys.filter { !wanted($0) }
        let closing = idle.compactMap { open.removeValue(forKey: $0) }
        // The sessions leaving go first: the bound holds while the new ones open.
        await Self.closeAll(closing)
        guard openAhead, !finished else { return }
        for name in names where window.contains(name) && open[name] == nil && opening[name] == nil && failedAhead[name] == nil {
            _ = startOpening(name)
        }
    }

    /// The hosts among `names` whose sessions are open now, in that order.
    func openHosts(among names: [String]) -> [String] {
        names.filter { open[$0] != nil }
    }

    /// Closes every session, all at once; sessions still opening are closed as they open.
    func finish() async {
        finished = true
        window = []
        let all = Array(open.values)
        open.removeAll()
        let pending = Array(opening.values)
        await Self.closeAll(all)
        for task in pending { _ = await task.value }
    }

    /// How many sessions are open now.
    var openCount: Int { open.count }

    private func wanted(_ name: String) -> Bool {
        !finished && (keepAll || window.contains(name) || (users[name] ?? 0) > 0)
    }

    private func notePeak() {
        peak = max(peak, open.count + opening.count)
    }

    private func startOpening(_ name: String) -> Task<Result<RolloutHost, HostFailure>, Never> {
        if let task = opening[name] { return task }
        let connector = self.connector
        let check = verify
        let host = hosts[name]
        let task = Task { () -> Result<RolloutHost, HostFailure> in
            guard let host else {
                return .failure(HostFailure(host: name, stage: .connect, message: "not in this run"))
            }
            let result: Result<RolloutHost, HostFailure>
            do throws(HostFailure) {
                let connection = try await connector.connect(host)
                do throws(HostFailure) {
                    try await check?(connection)
                    result = .success(connection)
                } catch {
                    await connection.close()
                    result = .failure(error)
                }
            } catch {
                result = .failure(error)
            }
            await self.didOpen(name, result)
            return result
        }
        opening[name] = task
        opened += 1
        notePeak()
        return task
    }

    private func didOpen(_ name: String, _ result: Result<RolloutHost, HostFailure>) async {
        opening[name] = nil
        switch result {
        case .success(let host):
            if wanted(name) {
                open[name] = host
            } else {
                await host.close()
            }
        case .failure(let failure):
            // Opened ahead and failed: the host's work gets this failure instead of a new wait.
            if (users[name] ?? 0) == 0 && !finished { failedAhead[name] = failure }
        }
    }

    private static func closeAll(_ sessions: [RolloutHost]) async {
        await withTaskGroup(of: Void.self) { group in
            for session in sessions { group.addTask { await session.close() } }
        }
    }
}
