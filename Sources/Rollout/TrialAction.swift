public import DockerEngine
public import Fleet
import Durations
import Foundation
import Inventory
public import Journal
public import Playbook

/// `molt trial`: step 3 alone, on the first batch's hosts (or `--limit`). Changes nothing live.
///
/// Journaled as the other commands are: a run with command `trial`, a `trial` step for each
/// service rehearsed on each host, each service's outcome (`passed`, `failed`, `skipped` or
/// `interrupted`) and the run's result.
public struct TrialAction: Sendable {
    public var playbook: Playbook
    public var fleet: Fleet
    public var identity: RunIdentity
    public var reporter: any RolloutReporter
    public var registryAuth: @Sendable (String) async throws -> RegistryAuth?
    public var interruption: Interruption
    public var redaction: Redaction
    /// Where the trial is recorded; nil records nothing.
    public var journal: Journal?

    public init(playbook: Playbook, fleet: Fleet, identity: RunIdentity, reporter: any RolloutReporter,
                registryAuth: @escaping @Sendable (String) async throws -> RegistryAuth? = { _ in nil },
                interruption: Interruption = Interruption(), redaction: Redaction = Redaction(), journal: Journal? = nil) {
        self.playbook = playbook
        self.journal = journal
        self.fleet = fleet
        self.identity = identity
        self.reporter = RedactingReporter(base: reporter, redaction: redaction)
        self.interruption = interruption
        self.redaction = redaction
        self.registryAuth = redaction.guarding(playbook, registryAuth: registryAuth)
    }

    public func perform() async -> TrialReport {
        let run = identity.id
        let settings = ReplacementSettings(playbook: playbook, registryAuth: registryAuth)
        let identity = self.identity
        let reporter = self.reporter
        let interruption = self.interruption
        let redaction = self.redaction
        let playbookName = playbook.name
        let services = playbook.services
        let record = RunJournal(journal: journal, reporter: reporter, run: run)
        await record.write { [playbook] in try await $0.startRun(RunStart(
            id: run, command: "trial", playbookName: playbook.name, playbookPath: playbook.source, user: identity.user,
            coordinator: identity.coordinator, pid: identity.pid, process: identity.process,
            started: identity.started, hosts: fleet.hosts.map(\.name))) }
        if let failure = record.failure {
            var report = TrialReport(run: run, trials: [], unreachable: [])
            report.journalFailure = "\(failure); nothing was done"
            return report
        }
        reporter.report(RolloutEvent(.runStarted, run: run, message: "trial of \(playbook.name) on \(fleet.hosts.map(\.name).joined(separator: ", "))",
                                     hosts: fleet.hosts.map(\.name)))
        let outcomes = await fleet.visit { connection in
            var trials: [TrialOutcome] = []
            let host = RolloutHost(connection)
            for service in services {
                let target = ServiceOnHost(host: host, service: service) { message in
                    reporter.report(RolloutEvent(.hostStep, run: run, host: host.name, service: service.container, message: message))
                }
                guard let live = try await target.inspect(service.container) else {
                    trials.append(TrialOutcome(host: host.name, service: service.container, result: .skipped, seconds: 0,
                                               error: "no container named \(service.container)", logs: [], clones: []))
                    continue
                }
                redaction.learn(live)
                if interruption.level >= .stop {
                    trials.append(TrialOutcome(host: host.name, service: service.container, result: .interrupted, seconds: 0, logs: [], clones: []))
                    continue
                }
                _ = try await ServiceLock.acquire(on: host.engine, host: host.name, service: service.container, image: live.image,
                                                  playbook: playbookName, identity: identity)
                // The step is in the journal before the trial starts, so a killed run shows where it was.
                let step = await record.write { try await $0.startStep(run: run, host: host.name, service: service.container, step: .trial, started: Date()) }
                var outcome = await TrialRun(target: target, trial: service.trial ?? TrialSpec(), identity: identity,
                                             settings: settings, interruption: interruption).run()
                outcome.error = redaction.redact(outcome.error)
                outcome.logs = outcome.logs.map(redaction.redact)
                if let step {
                    let detail = ([outcome.error].compactMap { $0 } + outcome.logs).joined(separator: "\n").nilIfEmpty
                    await record.write { [outcome] in try await $0.finishStep(id: step, finished: Date(), outcome: outcome.result.step, detail: detail) }
                }
                try await ServiceLock.release(on: host.engine, service: service.container, identity: identity)
                trials.append(outcome)
            }
            return trials
        }
        var report = TrialReport(run: run, trials: [], unreachable: [])
        report.interruptedBy = interruption.signal
        let images = Dictionary(services.map { ($0.container, $0.image) }, uniquingKeysWith: { first, _ in first })
        var recorded: [HostOutcomeRecord] = []
        for outcome in outcomes {
            switch outcome.result {
            case .success(let trials):
                report.trials += trials
                recorded += trials.map { trial in
                    HostOutcomeRecord(run: run, host: trial.host, service: trial.service, container: trial.service, from: nil,
                                      to: images[trial.service], outcome: trial.result.rawValue, seconds: trial.seconds,
                                      error: trial.error, at: Date())
                }
            case .failure(let failure):
                if failure.cause is LockHeld { report.locked = true }
                let line = redaction.redact(failure.description)
                report.unreachable.append(line)
                recorded += services.map { service in
                    HostOutcomeRecord(run: run, host: outcome.host.name, service: service.container, container: service.container,
                                      from: nil, to: service.image, outcome: TrialOutcome.Result.failed.rawValue,
                                      seconds: outcome.elapsed.seconds, error: line, at: Date())
                }
            }
        }
        for outcome in recorded {
            await record.write { try await $0.recordOutcome(outcome) }
        }
        await record.write { [report] in try await $0.finishRun(id: run, result: report.result, finished: Date()) }
        report.journalFailure = record.failure
        for trial in report.trials {
            switch trial.result {
            case .passed:
                reporter.report(RolloutEvent(.hostStep, run: run, host: trial.host, service: trial.service, seconds: trial.seconds,
                                             message: String(format: "trial passed in %.1fs", trial.seconds)))
            case .skipped:
                reporter.report(RolloutEvent(.hostSkipped, run: run, host: trial.host, service: trial.service, message: trial.error))
            case .failed:
                reporter.report(RolloutEvent(.hostFailed, run: run, host: trial.host, service: trial.service, seconds: trial.seconds,
                                             error: trial.error, logs: trial.logs.isEmpty ? nil : trial.logs))
            case .interrupted:
                reporter.report(RolloutEvent(.hostInterrupted, run: run, host: trial.host, service: trial.service, seconds: trial.seconds,
                                             message: "interrupted; the live container was not touched"))
            }
        }
        return report
    }
}

/// Everything `molt trial` found. Encodes to `{"trials":[…]}`.
public struct TrialReport: Sendable, Encodable {
    public var run: String
    public var trials: [TrialOutcome]
    /// Hosts that could not be reached or asked, as one line each.
    public var unreachable: [String]
    /// Another run held a lock.
    public var locked = false
    /// The signal that stopped the trial.
    public var interruptedBy: Int32?
    /// Why the journal could not be written, when it could not.
    public var journalFailure: String?

    /// How the run ended, as the journal records it: `succeeded` when every trial passed (or
    /// was skipped), `partial` when some hosts could not be reached, else `failed`, `locked` or
    /// `interrupted`.
    public var result: RunRecord.Result {
        if interruptedBy != nil { return .interrupted }
        if locked { return .locked }
        if trials.isEmpty && !unreachable.isEmpty { return .failed }
        if trials.contains(where: { $0.result == .failed }) { return .failed }
        if !unreachable.isEmpty { return .partial }
        return .succeeded
    }

    enum CodingKeys: String, CodingKey {
        case run, trials, unreachable
    }

    /// SPEC §5 exit codes: 0 all passed, 1 a trial failed (or the journal could not be written),
    /// 3 some hosts unreachable, 4 locked, 5 none reachable.
    public var exitCode: Int32 {
        if let interruptedBy { return 128 + interruptedBy }
        if locked { return 4 }
        if trials.isEmpty && !unreachable.isEmpty { return 5 }
        if trials.contains(where: { $0.result == .failed }) || journalFailure != nil { return 1 }
        if !unreachable.isEmpty { return 3 }
        return 0
    }
}

extension TrialOutcome.Result {
    /// How the journal's `trial` step ended: as the trial did.
    var step: StepRecord.Outcome {
        switch self {
        case .passed: .passed
        case .failed: .failed
        case .skipped: .skipped
        case .interrupted: .interrupted
        }
    }
}
