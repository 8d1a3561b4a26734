public import DockerEngine
public import Fleet
import Foundation
import Inventory
public import Journal
public import Playbook

/// `molt rollout` and `molt rollback`: a playbook applied batch by batch (SPEC §3–§6).
///
/// Every host is connected and every service lock taken before anything changes, so a
/// second run of the same playbook stops at once with exit 4 instead of racing this one.
/// Then batch after batch, hosts of a batch at once: replace, health-check, and apply the
/// failure policy; an abort under `on_failure: rollback` puts back every host this run
/// changed, newest first.
///
/// A signal (``Interruption``) stops new work: no host or batch starts, the step in flight on
/// every host is finished or undone, locks are released and the run is journaled
/// `interrupted`. A journal that cannot be written stops new batches too.
public struct RolloutAction: Sendable {
    /// What the run does to each service.
    public enum Mode: Sendable {
        /// To the playbook's images.
        case rollout
        /// Back to the previous images; `onlyRun` limits it to what one run changed.
        case rollback(onlyRun: String?)
    }

    public var playbook: Playbook
    public var fleet: Fleet
    public var identity: RunIdentity
    public var mode: Mode
    public var reporter: any RolloutReporter
    public var journal: Journal?
    public var registryAuth: @Sendable (String) async throws -> RegistryAuth?
    /// How hosts are reached: over SSH, or a scripted engine in tests.
    public var connector: any HostConnector
    public var interruption: Interruption
    public var redaction: Redaction

    public init(playbook: Playbook, fleet: Fleet, identity: RunIdentity, mode: Mode = .rollout,
                reporter: any RolloutReporter, journal: Journal? = nil,
                registryAuth: @escaping @Sendable (String) async throws -> RegistryAuth? = { _ in nil },
                connector: (any HostConnector)? = nil, interruption: Interruption = Interruption(),
                redaction: Redaction = Redaction()) {
        self.playbook = playbook
        self.fleet = fleet
        self.identity = identity
        self.mode = mode
        self.reporter = RedactingReporter(base: reporter, redaction: redaction)
        self.journal = journal
        self.connector = connector ?? SSHHostConnector(settings: fleet.settings)
        self.interruption = interruption
        self.redaction = redaction
        self.registryAuth = redaction.guarding(playbook, registryAuth: registryAuth)
    }

    private var command: String {
        if case .rollback = mode { return "rollback" }
        return "rollout"
    }

    public func perform() async -> RolloutReport {
        let run = identity.id
        let hostNames = fleet.hosts.map(\.name)
        let batches = BatchPlanner.batches(fleet.hosts, sizes: playbook.batches)
        let record = RunJournal(journal: journal, reporter: reporter, run: run)
        record.write { try $0.startRun(RunStart(
            id: run, command: command, playbookName: playbook.name, playbookPath: playbook.source,
            user: identity.user, coordinator: identity.coordinator, pid: identity.pid, started: identity.started,
            hosts: hostNames)) }
        reporter.report(RolloutEvent(.runStarted, run: run, message: "\(command) of \(playbook.name): \(hostNames.count) hosts in \(batches.count) batches", hosts: hostNames))
        if let failure = record.failure {
            var report = RolloutReport(run: run, result: .failed, outcomes: [])
            report.message = "nothing was done: \(failure)"
            finish(&report, record)
            return report
        }

        // Reach every host, then lock every service, before anything changes.
        var connections: [String: RolloutHost] = [:]
        var unreachable: [String: HostFailure] = [:]
        let connector = self.connector
        let reached = await concurrentMap(fleet.hosts, limit: fleet.settings.forks) { host -> (String, Result<RolloutHost, HostFailure>) in
            do throws(HostFailure) {
                return (host.name, .success(try await connector.connect(host)))
            } catch {
                return (host.name, .failure(error))
            }
        }
        for (host, result) in reached {
            switch result {
            case .success(let connection): connections[host] = connection
            case .failure(let failure): unreachable[host] = failure
            }
        }
        defer { for connection in connections.values { connection.close() } }

        let reachedAny = !connections.isEmpty
        let locks = await lockAll(connections)
        if let held = locks.held {
            await releaseAll(locks.taken, connections)
            var report = RolloutReport(run: run, result: .failed, outcomes: [], lockedBy: held)
            report.message = held.description
            finish(&report, record)
            return report
        }
        for note in locks.notes where !note.failed {
            reporter.report(RolloutEvent(.hostStep, run: run, host: note.host, service: note.service, message: note.text))
        }
        for note in locks.notes where note.failed {
            unreachable[note.host] = HostFailure(host: note.host, stage: .docker, message: note.text)
            connections[note.host]?.close()
            connections[note.host] = nil
        }

        var report = RolloutReport(run: run, result: .succeeded, outcomes: [])
        // A host reached whose lock could not be taken failed; it was not unreachable.
        report.noHostReached = !reachedAny
        var pullFailures: [PullKey: String] = [:]
        if playbook.prepull == .all, case .rollout = mode {
            pullFailures = await prepull(fleet.hosts.compactMap { connections[$0.name] }, batch: nil)
        }

        var failedHosts = Set<String>()
        var changed: [[Replacement]] = []
        var stopped = false
        for (index, batch) in batches.enumerated() {
            let number = index + 1
            if interruption.level >= .stop || record.failure != nil {
                report.notStarted += batch.map(\.name)
                continue
            }
            let names = batch.map(\.name)
            record.write { try $0.startBatch(run: run, index: number, hosts: names, started: Date()) }
            reporter.report(RolloutEvent(.batchStarted, run: run, batch: number, message: "batch \(number) of \(batches.count)", hosts: names))
            if playbook.prepull == .batch, case .rollout = mode {
                pullFailures.merge(await prepull(batch.compactMap { connections[$0.name] }, batch: number)) { $1 }
            }
            let results = await runBatch(batch, number: number, connections: connections, unreachable: unreachable,
                                         pullFailures: pullFailures, record: record)
            var changedNow: [Replacement] = []
            for (replacement, rawOutcome) in results {
                let outcome = rawOutcome.redacted(redaction)
                record.write { try $0.recordOutcome(HostOutcomeRecord(outcome, run: run)) }
                report.outcomes.append(outcome)
                announce(outcome, batch: number)
                if outcome.isFailure { failedHosts.insert(outcome.host) }
                if outcome.kind == .updated, let replacement { changedNow.append(replacement) }
            }
            changed.append(changedNow)
            record.write { try $0.finishBatch(run: run, index: number, finished: Date()) }
            reporter.report(RolloutEvent(.batchFinished, run: run, batch: number, hosts: names))
            if interruption.level >= .stop || record.failure != nil { continue }

            let failedList = failedHosts.sorted().joined(separator: ", ")
            switch RolloutPolicy.verdict(failedHosts: failedHosts.count, totalHosts: hostNames.count,
                                         maxFailures: playbook.maxFailures, onFailure: playbook.onFailure) {
            case .goOn:
                break
            case .pause:
                report.result = .paused
                report.message = "paused after batch \(number): \(failedHosts.count) host(s) failed (\(failedList)), more than max_failures allows"
                stopped = true
            case .rollBack:
                report.message = "aborted after batch \(number): \(failedHosts.count) host(s) failed (\(failedList)), more than max_failures allows"
                if case .rollout = mode, changed.contains(where: { !$0.isEmpty }) {
                    report.undone = await undo(changed, record: record)
                    report.result = .rolledBack
                } else {
                    // Nothing this run changed is left to put back.
                    report.result = .failed
                }
                stopped = true
            }
            if stopped {
                report.notStarted += batches.dropFirst(index + 1).flatMap { $0.map(\.name) }
                break
            }
            if index < batches.count - 1, playbook.pause > .zero {
                reporter.report(RolloutEvent(.hostStep, run: run, batch: number, message: "pausing \(DurationText.format(playbook.pause)) before the next batch"))
                _ = try? await interruption.run(until: .stop) { [playbook] in try await Task.sleep(for: playbook.pause) }
            }
        }
        if let signal = interruption.signal {
            report.result = .interrupted
            report.interruptedBy = signal
            report.message = "interrupted by \(Interruption.name(of: signal))"
                + (report.notStarted.isEmpty ? "" : "; not started: \(report.notStarted.joined(separator: ", "))")
        } else if let failure = record.failure {
            report.result = .failed
            report.journalFailed = true
            report.message = "the journal could not be written (\(failure)); no new batch was started"
                + (report.notStarted.isEmpty ? "" : "; not started: \(report.notStarted.joined(separator: ", "))")
        } else if !stopped {
            report.result = failedHosts.isEmpty ? .succeeded : .partial
        }
        await releaseAll(locks.taken, connections)
        finish(&report, record)
        return report
    }

    // MARK: Batches

    private func runBatch(_ batch: [InventoryHost], number: Int, connections: [String: RolloutHost],
                          unreachable: [String: HostFailure], pullFailures: [PullKey: String],
                          record: RunJournal) async -> [(Replacement?, ServiceOutcome)] {
        let settings = ReplacementSettings(playbook: playbook, registryAuth: registryAuth)
        let services = playbook.services
        let mode = self.mode
        let identity = self.identity
        let reporter = self.reporter
        let interruption = self.interruption
        let redaction = self.redaction
        let run = identity.id
        let prepulled = playbook.prepull != .none
        let slots = await concurrentMap(batch, limit: fleet.settings.forks) { host -> [(Replacement?, ServiceOutcome)] in
            guard let connection = connections[host.name] else {
                let error = unreachable[host.name]?.message ?? "not connected"
                return services.map { (nil, ServiceOutcome(host: host.name, service: $0.container, kind: .failed, to: $0.image, error: error)) }
            }
            var results: [(Replacement?, ServiceOutcome)] = []
            for service in services {
                if interruption.level >= .stop {
                    results.append((nil, ServiceOutcome(host: host.name, service: service.container, kind: .interrupted, to: service.image,
                                                        message: "interrupted before it started; nothing was changed")))
                    continue
                }
                if let failure = pullFailures[PullKey(host: host.name, image: service.image)] {
                    // The batch's pull failed here: the old container was never touched.
                    results.append((nil, ServiceOutcome(host: host.name, service: service.container, kind: .failed, to: service.image,
                                                        message: "nothing was touched", error: failure)))
                    continue
                }
                let replacement = Replacement(host: connection, service: service, settings: settings, identity: identity,
                                              interruption: interruption) { message in
                    reporter.report(RolloutEvent(.hostStep, run: run, batch: number, host: host.name, service: service.container, message: message))
                }
                if let live = try? await connection.engine.container(named: service.container) { redaction.learn(live) }
                // The step is in the journal before it starts, so a killed run shows where it was.
                let step = record.write { try $0.startStep(run: run, host: host.name, service: service.container, step: mode.stepName, started: Date()) }
                let outcome: ServiceOutcome
                switch mode {
                case .rollout: outcome = await replacement.run(alreadyPulled: prepulled)
                case .rollback(let onlyRun): outcome = await replacement.rollBack(onlyRun: onlyRun)
                }
                if let step {
                    let safe = outcome.redacted(redaction)
                    record.write { try $0.finishStep(id: step, finished: Date(), outcome: outcome.kind.rawValue,
                                                     detail: ([safe.error, safe.message].compactMap { $0 } + safe.logs).joined(separator: "\n").nilIfEmpty) }
                }
                results.append((replacement, outcome))
            }
            return results
        }
        return slots.flatMap { $0 }
    }

    /// A host and an image it pulls.
    struct PullKey: Hashable {
        var host: String
        var image: String
    }

    /// Pulls every service's image on these hosts before any container of the batch stops,
    /// so a registry problem fails the hosts with their old containers untouched. Returns why
    /// each failed pull failed: that is the cause the host's report gives.
    private func prepull(_ connections: [RolloutHost], batch: Int?) async -> [PullKey: String] {
        let auth = registryAuth
        let run = identity.id
        let reporter = self.reporter
        let interruption = self.interruption
        let policy = playbook.pull
        var work: [(RolloutHost, Service)] = []
        for connection in connections {
            for service in playbook.services where !work.contains(where: { $0.0.name == connection.name && $0.1.image == service.image }) {
                work.append((connection, service))
            }
        }
        let failures = await concurrentMap(work, limit: fleet.settings.forks) { (connection, service) -> (PullKey, String)? in
            if policy == .never { return nil }
            if policy == .missing, (try? await connection.engine.inspectImage(service.image)) != nil { return nil }
            // A host without the service is skipped by its replacement: it needs no image.
            let names = ServiceNames(service.container)
            if (try? await connection.engine.container(named: names.live)) == nil,
               (try? await connection.engine.container(named: names.previous)) == nil { return nil }
            reporter.report(RolloutEvent(.hostStep, run: run, batch: batch, host: connection.name, service: service.container, message: "pulling \(service.image)"))
            do {
                try await interruption.run(until: .stop) {
                    try await Pull.image(service.image, on: connection.engine, auth: try await auth(service.image)) { _ in }
                }
                return nil
            } catch is Interrupted {
                return nil
            } catch {
                return (PullKey(host: connection.name, image: service.image), ErrorText.oneLine(error))
            }
        }
        return Dictionary(failures.compactMap { $0 }, uniquingKeysWith: { first, _ in first })
    }

    /// Puts back every service this run changed, newest batch first.
    private func undo(_ changed: [[Replacement]], record: RunJournal) async -> [ServiceOutcome] {
        var outcomes: [ServiceOutcome] = []
        let run = identity.id
        for batch in changed.reversed() where !batch.isEmpty {
            if interruption.level >= .stop { break }
            reporter.report(RolloutEvent(.hostStep, run: run, message: "rolling back \(batch.map(\.host).joined(separator: ", "))"))
            let results = await concurrentMap(batch, limit: fleet.settings.forks) { replacement in
                await replacement.rollBack(onlyRun: run)
            }
            for var outcome in results.map({ $0.redacted(redaction) }).sorted(by: { $0.host < $1.host }) {
                // Undone means back where it was: report it as rolled back.
                if outcome.kind == .updated { outcome.kind = .rolledBack }
                announce(outcome, batch: nil)
                record.write { try $0.recordOutcome(HostOutcomeRecord(outcome, run: run)) }
                outcomes.append(outcome)
            }
        }
        return outcomes
    }

    // MARK: Locks

    struct LockNote {
        var host: String
        var service: String
        var text: String
        /// The lock could not be taken: the host is not worked on.
        var failed = false
    }

    /// Takes every service's lock on every host. The first host's locks are taken alone,
    /// first: two runs of the same playbook meet there, so exactly one of them goes on
    /// instead of each taking some hosts and both giving up.
    private func lockAll(_ connections: [String: RolloutHost]) async -> (taken: [(String, String)], held: LockHeld?, notes: [LockNote]) {
        let ordered = fleet.hosts.compactMap { host in connections[host.name].map { (host.name, $0) } }
        guard let first = ordered.first else { return ([], nil, []) }
        let head = await lock(Array([first]))
        if head.held != nil { return head }
        let rest = await lock(Array(ordered.dropFirst()))
        return (head.taken + rest.taken, rest.held, head.notes + rest.notes)
    }

    private func lock(_ connections: [(String, RolloutHost)]) async -> (taken: [(String, String)], held: LockHeld?, notes: [LockNote]) {
        let identity = self.identity
        let playbookName = playbook.name
        let services = playbook.services.map(\.container)
        let requests = connections.flatMap { host in services.map { (host: host.0, connection: host.1, service: $0) } }
        let results = await concurrentMap(requests, limit: fleet.settings.forks) { request -> (String, String, Result<ServiceLock.Acquired?, any Error>) in
            do {
                guard let image = try await Self.lockImage(request.connection, request.service) else {
                    return (request.host, request.service, .success(nil))
                }
                return (request.host, request.service, .success(try await ServiceLock.acquire(
                    on: request.connection.engine, host: request.host, service: request.service, image: image,
                    playbook: playbookName, identity: identity)))
            } catch {
                return (request.host, request.service, .failure(error))
            }
        }
        var taken: [(String, String)] = []
        var held: LockHeld?
        var notes: [LockNote] = []
        var unlockable: [LockNote] = []
        for (host, service, result) in results.sorted(by: { ($0.0, $0.1) < ($1.0, $1.1) }) {
            switch result {
            case .success(.some(.fresh)):
                taken.append((host, service))
            case .success(.some(.tookOver(let holder))):
                taken.append((host, service))
                notes.append(LockNote(host: host, service: service, text: "took over the lock of \(holder): that process is gone"))
            case .success(.none):
                break
            case .failure(let error as LockHeld):
                held = held ?? error
            case .failure(let error):
                // Without its lock a host is not touched: its batch reports it failed.
                unlockable.append(LockNote(host: host, service: service, text: "could not take the lock of \(service): \(ErrorText.oneLine(error))"))
            }
        }
        return (taken, held, notes + unlockable.map { LockNote(host: $0.host, service: $0.service, text: $0.text, failed: true) })
    }

    /// The image a lock container is made from: the service container's own (or its retained one's).
    private static func lockImage(_ connection: RolloutHost, _ service: String) async throws -> String? {
        let names = ServiceNames(service)
        for name in [names.live, names.previous, names.next] {
            if let found = try await connection.engine.container(named: name) { return found.image }
        }
        return nil
    }

    private func releaseAll(_ taken: [(String, String)], _ connections: [String: RolloutHost]) async {
        let identity = self.identity
        let reporter = self.reporter
        _ = await concurrentMap(taken, limit: fleet.settings.forks) { (host, service) in
            guard let connection = connections[host] else { return }
            do {
                try await EngineAway.retrying {
                    try await ServiceLock.release(on: connection.engine, service: service, identity: identity)
                }
            } catch {
                reporter.report(RolloutEvent(.hostStep, run: identity.id, host: host, service: service,
                                             message: "warning: could not remove the lock \(ServiceNames(service).lock): \(ErrorText.oneLine(error)); `molt unlock` removes it"))
            }
        }
    }

    // MARK: Reporting

    private func announce(_ outcome: ServiceOutcome, batch: Int?) {
        let kind: RolloutEvent.Kind
        switch outcome.kind {
        case .updated: kind = .hostUpdated
        case .upToDate, .skipped: kind = .hostSkipped
        case .failed: kind = .hostFailed
        case .rolledBack: kind = .hostRolledBack
        case .degraded: kind = .hostDegraded
        case .interrupted: kind = .hostInterrupted
        }
        reporter.report(RolloutEvent(kind, run: identity.id, batch: batch, host: outcome.host, service: outcome.service,
                                     from: outcome.from, to: outcome.to, seconds: outcome.seconds,
                                     message: outcome.message ?? (outcome.kind == .upToDate ? "up to date" : nil),
                                     error: outcome.error, logs: outcome.logs.isEmpty ? nil : outcome.logs))
    }

    private func finish(_ report: inout RolloutReport, _ record: RunJournal) {
        report.finished = Date()
        let result = report.lockedBy == nil ? report.result.rawValue : "locked"
        let finished = report.finished
        record.write { try $0.finishRun(id: identity.id, result: result, finished: finished) }
        if report.result != .interrupted, record.failure != nil {
            report.journalFailed = true
        }
        reporter.report(RolloutEvent(.runFinished, run: identity.id, seconds: report.finished.timeIntervalSince(identity.started),
                                     result: report.result.rawValue, message: report.message))
    }
}

extension RolloutAction.Mode {
    var stepName: String {
        switch self {
        case .rollout: return "replace"
        case .rollback: return "rollback"
        }
    }
}

extension HostOutcomeRecord {
    init(_ outcome: ServiceOutcome, run: String) {
        self.init(run: run, host: outcome.host, service: outcome.service, container: outcome.service,
                  from: outcome.from, to: outcome.to, outcome: outcome.kind.rawValue, seconds: outcome.seconds,
                  error: outcome.error, previousContainer: nil, at: Date())
    }
}
