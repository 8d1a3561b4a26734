public import DockerEngine
public import Fleet
import Foundation
import Inventory
public import Playbook

/// `molt trial`: step 3 alone, on the first batch's hosts (or `--limit`). Changes nothing live.
public struct TrialAction: Sendable {
    public var playbook: Playbook
    public var fleet: Fleet
    public var identity: RunIdentity
    public var reporter: any RolloutReporter
    public var registryAuth: @Sendable (String) async throws -> RegistryAuth?
    public var interruption: Interruption
    public var redaction: Redaction

    public init(playbook: Playbook, fleet: Fleet, identity: RunIdentity, reporter: any RolloutReporter,
                registryAuth: @escaping @Sendable (String) async throws -> RegistryAuth? = { _ in nil },
                interruption: Interruption = Interruption(), redaction: Redaction = Redaction()) {
        self.playbook = playbook
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
                var outcome = await TrialRun(target: target, trial: service.trial ?? TrialSpec(), identity: identity,
                                             settings: settings, interruption: interruption).run()
                try await ServiceLock.release(on: host.engine, service: service.container, identity: identity)
                outcome.error = redaction.redact(outcome.error)
                outcome.logs = outcome.logs.map(redaction.redact)
                trials.append(outcome)
            }
            return trials
        }
        var report = TrialReport(run: run, trials: [], unreachable: [])
        report.interruptedBy = interruption.signal
        for outcome in outcomes {
            switch outcome.result {
            case .success(let trials): report.trials += trials
            case .failure(let failure):
                if failure.cause is LockHeld { report.locked = true }
                report.unreachable.append(redaction.redact(failure.description))
            }
        }
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

    enum CodingKeys: String, CodingKey {
        case run, trials, unreachable
    }

    /// SPEC §5 exit codes: 0 all passed, 1 a trial failed, 3 some hosts unreachable, 4 locked, 5 none reachable.
    public var exitCode: Int32 {
        if let interruptedBy { return 128 + interruptedBy }
        if locked { return 4 }
        if trials.isEmpty && !unreachable.isEmpty { return 5 }
        if trials.contains(where: { $0.result == .failed }) { return 1 }
        if !unreachable.isEmpty { return 3 }
        return 0
    }
}
