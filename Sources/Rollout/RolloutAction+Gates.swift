import DockerEngine
import Durations
import Fleet
import Foundation
import Inventory
import Journal
public import Playbook

/// What the journal keeps of a run whose playbook has a manual gate, so that `molt promote`
/// and `molt abort` need only the run's ID and the inventory (SPEC §10).
public struct GateRunDetails: Sendable, Hashable, Codable {
    /// The playbook as written, and where it was read from.
    public var playbookText: String
    public var playbookSource: String
    /// `--image`, when the rollout was given one.
    public var image: String?
    /// The run's hosts in order: the batches are made from them again.
    public var hosts: [String]
    /// The batch whose gate the run waits at.
    public var waitingAfter: Int?

    public init(playbookText: String, playbookSource: String, image: String? = nil, hosts: [String], waitingAfter: Int? = nil) {
        self.playbookText = playbookText
        self.playbookSource = playbookSource
        self.image = image
        self.hosts = hosts
        self.waitingAfter = waitingAfter
    }

    enum CodingKeys: String, CodingKey {
        case image, hosts
        case playbookText = "playbook_text"
        case playbookSource = "playbook_source"
        case waitingAfter = "waiting_after"
    }

    public func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    public static func decode(_ text: String) throws -> GateRunDetails {
        try JSONDecoder().decode(GateRunDetails.self, from: Data(text.utf8))
    }
}

/// A run waiting at a gate, taken up again.
public struct GateResume: Sendable {
    public enum Decision: String, Sendable {
        /// Go on with the next batches.
        case promote
        /// Put back every host the run changed.
        case abort
    }

    public var decision: Decision
    /// The batch (1-based) whose gate the run waits at: the batches up to it have run.
    public var afterBatch: Int
    /// What the run changed before it stopped: every service it updated, by host.
    public var changed: [ChangedService]
    /// The hosts that failed before it stopped (they count against `max_failures`).
    public var failedHosts: Set<String>

    public init(decision: Decision, afterBatch: Int, changed: [ChangedService], failedHosts: Set<String>) {
        self.decision = decision
        self.afterBatch = afterBatch
        self.changed = changed
        self.failedHosts = failedHosts
    }
}

/// A service a run updated on a host: what undoing the run puts back.
public struct ChangedService: Sendable {
    public var host: String
    public var service: Service

    public init(host: String, service: Service) {
        self.host = host
        self.service = service
    }
}

/// How a gate's hold ended.
enum GateVerdict {
    case passed
    case failed(String)
    case interrupted
}

extension RolloutAction {
    // MARK: The hold

    /// Holds after batch `number`: until `gate.hold` has passed, every `gate.interval` the
    /// batch's containers must still be the ones it made, running, not unhealthy and not
    /// restarted, and every metric check must pass (SPEC §10).
    func hold(_ gate: Gate, after number: Int, of count: Int, watching outcomes: [ServiceOutcome],
              _ sessions: HostSessions, _ record: RunJournal) async -> GateVerdict {
        let run = identity.id
        let clock = ContinuousClock()
        let end = clock.now + gate.hold
        let checks = gate.checks.count
        let plan = "hold \(DurationText.format(gate.hold))"
            + (checks == 0 ? "" : ", \(checks) metric check\(checks == 1 ? "" : "s") every \(DurationText.format(gate.interval))")
            + ", promote \(gate.promote.rawValue)"
        reporter.report(RolloutEvent(.gateStarted, run: run, batch: number, message: "gate after batch \(number) of \(count): \(plan)"))
        let step = await record.write { try await $0.startStep(run: run, host: "", service: "gate", step: .gate(afterBatch: number), started: Date()) }
        func decide(_ outcome: StepRecord.Outcome, _ detail: String) async {
            if let step { await record.write { try await $0.finishStep(id: step, finished: Date(), outcome: outcome, detail: detail) } }
        }

        let byHost = Dictionary(grouping: outcomes, by: \.host).mapValues { $0.map(\.service) }
        var baseline: [String: Watched] = [:]
        var latest: [String] = []
        while true {
            let left = max(.zero, end - clock.now)
            // The batch's containers, as Docker sees them.
            let seen = await concurrentMap(byHost.keys.sorted(), limit: fleet.settings.forks) { host in
                await sessions.with(host) { connection -> [(String, Result<Watched?, any Error>)] in
                    var found: [(String, Result<Watched?, any Error>)] = []
                    for service in byHost[host] ?? [] {
                        do {
                            var watched: Watched?
                            if try await connection.engine.container(named: service) != nil {
                                watched = Watched(try await connection.engine.inspectContainer(service))
                            }
                            found.append(("\(host)/\(service)", .success(watched)))
                        } catch {
                            found.append(("\(host)/\(service)", .failure(error)))
                        }
                    }
                    return found
                }
            }
            var problems: [String] = []
            for (host, result) in zip(byHost.keys.sorted(), seen) {
                switch result {
                case .failure(let failure): problems.append("\(host): \(failure.message)")
                case .success(let found):
                    for (label, state) in found {
                        switch state {
                        case .failure(let error): problems.append("\(label): \(ErrorText.oneLine(error, besideHost: true))")
                        case .success(nil): problems.append("\(label): the container is gone")
                        case .success(let now?):
                            if let problem = now.problem(since: baseline[label]) { problems.append("\(label): \(problem)") }
                            baseline[label] = baseline[label] ?? now
                        }
                    }
                }
            }
            // The metric checks, from here.
            var readings: [String] = []
            for check in gate.checks {
                let reading = await readMetric(check)
                let line = "\(check.url): \(reading.value ?? "no value") (\(reading.reason))"
                readings.append(line)
                if let id = await record.write({ try await $0.startStep(run: run, host: "", service: "gate", step: .check, started: Date()) }) {
                    await record.write { try await $0.finishStep(id: id, finished: Date(), outcome: reading.passed ? .ok : .failed, detail: line) }
                }
                if !reading.passed { problems.append(line) }
            }
            latest = readings
            let remaining = DurationText.format(.seconds(left.seconds.rounded(.down)))
            reporter.report(RolloutEvent(.gateCheck, run: run, batch: number,
                                         message: "gate after batch \(number): \(problems.isEmpty ? "ok" : "FAILING"), \(remaining) left"
                                            + (readings.isEmpty ? "" : "; " + readings.joined(separator: "; "))))
            if !problems.isEmpty {
                let reason = problems.joined(separator: "; ")
                reporter.report(RolloutEvent(.gateFailed, run: run, batch: number, error: "gate after batch \(number): \(reason)"))
                await decide(.failed, reason)
                return .failed(reason)
            }
            if clock.now >= end { break }
            do {
                let pause = min(gate.interval, end - clock.now)
                try await interruption.run(until: .stop) { try await Task.sleep(for: pause) }
            } catch {
                await decide(.interrupted, latest.joined(separator: "\n"))
                return .interrupted
            }
        }
        let decision: StepRecord.Outcome = gate.promote == .manual ? .waiting : .passed
        reporter.report(RolloutEvent(.gatePassed, run: run, batch: number,
                                     message: "gate after batch \(number) passed" + (gate.promote == .manual ? "; promotion is manual" : "")))
        await decide(decision, latest.joined(separator: "\n"))
        return .passed
    }

    /// What the hold sees of one container.
    struct Watched {
        var id: String
        var running: Bool
        var health: String?
        var restarts: Int
        var status: String

        init(_ details: ContainerDetails) {
            id = details.id
            running = details.state.running && !details.state.restarting
            health = details.state.health?.status
            restarts = details.restartCount
            status = details.state.status
        }

        /// What is wrong now, against what the hold first saw.
        func problem(since first: Watched?) -> String? {
            if let first, first.id != id { return "the container was replaced during the hold (\(first.id.prefix(12)) → \(id.prefix(12)))" }
            if !running { return "the container is \(status)" }
            if health == "unhealthy" { return "Docker calls the container unhealthy" }
            if let first, restarts > first.restarts { return "the container restarted \(restarts - first.restarts) time(s) during the hold" }
            return nil
        }
    }

    // MARK: Waiting, and taking up again

    /// Stops the run at its gate: every lock says the run waits, with the service's container
    /// as it is now (a promote checks it); the journal keeps what `molt promote` needs.
    func park(after number: Int, _ locks: [(String, String)], _ sessions: HostSessions, _ record: RunJournal) async {
        let run = identity.id
        let byHost = Dictionary(grouping: locks, by: \.0).mapValues { $0.map(\.1) }
        let reporter = self.reporter
        let hosts = fleet.hosts.map(\.name).filter { byHost[$0] != nil }
        _ = await concurrentMap(hosts, limit: fleet.settings.forks) { host in
            let done = await sessions.with(host) { connection -> String? in
                for service in byHost[host] ?? [] {
                    do {
                        let live = try await connection.engine.container(named: service)
                        let state = ServiceLock.State(phase: .waiting, run: run, batch: number, container: live?.id)
                        guard try await ServiceLock.write(state, on: connection.engine, service: service) else {
                            return "the lock of \(service) is no longer this run's"
                        }
                    } catch {
                        return "could not mark the lock of \(service) as waiting: \(ErrorText.oneLine(error, besideHost: true))"
                    }
                }
                return nil
            }
            let problem: String? = switch done {
            case .success(let problem): problem
            case .failure(let failure): failure.message
            }
            if let problem {
                reporter.report(RolloutEvent(.hostStep, run: run, host: host,
                                             message: "warning: \(problem); its lock may be taken over once this process has ended"))
            }
        }
        if var details {
            details.waitingAfter = number
            await record.write { try await $0.setDetails(id: run, details: try details.encoded()) }
        }
        reporter.report(RolloutEvent(.runWaiting, run: run, batch: number,
                                     message: "run \(run) waits at its gate after batch \(number), its locks held: "
                                        + "`molt promote \(run)` goes on with the next batches, `molt abort \(run)` rolls back what it changed"))
    }

    /// Why the hosts are not as the run left them at its gate, or nil when they are: each lock
    /// is this run's, says it waits, and its service's container is the one it noted then.
    func checkGate(_ resume: GateResume, _ locks: [(String, String)], _ sessions: HostSessions) async -> String? {
        let run = identity.id
        let byHost = Dictionary(grouping: locks, by: \.0).mapValues { $0.map(\.1) }
        let hosts = fleet.hosts.map(\.name).filter { byHost[$0] != nil }
        let found = await concurrentMap(hosts, limit: fleet.settings.forks) { host -> [String] in
            let done = await sessions.with(host) { connection -> [String] in
                var problems: [String] = []
                for service in byHost[host] ?? [] {
                    do {
                        guard let state = try await ServiceLock.state(on: connection.engine, service: service, run: run),
                              state.phase == .waiting else {
                            problems.append("\(host)/\(service): its lock is not the one run \(run) left at its gate (it was removed or taken up since)")
                            continue
                        }
                        let live = try await connection.engine.container(named: service)?.id
                        if live != state.container {
                            problems.append("\(host)/\(service): \(service) is not the container run \(run) left at its gate "
                                            + "(then \(state.container.map { String($0.prefix(12)) } ?? "none"), now \(live.map { String($0.prefix(12)) } ?? "none")): "
                                            + "someone changed it by hand")
                        }
                    } catch {
                        problems.append("\(host)/\(service): could not be checked: \(ErrorText.oneLine(error, besideHost: true))")
                    }
                }
                return problems
            }
            switch done {
            case .success(let problems): return problems
            case .failure(let failure): return ["\(host): \(failure.message)"]
            }
        }
        let problems = found.flatMap { $0 }
        guard !problems.isEmpty else { return nil }
        return "nothing was done, the run still waits at its gate after batch \(resume.afterBatch): " + problems.joined(separator: "; ")
            + ". Look at what changed; `molt abort \(run)` rolls back what the run changed"
    }

    /// Every lock of the run names this process from now on.
    func markResumed(_ locks: [(String, String)], _ sessions: HostSessions) async {
        let identity = self.identity
        let byHost = Dictionary(grouping: locks, by: \.0).mapValues { $0.map(\.1) }
        let hosts = fleet.hosts.map(\.name).filter { byHost[$0] != nil }
        _ = await concurrentMap(hosts, limit: fleet.settings.forks) { host in
            _ = await sessions.with(host) { connection in
                for service in byHost[host] ?? [] {
                    let state = ServiceLock.State(phase: .resumed, run: identity.id, process: identity.process)
                    _ = try? await ServiceLock.write(state, on: connection.engine, service: service)
                }
            }
        }
    }
}

extension RunJournal {
    /// A gate's decision, as a step of the run.
    func gate(after number: Int, outcome: StepRecord.Outcome, detail: String?) async {
        guard let id = await write({ try await $0.startStep(run: runID, host: "", service: "gate", step: .gate(afterBatch: number), started: Date()) }) else { return }
        await write { try await $0.finishStep(id: id, finished: Date(), outcome: outcome, detail: detail) }
    }
}
