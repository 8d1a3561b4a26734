import DockerEngine
import Fleet
import Foundation
import GRDB
import Inventory
import Journal
import MoltTestSupport
import Playbook
@testable import Rollout
import Testing

/// A whole run on scripted hosts: batches, the failure policy, signals, the journal, secrets.
@Suite("A rollout over several scripted hosts")
struct RolloutActionTests {
    /// Four scripted hosts with `web` 1.0, a journal in a scratch directory.
    final class Fleetlet: @unchecked Sendable {
        let scenes: [String: Scene]
        let names = ["h1", "h2", "h3", "h4"]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("molt-action-\(UUID().uuidString)").path
        let journal: Journal
        let events = EventLog()

        init() async throws {
            var scenes: [String: Scene] = [:]
            for name in names { scenes[name] = try await Scene.make() }
            self.scenes = scenes
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            journal = try await Journal.open(path: directory + "/journal.sqlite")
        }

        deinit { try? FileManager.default.removeItem(atPath: directory) }

        func docker(_ host: String) -> ScriptedDocker { scenes[host]!.docker }

        func action(_ image: String, batches: [BatchSize] = [.count(1), .percent(50), .percent(100)], unreachable: [String: String] = [:],
                    interruption: Interruption = Interruption(), identity: RunIdentity = Scene.identity()) throws -> RolloutAction {
            let playbook = Playbook(source: "test.yml", name: "web", hosts: "all", services: [Scene.service(image)], batches: batches)
            let hosts = try names.map { try InventoryHost(name: $0) }
            let fleet = Fleet(hosts: hosts, settings: ConnectionSettings(defaultUser: "tester", homeDirectory: directory))
            return RolloutAction(playbook: playbook, fleet: fleet, identity: identity, reporter: events, journal: journal,
                                 connector: ScriptedConnector(hosts: scenes.mapValues(\.docker), unreachable: unreachable),
                                 interruption: interruption)
        }

        func locks() async -> [String] {
            var found: [String] = []
            for name in names where await docker(name).container("molt-lock.web") != nil { found.append(name) }
            return found
        }
    }

    @Test("the journal's batches, steps and outcomes match the run's events one for one")
    func journalMatchesEvents() async throws {
        let fleet = try await Fleetlet()
        try await fleet.docker("h4").remove("web")
        let report = try await fleet.action(Scene.v2).perform()
        #expect(report.result == .succeeded, "\(report)")
        let events = fleet.events.events
        let batches = try await fleet.journal.batches(run: report.run)
        let started = events.filter { $0.event == .batchStarted }
        let finished = events.filter { $0.event == .batchFinished }
        #expect(batches.map(\.index) == started.compactMap(\.batch))
        #expect(batches.map(\.index) == finished.compactMap(\.batch))
        #expect(batches.map(\.index) == [1, 2, 3])
        #expect(batches.map(\.hosts) == started.map { $0.hosts ?? [] })
        #expect(batches.allSatisfy { batch in batch.finished.map { $0 >= batch.started } == true })

        // Each host's outcome event, its outcome row and its one `replace` step, in the same order.
        let hostEvents: Set<RolloutEvent.Kind> = [.hostUpdated, .hostSkipped, .hostFailed, .hostRolledBack, .hostDegraded, .hostInterrupted]
        let outcomeEvents = events.filter { hostEvents.contains($0.event) }
        let record = try #require(try await fleet.journal.run(id: report.run))
        let steps = try await fleet.journal.steps(run: report.run)
        #expect(outcomeEvents.map { "\($0.host ?? "")/\($0.service ?? "")" } == record.hosts.map { "\($0.host)/\($0.service)" })
        #expect(Set(steps.map { "\($0.host)/\($0.service)" }) == Set(record.hosts.map { "\($0.host)/\($0.service)" }))
        #expect(steps.count == record.hosts.count)
        #expect(steps.allSatisfy { $0.step == .replace && $0.finished != nil })
        for outcome in record.hosts {
            let step = try #require(steps.first { $0.host == outcome.host && $0.service == outcome.service })
            #expect(step.outcome?.rawValue == outcome.outcome, "\(step)")
        }
        #expect(Dictionary(grouping: record.hosts, by: \.outcome).mapValues(\.count) == ["updated": 3, "skipped": 1])
    }

    @Test("a good release across four hosts in [1, 50%, 100%]: every host on 2.0, locks gone, the journal complete")
    func goodRun() async throws {
        let fleet = try await Fleetlet()
        let report = try await fleet.action(Scene.v2).perform()
        #expect(report.result == .succeeded && report.exitCode == 0, "\(report)")
        for name in fleet.names { #expect(await fleet.docker(name).container("web")?.configImage == Scene.v2) }
        #expect(await fleet.locks().isEmpty)
        let record = try #require(try await fleet.journal.run(id: report.run))
        #expect(record.result == .succeeded)
        #expect(record.hosts.count == 4)
        #expect(try await fleet.journal.batches(run: report.run).count == 3)
    }

    @Test("an unreachable canary: its failure is in the journal, nothing was changed, so the run failed rather than rolled back")
    func unreachableCanary() async throws {
        let fleet = try await Fleetlet()
        let report = try await fleet.action(Scene.v2, unreachable: ["h1": "no route to host"]).perform()
        #expect(report.result == .failed, "\(report)")
        #expect(report.exitCode == 1)
        let record = try #require(try await fleet.journal.run(id: report.run))
        #expect(record.result == .failed)
        #expect(record.hosts.contains { $0.host == "h1" && $0.outcome == "failed" && $0.error?.contains("no route to host") == true })
        #expect(report.notStarted == ["h2", "h3", "h4"])
    }

    @Test("SIGTERM during the second batch's health wait: the batch is undone, the third never starts, every lock is released, exit 143, journaled interrupted")
    func interruptedRun() async throws {
        let fleet = try await Fleetlet()
        let interruption = Interruption()
        await fleet.docker("h2").inject(.init(.inspect, target: "web.molt-next", occurrence: 2, effect: .none) { interruption.escalate(signal: SIGTERM) })
        await fleet.docker("h3").publish(.init(reference: Scene.v2, env: ["PATH=/bin"], volumes: ["/data"], behaviour: .init(health: .neverReady, http: [8080: 200])))
        await fleet.docker("h2").publish(.init(reference: Scene.v2, env: ["PATH=/bin"], volumes: ["/data"], behaviour: .init(health: .neverReady, http: [8080: 200])))
        let report = try await fleet.action(Scene.v2, interruption: interruption).perform()
        #expect(report.exitCode == 143, "\(report)")
        #expect(report.result == .interrupted)
        #expect(report.notStarted == ["h4"])
        #expect(await fleet.docker("h1").container("web")?.configImage == Scene.v2)
        for name in ["h2", "h3", "h4"] {
            let web = await fleet.docker(name).container("web")
            #expect(web?.configImage == Scene.v1 && web?.running == true, "\(name)")
            let names = await fleet.docker(name).names
            #expect(names == ["web"], "\(name): \(names)")
        }
        #expect(await fleet.locks().isEmpty)
        #expect(try await fleet.journal.run(id: report.run)?.result == .interrupted)
        #expect(fleet.events.events.contains { $0.event == .hostInterrupted && $0.host == "h2" })
    }

    @Test("a journal that cannot be written mid-run: said loudly, no new batch starts, exit 1; the hosts in flight finish")
    func journalFailure() async throws {
        let fleet = try await Fleetlet()
        let path = fleet.journal.path
        // Someone damages the journal while the canary is checked.
        await fleet.docker("h1").inject(.init(.inspect, target: "web.molt-next", occurrence: 2, effect: .none) {
            if let queue = try? DatabaseQueue(path: path) {
                try? queue.write { try $0.execute(sql: "DROP TABLE outcomes") }
            }
        })
        let report = try await fleet.action(Scene.v2).perform()
        #expect(report.exitCode == 1, "\(report)")
        #expect(report.journalFailed)
        #expect(report.notStarted == ["h2", "h3", "h4"])
        #expect(await fleet.docker("h1").container("web")?.configImage == Scene.v2)
        #expect(await fleet.docker("h2").container("web")?.configImage == Scene.v1)
        #expect(fleet.events.texts.contains { $0.contains("cannot be written") })
        #expect(await fleet.locks().isEmpty)
    }

    @Test("a journal lost between batches (its start cannot be recorded): the next batch never starts, exit 1")
    func journalLostBetweenBatches() async throws {
        let fleet = try await Fleetlet()
        // The journal refuses batch 2's start, as a server stopped during the pause would.
        let queue = try DatabaseQueue(path: fleet.journal.path)
        try await queue.write {
            try $0.execute(sql: "CREATE TRIGGER refuse_batch_2 BEFORE INSERT ON batches WHEN NEW.idx = 2 BEGIN SELECT RAISE(ABORT, 'the server is gone'); END")
        }
        let report = try await fleet.action(Scene.v2).perform()
        #expect(report.exitCode == 1, "\(report)")
        #expect(report.journalFailed)
        #expect(report.notStarted == ["h2", "h3", "h4"])
        #expect(await fleet.docker("h1").container("web")?.configImage == Scene.v2)
        for name in ["h2", "h3", "h4"] { #expect(await fleet.docker(name).container("web")?.configImage == Scene.v1, "\(name)") }
        #expect(!fleet.events.events.contains { $0.event == .batchStarted && $0.batch == 2 })
        #expect(await fleet.locks().isEmpty)
    }

    @Test("another live run's lock: exit 4 naming it, nothing changed anywhere")
    func lockedByAnother() async throws {
        let fleet = try await Fleetlet()
        let other = RunIdentity(id: "other-run", user: "alice", coordinator: "elsewhere")
        _ = try await ServiceLock.acquire(on: fleet.docker("h3").engine(), host: "h3", service: "web", image: Scene.v1, playbook: "web", identity: other)
        let report = try await fleet.action(Scene.v2).perform()
        #expect(report.exitCode == 4)
        #expect(report.lockedBy?.holder.run == "other-run")
        for name in fleet.names { #expect(await fleet.docker(name).container("web")?.configImage == Scene.v1) }
        #expect(await fleet.locks() == ["h3"])
    }

    @Test("secrets from the environment and terminal escapes from logs never reach events or the journal")
    func secretsRedacted() async throws {
        let fleet = try await Fleetlet()
        let report = try await fleet.action(Scene.bad, batches: [.percent(100)]).perform()
        #expect(report.exitCode == 1)
        let texts = fleet.events.texts
        #expect(texts.contains { $0.contains("cannot read config") }, "the logs are shown")
        #expect(!texts.contains { $0.contains(Scene.secret) })
        #expect(!texts.contains { $0.contains("\u{1B}") })
        #expect(texts.contains { $0.contains(Redaction.mask) })
        let steps = try await fleet.journal.steps(run: report.run)
        #expect(!steps.isEmpty)
        #expect(!steps.contains { ($0.detail ?? "").contains(Scene.secret) })
        #expect(!report.outcomes.contains { ($0.logs + [$0.error ?? "", $0.message ?? ""]).contains { $0.contains(Scene.secret) } })
    }

    @Test("a lock that cannot be created on the only host: that host failed (exit 1), it was reached (not exit 5)")
    func lockCannotBeCreated() async throws {
        let fleet = try await Fleetlet()
        for name in fleet.names {
            await fleet.docker(name).inject(.init(.create, target: "molt-lock.web", effect: .fail(DockerError(.serverError, status: 500, "no space left on device"))))
        }
        let report = try await fleet.action(Scene.v2).perform()
        #expect(report.exitCode == 1, "\(report)")
        #expect(!report.noHostReached)
        #expect(report.outcomes.contains { $0.host == "h1" && $0.error?.contains("no space left on device") == true }, "\(report.outcomes)")
    }

    @Test("a pull that fails in the batch's prepull fails its host with the pull's own error, the old container untouched")
    func prepullFailureIsTheCause() async throws {
        let fleet = try await Fleetlet()
        await fleet.docker("h1").inject(.init(.pull, effect: .fail(DockerError(.registry, "pulling web:2.0: the engine sent nothing for 1m"))))
        // What fails next must not be taken for the cause.
        await fleet.docker("h1").inject(.init(.inspect, target: "web", occurrence: 3, effect: .fail(DockerError(.timeout, "closing a channel timed out"))))
        let report = try await fleet.action(Scene.v2).perform()
        let canary = try #require(report.outcomes.first { $0.host == "h1" })
        #expect(canary.kind == .failed)
        #expect(canary.error?.contains("the engine sent nothing for 1m") == true, "\(canary)")
        #expect(await fleet.docker("h1").container("web")?.configImage == Scene.v1)
    }

    @Test("with prepull: batch, the next batch pulls while this one is replaced; its hosts' containers wait for their turn")
    func nextBatchPullsAhead() async throws {
        let fleet = try await Fleetlet()
        let report = try await fleet.action(Scene.v2).perform()
        #expect(report.result == .succeeded, "\(report)")
        let events = fleet.events.events
        func index(_ match: (RolloutEvent) -> Bool) -> Int { events.firstIndex(where: match) ?? Int.max }
        let firstDone = index { $0.event == .batchFinished && $0.batch == 1 }
        let secondStarted = index { $0.event == .batchStarted && $0.batch == 2 }
        #expect(firstDone < secondStarted && secondStarted < events.count)
        // h2 and h3 (batch 2) pull during batch 1; nothing else happens to them before batch 2.
        for host in ["h2", "h3"] {
            #expect(index { $0.host == host && $0.message?.hasPrefix("pulling") == true } < firstDone)
            let work = index { $0.host == host && $0.message?.hasPrefix("pulling") != true && $0.event == .hostStep }
            #expect(work > secondStarted && work < events.count)
        }
        let h4 = index { $0.host == "h4" && $0.message?.hasPrefix("pulling") == true }
        #expect(h4 > secondStarted && h4 < events.count)
    }

    @Test("a pull ahead that fails fails its host when its batch comes, with the pull's error, the old container untouched")
    func pullAheadFailure() async throws {
        let fleet = try await Fleetlet()
        await fleet.docker("h2").inject(.init(.pull, effect: .fail(DockerError(.registry, "pulling web:2.0: manifest unknown"))))
        let report = try await fleet.action(Scene.v2).perform()
        let h2 = try #require(report.outcomes.first { $0.host == "h2" })
        #expect(h2.kind == .failed)
        #expect(h2.error?.contains("manifest unknown") == true, "\(h2)")
        #expect(await fleet.docker("h2").container("web")?.configImage == Scene.v1)
        #expect(await fleet.locks().isEmpty)
    }

    @Test("a canary that fails: the pull started ahead for batch 2 is abandoned, batch 2's containers are never touched")
    func pullAheadAbandoned() async throws {
        let fleet = try await Fleetlet()
        // The canary's new container dies at once; batch 2's pull hangs until it is abandoned.
        await fleet.docker("h1").inject(.init(.start, target: "web.molt-next", effect: .fail(DockerError(.serverError, "OCI runtime create failed"))))
        await fleet.docker("h2").inject(.init(.pull, effect: .hang))
        let report = try await fleet.action(Scene.v2).perform()
        #expect(report.exitCode == 1, "\(report)")
        #expect(report.notStarted.contains("h2"), "\(report)")
        for host in ["h2", "h3", "h4"] {
            #expect(await fleet.docker(host).container("web")?.configImage == Scene.v1)
            #expect(await fleet.docker(host).container("web.molt-prev") == nil)
        }
        #expect(await fleet.locks().isEmpty)
    }

    @Test("a pull ahead that never ends, even cancelled, holds the run only the abandon limit: a warning names its host, every lock is released and the run ends")
    func pullAheadStuck() async throws {
        let fleet = try await Fleetlet()
        await fleet.docker("h1").inject(.init(.start, target: "web.molt-next", effect: .fail(DockerError(.serverError, "OCI runtime create failed"))))
        await fleet.docker("h2").inject(.init(.pull, effect: .stuck))
        let started = ContinuousClock.now
        let action = try fleet.action(Scene.v2)
        let report = await HostDeadline.$pullAbandon.withValue(.milliseconds(300)) {
            await action.perform()
        }
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect(report.exitCode == 1, "\(report)")
        let warnings = fleet.events.events.filter { $0.message?.contains("did not stop within") == true }
        #expect(warnings.map(\.host) == ["h2"], "\(warnings)")
        #expect(await fleet.locks().isEmpty)
        for host in ["h2", "h3", "h4"] {
            #expect(await fleet.docker(host).container("web")?.configImage == Scene.v1)
        }
    }

    @Test("a lock release that never ends on one host is given up after the limit with a warning naming the host and the lock; every other host's lock is released")
    func lockReleaseStuck() async throws {
        let fleet = try await Fleetlet()
        await fleet.docker("h3").inject(.init(.remove, target: "molt-lock.web", effect: .stuck))
        let started = ContinuousClock.now
        let action = try fleet.action(Scene.v2)
        let report = await HostDeadline.$lockRelease.withValue(.milliseconds(300)) {
            await action.perform()
        }
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect(report.result == .succeeded, "\(report)")
        let warnings = fleet.events.events.filter { $0.message?.contains("could not remove the lock") == true }
        #expect(warnings.map(\.host) == ["h3"], "\(warnings)")
        #expect(warnings.first?.message?.contains("molt-lock.web on h3") == true && warnings.first?.message?.contains("molt unlock") == true)
        #expect(await fleet.locks() == ["h3"])
    }
}
