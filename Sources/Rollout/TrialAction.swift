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
    public var registryAuth: @Sendable (String) -> RegistryAuth?

    public init(playbook: Playbook, fleet: Fleet, identity: RunIdentity, reporter: any RolloutReporter,
                registryAuth: @escaping @Sendable (String) -> RegistryAuth? = { _ in nil }) {
        self.playbook = playbook
        self.fleet = fleet
        self.identity = identity
        self.reporter = reporter
        self.registryAuth = registryAuth
    }

    public func perform() async -> TrialReport {
        let run = identity.id
        let settings = ReplacementSettings(playbook: playbook, registryAuth: registryAuth)
        let identity = self.identity
        let reporter = self.reporter
        let playbookName = playbook.name
        let services = playbook.services
        reporter.report(RolloutEvent(.runStarted, run: run, message: "trial of \(playbook.name) on \(fleet.hosts.map(\.name).joined(separator: ", "))",
                                     hosts: fleet.hosts.map(\.name)))
        let outcomes = await fleet.visit { connection in
            var trials: [TrialOutcome] = []
            for service in services {
                let host = connection.host.name
                let replacement = Replacement(connection: connection, service: service, settings: settings, identity: identity) { message in
                    reporter.report(RolloutEvent(.hostStep, run: run, host: host, service: service.container, message: message))
                }
                let spec = service.trial ?? TrialSpec()
                guard let lockImage = try await replacement.inspect(service.container)?.image else {
                    trials.append(TrialOutcome(host: host, service: service.container, result: .skipped, seconds: 0,
                                               error: "no container named \(service.container)", logs: [], clones: []))
                    continue
                }
                _ = try await ServiceLock.acquire(on: connection, service: service.container, image: lockImage, playbook: playbookName, identity: identity)
                let outcome = await TrialRun(replacement: replacement, trial: spec).run()
                await ServiceLock.release(on: connection, service: service.container, identity: identity)
                trials.append(outcome)
            }
            return trials
        }
        var report = TrialReport(run: run, trials: [], unreachable: [])
        for outcome in outcomes {
            switch outcome.result {
            case .success(let trials): report.trials += trials
            case .failure(let failure):
                if failure.cause is LockHeld { report.locked = true }
                report.unreachable.append(failure.description)
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

    enum CodingKeys: String, CodingKey {
        case run, trials, unreachable
    }

    /// SPEC §5 exit codes: 0 all passed, 1 a trial failed, 3 some hosts unreachable, 4 locked, 5 none reachable.
    public var exitCode: Int32 {
        if locked { return 4 }
        if trials.isEmpty && !unreachable.isEmpty { return 5 }
        if trials.contains(where: { $0.result == .failed }) { return 1 }
        if !unreachable.isEmpty { return 3 }
        return 0
    }
}
