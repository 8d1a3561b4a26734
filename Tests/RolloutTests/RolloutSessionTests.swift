import DockerEngine
import Fleet
import Foundation
import Inventory
import Journal
import MoltTestSupport
import Playbook
@testable import Rollout
import Synchronization
import Testing

/// How many hosts' sessions a rollout holds at once: a fleet larger than --forks keeps only the
/// sessions of the batch running and the next one, and reaches earlier hosts again when the run
/// needs them (rollback, releasing the locks), checking its locks first.
@Suite("A rollout's sessions")
struct RolloutSessionTests {
    /// Scripted hosts whose sessions are counted: opened, open now, most open at once.
    final class CountingConnector: HostConnector, @unchecked Sendable {
        let base: ScriptedConnector
        /// Runs as a host is reached, before its session is handed out: (host, how-manieth time).
        let onConnect: @Sendable (String, Int, ScriptedDocker) async -> Void
        private let state = Mutex(State())

        struct State {
            var live = 0
            var peak = 0
            var connects: [String: Int] = [:]
        }

        init(_ base: ScriptedConnector, onConnect: @escaping @Sendable (String, Int, ScriptedDocker) async -> Void = { _, _, _ in }) {
            self.base = base
            self.onConnect = onConnect
        }

        var live: Int { state.withLock { $0.live } }
        var peak: Int { state.withLock { $0.peak } }
        func connects(_ host: String) -> Int { state.withLock { $0.connects[host] ?? 0 } }
        var totalConnects: Int { state.withLock { $0.connects.values.reduce(0, +) } }

        func connect(_ host: InventoryHost) async throws(HostFailure) -> RolloutHost {
            let reached = try await base.connect(host)
            let count = state.withLock { state in
                state.live += 1
                state.peak = max(state.peak, state.live)
                state.connects[host.name, default: 0] += 1
                return state.connects[host.name]!
            }
            if let docker = base.hosts[host.name] { await onConnect(host.name, count, docker) }
            let closed = Mutex(false)
            return RolloutHost(name: reached.name, engine: reached.engine, ports: reached.ports, shell: reached.shell) { [self] in
                guard !closed.withLock({ was in defer { was = true }; return was }) else { return }
                self.state.withLock { $0.live -= 1 }
            }
        }
    }

    final class Fleetlet: @unchecked Sendable {
        let names: [String]
        var scenes: [String: Scene] = [:]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("molt-sessions-\(UUID().uuidString)").path
        let journal: Journal
        let events = EventLog()

        init(hosts: Int) async throws {
            names = (1...hosts).map { "h\($0)" }
            for name in names { scenes[name] = try await Scene.make() }
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            journal = try await Journal.open(path: directory + "/journal.sqlite")
        }

        deinit { try? FileManager.default.removeItem(atPath: directory) }

        func docker(_ host: String) -> ScriptedDocker { scenes[host]!.docker }

        func connector(onConnect: @escaping @Sendable (String, Int, ScriptedDocker) async -> Void = { _, _, _ in }) -> CountingConnector {
            CountingConnector(ScriptedConnector(hosts: scenes.mapValues(\.docker)), onConnect: onConnect)
        }

        func action(_ image: String, batches: [BatchSize], forks: Int, connector: CountingConnector,
                    identity: RunIdentity = Scene.identity()) throws -> RolloutAction {
            let playbook = Playbook(source: "test.yml", name: "web", hosts: "all", services: [Scene.service(image)], batches: batches)
            let hosts = try names.map { try InventoryHost(name: $0) }
            let fleet = Fleet(hosts: hosts, settings: ConnectionSettings(defaultUser: "tester", homeDirectory: directory, forks: forks))
            return RolloutAction(playbook: playbook, fleet: fleet, identity: identity, reporter: events, journal: journal,
                                 connector: connector)
        }

        func locks() async -> [String] {
            var found: [String] = []
            for name in names where await docker(name).container("molt-lock.web") != nil { found.append(name) }
            return found
        }
    }

    @Test("12 hosts with --forks 2 in batches of 2: at most 4 sessions at once, every host updated, every lock and session gone")
    func boundedSessions() async throws {
        let fleet = try await Fleetlet(hosts: 12)
        let connector = fleet.connector()
        let report = try await fleet.action(Scene.v2, batches: [.count(2)], forks: 2, connector: connector).perform()
        #expect(report.result == .succeeded, "\(report)")
        for name in fleet.names { #expect(await fleet.docker(name).container("web")?.configImage == Scene.v2, "\(name)") }
        #expect(await fleet.locks().isEmpty)
        // Held for the whole run, as before, this would be 12.
        #expect(connector.peak <= 4, "\(connector.peak) sessions were open at once")
        #expect(connector.live == 0, "\(connector.live) sessions left open")
        // Each host: reached to lock it, again for its batch, again to release its lock; the
        // first batch's hosts stay open from their locking to their batch.
        #expect(connector.totalConnects > 12 && connector.totalConnects <= 36, "\(connector.totalConnects) connections")
    }

    @Test("a fleet no larger than --forks keeps each host's one session for the whole run")
    func smallFleetConnectsOnce() async throws {
        let fleet = try await Fleetlet(hosts: 4)
        let connector = fleet.connector()
        let report = try await fleet.action(Scene.v2, batches: [.count(1), .percent(50), .percent(100)], forks: 32, connector: connector).perform()
        #expect(report.result == .succeeded, "\(report)")
        for name in fleet.names { #expect(connector.connects(name) == 1, "\(name) was reached \(connector.connects(name)) times") }
        #expect(connector.live == 0)
    }

    @Test("a failure in the third batch rolls back the first two, whose sessions had been closed: they are reached again")
    func rollbackReachesEarlierHosts() async throws {
        let fleet = try await Fleetlet(hosts: 4)
        await fleet.docker("h3").publish(.init(reference: Scene.v2, env: ["PATH=/bin"], volumes: ["/data"],
                                               behaviour: .init(health: .unhealthyAfter(2), http: [8080: 500])))
        let connector = fleet.connector()
        let report = try await fleet.action(Scene.v2, batches: [.count(1)], forks: 1, connector: connector).perform()
        #expect(report.result == .rolledBack, "\(report)")
        #expect(report.notStarted == ["h4"])
        for name in fleet.names {
            let web = await fleet.docker(name).container("web")
            #expect(web?.configImage == Scene.v1 && web?.running == true, "\(name)")
        }
        #expect(Set(report.undone.map(\.host)) == ["h1", "h2"])
        #expect(report.undone.allSatisfy { $0.kind == .rolledBack }, "\(report.undone)")
        #expect(connector.connects("h1") >= 2, "h1 was reached \(connector.connects("h1")) times")
        #expect(connector.peak <= 2, "\(connector.peak) sessions were open at once")
        #expect(await fleet.locks().isEmpty)
        #expect(connector.live == 0)
    }

    @Test("a lock removed while its host's session was closed is taken again on reconnecting, and said")
    func lockRemovedMeanwhile() async throws {
        let fleet = try await Fleetlet(hosts: 4)
        let connector = fleet.connector { host, count, docker in
            // Reached the second time (ahead of its batch): someone ran `molt unlock` meanwhile.
            guard host == "h3", count == 2, let lock = await docker.container("molt-lock.web") else { return }
            try? await docker.engine().removeContainer(lock.id, force: true, volumes: true)
        }
        let report = try await fleet.action(Scene.v2, batches: [.count(1)], forks: 1, connector: connector).perform()
        #expect(report.result == .succeeded, "\(report)")
        #expect(connector.connects("h3") >= 2)
        #expect(fleet.events.events.contains { $0.host == "h3" && $0.message?.contains("took it again") == true })
        #expect(await fleet.locks().isEmpty)
    }

    @Test("a lock another run holds by the time its host is reached again: that host fails untouched, naming the holder; its lock stays")
    func lockTakenMeanwhile() async throws {
        let fleet = try await Fleetlet(hosts: 4)
        let other = RunIdentity(id: "other-run", user: "alice", coordinator: "elsewhere")
        let connector = fleet.connector { host, count, docker in
            guard host == "h3", count == 2, let lock = await docker.container("molt-lock.web") else { return }
            let engine = docker.engine()
            try? await engine.removeContainer(lock.id, force: true, volumes: true)
            _ = try? await ServiceLock.acquire(on: engine, host: "h3", service: "web", image: Scene.v1, playbook: "web", identity: other)
        }
        let report = try await fleet.action(Scene.v2, batches: [.count(1)], forks: 1, connector: connector).perform()
        let h3 = try #require(report.outcomes.first { $0.host == "h3" })
        #expect(h3.kind == .failed)
        #expect(h3.error?.contains("other-run") == true && h3.error?.contains("no longer this run's") == true, "\(h3)")
        #expect(await fleet.docker("h3").container("web")?.configImage == Scene.v1)
        #expect(await fleet.docker("h3").container("molt-lock.web")?.labels["molt.lock.run"] == "other-run")
        #expect(await fleet.locks() == ["h3"])
        #expect(connector.live == 0)
    }
}
