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

/// Canary gates on scripted hosts (SPEC §10): a hold watched by health and metric checks, a
/// failure that rolls the canary back, a manual gate that stops the run with its locks held,
/// and `molt promote` / `molt abort` taking it up.
@Suite("Canary gates on scripted hosts")
struct CanaryGateTests {
    /// Four scripted hosts with web 1.0, a journal, and metric readings a test scripts.
    final class Gatelet: @unchecked Sendable {
        let names = ["h1", "h2", "h3", "h4"]
        var scenes: [String: Scene] = [:]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("molt-gates-\(UUID().uuidString)").path
        let journal: Journal
        let events = EventLog()
        /// The readings, in order; the last one repeats.
        let readings: Mutex<(values: [String], count: Int)>
        /// Runs at each reading, with its number (from 1).
        var onReading: @Sendable (Int) async -> Void = { _ in }

        init(readings: [String] = ["0.001"]) async throws {
            for name in names { scenes[name] = try await Scene.make() }
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            journal = try await Journal.open(path: directory + "/journal.sqlite")
            self.readings = Mutex((readings, 0))
        }

        deinit { try? FileManager.default.removeItem(atPath: directory) }

        func docker(_ host: String) -> ScriptedDocker { scenes[host]!.docker }

        static let check = MetricCheck(url: "http://metrics.test/api/v1/query?query=errors", max: 0.01)

        static func gate(_ promote: Gate.Promotion = .auto, hold: Duration = .milliseconds(300)) -> Gate {
            Gate(after: [1], hold: hold, checks: [check], interval: .milliseconds(100), promote: promote)
        }

        /// A process that provably is gone: a waiting run's, whose lock only its state protects.
        static let gone = ProcessIdentity(machineID: ProcessIdentity.current.machineID, bootID: ProcessIdentity.current.bootID,
                                          pidNamespace: ProcessIdentity.current.pidNamespace, pid: 4_000_000, startTime: 1)

        func action(gates: [Gate], identity: RunIdentity = Scene.identity(), resume: GateResume? = nil,
                    image: String = Scene.v2) throws -> RolloutAction {
            var playbook = Playbook(source: "canary.yml", name: "web", hosts: "all", services: [Scene.service(image)], batches: [.count(1), .percent(100)])
            playbook.gates = gates
            let hosts = try names.map { try InventoryHost(name: $0) }
            let fleet = Fleet(hosts: hosts, settings: ConnectionSettings(defaultUser: "tester", homeDirectory: directory))
            let details = GateRunDetails(playbookText: "name: web", playbookSource: "canary.yml", hosts: names)
            return RolloutAction(playbook: playbook, fleet: fleet, identity: identity, reporter: events, journal: journal,
                                 connector: ScriptedConnector(hosts: scenes.mapValues(\.docker)), details: details, resume: resume,
                                 readMetric: { [self] check in
                                     let (value, number) = readings.withLock { state -> (String, Int) in
                                         state.count += 1
                                         return (state.values[min(state.count, state.values.count) - 1], state.count)
                                     }
                                     await self.onReading(number)
                                     let number_ = Double(value) ?? .nan
                                     let passed = check.max.map { number_ <= $0 } ?? true
                                     return MetricReading(value: value, passed: passed, reason: passed ? "≤ \(check.max ?? 0)" : "> max \(check.max ?? 0)")
                                 })
        }

        func images() async -> [String] {
            var found: [String] = []
            for name in names { found.append(await docker(name).container("web")?.configImage ?? "none") }
            return found
        }

        func locks() async -> [String] {
            var found: [String] = []
            for name in names where await docker(name).container("molt-lock.web") != nil { found.append(name) }
            return found
        }

        func kinds() -> [RolloutEvent.Kind] { events.events.map(\.event) }

        /// The run taken up again, as `molt promote` or `molt abort` does it from the journal.
        func resume(_ run: String, _ decision: GateResume.Decision) async throws -> (RunIdentity, GateResume) {
            #expect(try await journal.resumeRun(id: run, coordinator: "test", pid: 1, process: .current))
            let record = try #require(try await journal.run(id: run))
            let changed = record.hosts.filter { $0.outcome == "updated" }.map { ChangedService(host: $0.host, service: Scene.service()) }
            return (Scene.identity(run), GateResume(decision: decision, afterBatch: 1, changed: changed, failedHosts: []))
        }
    }

    @Test("an auto gate holds after the canary, checks the metric every interval, then goes on by itself")
    func autoGate() async throws {
        let fleet = try await Gatelet()
        let started = ContinuousClock.now
        let report = try await fleet.action(gates: [Gatelet.gate()]).perform()
        #expect(report.result == .succeeded && report.exitCode == 0, "\(report)")
        #expect(ContinuousClock.now - started >= .milliseconds(300), "the hold lasted")
        #expect(await fleet.images() == Array(repeating: Scene.v2, count: 4))
        let kinds = fleet.kinds()
        let gateStarted = try #require(kinds.firstIndex(of: .gateStarted))
        let passed = try #require(kinds.firstIndex(of: .gatePassed))
        let secondBatch = try #require(kinds.indices.filter { kinds[$0] == .batchStarted }.dropFirst().first)
        #expect(gateStarted < passed && passed < secondBatch, "the second batch starts after the gate passed")
        #expect(kinds.filter { $0 == .gateCheck }.count >= 3, "checked at 0, 100, 200 and 300 ms")
        #expect(await fleet.locks().isEmpty)
        let steps = try await fleet.journal.steps(run: report.run)
        #expect(steps.contains { $0.step == .gate(afterBatch: 1) && $0.outcome == .passed })
        #expect(steps.filter { $0.step == .check && $0.outcome == .ok }.count >= 3)
    }

    @Test("a metric that goes bad during the hold rolls the canary back, exit 1, the other hosts never touched")
    func badMetric() async throws {
        let fleet = try await Gatelet(readings: ["0.001", "0.002", "0.5"])
        let report = try await fleet.action(gates: [Gatelet.gate(hold: .seconds(30))]).perform()
        #expect(report.result == .rolledBack && report.exitCode == 1, "\(report)")
        #expect(await fleet.images() == Array(repeating: Scene.v1, count: 4))
        #expect(report.notStarted == ["h2", "h3", "h4"])
        for name in ["h2", "h3", "h4"] {
            #expect(await fleet.docker(name).calls.allSatisfy { !$0.hasPrefix("stop") && !$0.hasPrefix("create web") }, "\(name) was touched")
        }
        #expect(report.message?.contains("the gate failed") == true, "\(report.message ?? "")")
        #expect(fleet.events.events.contains { $0.event == .gateFailed && $0.error?.contains("0.5") == true })
        #expect(try await fleet.journal.steps(run: report.run).contains { $0.step == .gate(afterBatch: 1) && $0.outcome == .failed })
        #expect(await fleet.locks().isEmpty)
    }

    @Test("the canary's container exiting during the hold fails the gate: rolled back")
    func canaryDiesDuringHold() async throws {
        let fleet = try await Gatelet()
        let docker = fleet.docker("h1")
        fleet.onReading = { number in
            if number == 2 { await docker.kill("web", exitCode: 139) }
        }
        let report = try await fleet.action(gates: [Gatelet.gate(hold: .seconds(30))]).perform()
        #expect(report.result == .rolledBack, "\(report)")
        #expect(fleet.events.events.contains { $0.event == .gateFailed && $0.error?.contains("h1/web: the container is exited") == true },
                "\(fleet.events.events.filter { $0.event == .gateFailed })")
        #expect(await fleet.images().dropFirst().allSatisfy { $0 == Scene.v1 })
    }

    @Test("a manual gate: exit 6 after the hold, only the canary on the new release, every lock held and marked waiting, the journal says waiting")
    func manualGateWaits() async throws {
        let fleet = try await Gatelet()
        var identity = Scene.identity()
        identity.process = Gatelet.gone
        let report = try await fleet.action(gates: [Gatelet.gate(.manual)], identity: identity).perform()
        #expect(report.result == .waiting && report.exitCode == 6, "\(report)")
        #expect(report.waitingAfter == 1)
        #expect(await fleet.images() == [Scene.v2, Scene.v1, Scene.v1, Scene.v1])
        #expect(await fleet.locks() == fleet.names, "every lock stays with the run")
        for name in fleet.names {
            let state = try await ServiceLock.state(on: fleet.docker(name).engine(), service: "web", run: report.run)
            #expect(state?.phase == .waiting && state?.batch == 1)
            #expect(state?.container == (await fleet.docker(name).container("web")?.id))
        }
        let run = try #require(try await fleet.journal.run(id: report.run))
        #expect(run.result == .waiting)
        #expect(try GateRunDetails.decode(try #require(run.details)).waitingAfter == 1)
        #expect(fleet.kinds().contains(.runWaiting))

        // The waiting run's process is gone, yet its locks are not taken over: a second rollout is exit 4, naming it.
        let second = try await fleet.action(gates: []).perform()
        #expect(second.exitCode == 4, "\(second)")
        #expect(second.lockedBy?.waiting != nil)
        #expect(second.lockedBy?.description.contains("waiting at its gate after batch 1") == true, "\(second.lockedBy?.description ?? "")")
        #expect(second.lockedBy?.description.contains("molt promote \(report.run)") == true)
        #expect(await fleet.images() == [Scene.v2, Scene.v1, Scene.v1, Scene.v1])
    }

    @Test("promote takes the waiting run up: the next batches under the same run ID, every host on the new release, locks gone, the journal succeeded")
    func promote() async throws {
        let fleet = try await Gatelet()
        let waiting = try await fleet.action(gates: [Gatelet.gate(.manual)]).perform()
        #expect(waiting.exitCode == 6)
        let (identity, resume) = try await fleet.resume(waiting.run, .promote)
        let report = try await fleet.action(gates: [Gatelet.gate(.manual)], identity: identity, resume: resume).perform()
        #expect(report.result == .succeeded && report.exitCode == 0, "\(report)")
        #expect(report.run == waiting.run)
        #expect(await fleet.images() == Array(repeating: Scene.v2, count: 4))
        #expect(await fleet.locks().isEmpty)
        let run = try #require(try await fleet.journal.run(id: waiting.run))
        #expect(run.result == .succeeded)
        #expect(Set(run.hosts.filter { $0.outcome == "updated" }.map(\.host)) == Set(fleet.names))
        #expect(try await fleet.journal.steps(run: waiting.run).contains { $0.step == .gate(afterBatch: 1) && $0.outcome == .promoted })
        // The canary's batch is not run again.
        #expect(fleet.events.events.filter { $0.event == .batchStarted }.compactMap(\.batch) == [1, 2])
    }

    @Test("a later failure after a promote rolls back the canary too, though another process changed it")
    func promoteThenFailure() async throws {
        let fleet = try await Gatelet()
        // h3's copy of the release never becomes healthy.
        await fleet.docker("h3").publish(.init(reference: Scene.v2, env: ["PATH=/bin"], volumes: ["/data"],
                                               behaviour: .init(health: .unhealthyAfter(2), http: [8080: 500])))
        let waiting = try await fleet.action(gates: [Gatelet.gate(.manual)]).perform()
        #expect(waiting.exitCode == 6)
        let (identity, resume) = try await fleet.resume(waiting.run, .promote)
        let report = try await fleet.action(gates: [Gatelet.gate(.manual)], identity: identity, resume: resume).perform()
        #expect(report.result == .rolledBack && report.exitCode == 1, "\(report)")
        #expect(await fleet.images() == Array(repeating: Scene.v1, count: 4))
        #expect(report.undone.contains { $0.host == "h1" && $0.kind == .rolledBack }, "\(report.undone)")
        #expect(await fleet.locks().isEmpty)
    }

    @Test("abort puts the canary back and releases every lock; the journal says rolledback, with the decision")
    func abort() async throws {
        let fleet = try await Gatelet()
        let waiting = try await fleet.action(gates: [Gatelet.gate(.manual)]).perform()
        let (identity, resume) = try await fleet.resume(waiting.run, .abort)
        let report = try await fleet.action(gates: [Gatelet.gate(.manual)], identity: identity, resume: resume).perform()
        #expect(report.result == .rolledBack && report.exitCode == 0, "what was asked was done: \(report)")
        #expect(await fleet.images() == Array(repeating: Scene.v1, count: 4))
        #expect(await fleet.locks().isEmpty)
        #expect(try await fleet.journal.run(id: waiting.run)?.result == .rolledBack)
        #expect(try await fleet.journal.steps(run: waiting.run).contains { $0.step == .gate(afterBatch: 1) && $0.outcome == .aborted })
        for name in ["h2", "h3", "h4"] {
            #expect(await fleet.docker(name).calls.allSatisfy { !$0.hasPrefix("stop") }, "\(name) was never stopped")
        }
    }

    @Test("a promote after someone changed the canary by hand refuses, naming it; nothing is done and the run still waits")
    func promoteRefusesChangedCanary() async throws {
        let fleet = try await Gatelet()
        let waiting = try await fleet.action(gates: [Gatelet.gate(.manual)]).perform()
        // By hand: web on h1 replaced by a fresh 1.0 container.
        let h1 = fleet.docker("h1")
        try await h1.remove("web")
        try await h1.run("web", image: Scene.v1, binds: ["web-data:/data"])
        let (identity, resume) = try await fleet.resume(waiting.run, .promote)
        let report = try await fleet.action(gates: [Gatelet.gate(.manual)], identity: identity, resume: resume).perform()
        #expect(report.exitCode == 1 && report.refused, "\(report)")
        #expect(report.message?.contains("h1/web: web is not the container run \(waiting.run) left at its gate") == true, "\(report.message ?? "")")
        #expect(await fleet.images() == [Scene.v1, Scene.v1, Scene.v1, Scene.v1])
        #expect(await fleet.locks() == fleet.names)
        #expect(try await fleet.journal.run(id: waiting.run)?.result == .waiting)
        for name in fleet.names {
            #expect(try await ServiceLock.state(on: fleet.docker(name).engine(), service: "web", run: waiting.run)?.phase == .waiting)
        }
        // It can still be aborted: the hand-made container is left as it is.
        let (abortIdentity, abortResume) = try await fleet.resume(waiting.run, .abort)
        let aborted = try await fleet.action(gates: [], identity: abortIdentity, resume: abortResume).perform()
        #expect(await fleet.locks().isEmpty, "\(aborted)")
    }

    @Test("the journal takes a waiting run up once: a second promote of the same run is refused")
    func resumedOnce() async throws {
        let fleet = try await Gatelet()
        let waiting = try await fleet.action(gates: [Gatelet.gate(.manual)]).perform()
        #expect(try await fleet.journal.resumeRun(id: waiting.run, coordinator: "a", pid: 1, process: .current))
        #expect(try await !fleet.journal.resumeRun(id: waiting.run, coordinator: "b", pid: 2, process: .current))
    }
}
