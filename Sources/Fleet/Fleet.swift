public import Inventory
public import SSH

/// The hosts a command works on, and the way to reach them: many at once, at most `forks`.
public struct Fleet: Sendable {
    /// The selected hosts, in inventory order.
    public var hosts: [InventoryHost]
    public var settings: ConnectionSettings

    public init(hosts: [InventoryHost], settings: ConnectionSettings) {
        self.hosts = hosts
        self.settings = settings
    }

    /// Connects to every host, at most `settings.forks` at a time, and runs `work` on each
    /// connection; the session is closed when `work` returns.
    ///
    /// A host that cannot be reached, or whose `work` throws, yields a `HostFailure` in its
    /// place; the others go on. Results come back in inventory order. Hosts behind one jump
    /// host share its session, which is closed when every host is done.
    public func visit<Value: Sendable>(
        _ work: @escaping @Sendable (HostConnection) async throws -> Value
    ) async -> [HostOutcome<Value>] {
        let connector = settings.makeConnector()
        let outcomes = await visit(using: connector, work)
        await connector.close()
        return outcomes
    }

    /// `visit(_:)` with the command's connector, which the caller closes.
    public func visit<Value: Sendable>(
        using connector: SSHConnector, _ work: @escaping @Sendable (HostConnection) async throws -> Value
    ) async -> [HostOutcome<Value>] {
        let settings = self.settings
        return await forEachHost { host in
            let connection = try await HostConnection.open(host, settings: settings, connector: connector)
            let result: Result<Value, HostFailure>
            do {
                result = .success(try await work(connection))
            } catch let failure as HostFailure {
                result = .failure(failure)
            } catch {
                result = .failure(HostFailure(host: host.name, stage: .docker, error: error))
            }
            // Suspends, holding no thread, while the session's own thread says goodbye.
            await connection.close()
            return try result.get()
        }
    }

    /// Runs `work` for every host with bounded concurrency, keeping inventory order.
    func forEachHost<Value: Sendable>(
        _ work: @escaping @Sendable (InventoryHost) async throws -> Value
    ) async -> [HostOutcome<Value>] {
        await concurrentMap(hosts, limit: settings.forks) { host in
            let started = ContinuousClock.now
            let result: Result<Value, HostFailure>
            do {
                result = .success(try await work(host))
            } catch let failure as HostFailure {
                result = .failure(failure)
            } catch {
                result = .failure(HostFailure(host: host.name, stage: .docker, error: error))
            }
            return HostOutcome(host: host, result: result, elapsed: ContinuousClock.now - started)
        }
    }
}

/// What happened on one host: a result, or why the host could not be worked on.
public struct HostOutcome<Value: Sendable>: Sendable {
    public var host: InventoryHost
    public var result: Result<Value, HostFailure>
    /// From the start of the connection to the end of the work or the failure.
    public var elapsed: Duration

    public init(host: InventoryHost, result: Result<Value, HostFailure>, elapsed: Duration = .zero) {
        self.host = host
        self.result = result
        self.elapsed = elapsed
    }
}
