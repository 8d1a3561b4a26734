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
    public var registryAuth: @Sendable (String) -> RegistryAuth?

    public init(playbook: Playbook, fleet: Fleet, identity: RunIdentity, mode: Mode = .rollout,
                reporter: any RolloutReporter, journal: Journal? = nil,
                registryAuth: @escaping @Sendable (String) -> RegistryAuth? = { _ in nil }) {
        self.playbook = playbook
        self.fleet = fleet
        self.identity = identity
        self.mode = mode
        self.reporter = reporter
        self.journal = journal
        self.registryAuth = registryAuth
    }

    private var command: String {
        if case .rollback = mode { return "rollback" }
        return "rollout"
    }

    public func perform() async -> RolloutReport {
        let run = identity.id
        let hostNames = fleet.hosts.map(\.name)
        let batches = BatchPlanner.batches(fleet.hosts, sizes: playbook.batches)
        try? journal?.startRun(RunStart(
            id: run, command: command, playbookName: playbook.name, playbookPath: playbook.source,
            user: identity.user, coordinator: identity.coordinator, pid: identity.pid, started: identity.started,
            hosts: hostNames))
        reporter.report(RolloutEvent(.runStarted, run: run, message: "\(command) of \(playbook.name): \(hostNames.count) hosts in \(batches.count) batches", hosts: hostNames))

        // Reach every host, then lock every service, before anything changes.
        var connections: [String: HostConnection] = [:]
        var unreachable: [String: HostFailure] = [:]
        for outcome in await fleet.connect() {
            switch outcome.result {
            case .success(let connection): connections[outcome.host.name] = connection
            case .failure(let failure): unreachable[outcome.host.name] = failure
            }
        }
        defer { for connection in connections.values { connection.close() } }

        let locks = await lockAll(connections)
        if let held = locks.held {
            await releaseAll(locks.taken, connections)
            var report = RolloutReport(run: run, result: .failed, outcomes: [], lockedBy: held)
            report.message = held.description
            finish(&report)
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
        report.noHostReached = connections.isEmpty
        if playbook.prepull == .all, case .rollout = mode {
            await prepull(fleet.hosts.compactMap { connections[$0.name] }, batch: nil)
        }

        var failedHosts = Set<String>()
        var changed: [[Replacement]] = []
        var aborted = false
        for (index, batch) in batches.enumerated() {
            let number = index + 1
            let names = batch.map(\.name)
            try? journal?.startBatch(run: run, index: number, hosts: names, started: Date())
            reporter.report(RolloutEvent(.batchStarted, run: run, batch: number, message: "batch \(number) of \(batches.count)", hosts: names))
            let batchConnections = batch.compactMap { connections[$0.name] }
            if playbook.prepull == .batch, case .rollout = mode {
                await prepull(batchConnections, batch: number)
            }
            let results = await runBatch(batch, number: number, connections: connections, unreachable: unreachable)
            var changedNow: [Replacement] = []
            for (replacement, outcome) in results {
                report.outcomes.append(outcome)
                announce(outcome, batch: number)
                if outcome.isFailure { failedHosts.insert(outcome.host) }
                if outcome.kind == .updated, let replacement { changedNow.append(replacement) }
            }
            changed.append(changedNow)
            try? journal?.finishBatch(run: run, index: number, finished: Date())
            reporter.report(RolloutEvent(.batchFinished, run: run, batch: number, hosts: names))

            let failedList = failedHosts.sorted().joined(separator: ", ")
            switch RolloutPolicy.verdict(failedHosts: failedHosts.count, totalHosts: hostNames.count,
                                         maxFailures: playbook.maxFailures, onFailure: playbook.onFailure) {
            case .goOn:
                break
            case .pause:
                report.result = .paused
                report.message = "paused after batch \(number): \(failedHosts.count) host(s) failed (\(failedList)), more than max_failures allows"
                aborted = true
            case .rollBack:
                report.message = "aborted after batch \(number): \(failedHosts.count) host(s) failed (\(failedList)), more than max_failures allows"
                if case .rollout = mode {
                    report.undone = await undo(changed)
                    report.result = .rolledBack
                } else {
                    report.result = .failed
                }
                aborted = true
            }
            if aborted { break }
            if index < batches.count - 1, playbook.pause > .zero {
                reporter.report(RolloutEvent(.hostStep, run: run, batch: number, message: "pausing \(DurationText.format(playbook.pause)) before the next batch"))
                try? await Task.sleep(for: playbook.pause)
            }
        }
        if !aborted {
            report.result = failedHosts.isEmpty ? .succeeded : .partial
        }
        await releaseAll(locks.taken, connections)
        finish(&report)
        return report
    }

    // MARK: Batches

    private func runBatch(_ batch: [InventoryHost], number: Int, connections: [String: HostConnection],
                          unreachable: [String: HostFailure]) async -> [(Replacement?, ServiceOutcome)] {
        let settings = ReplacementSettings(playbook: playbook, registryAuth: registryAuth)
        let services = playbook.services
        let mode = self.mode
        let identity = self.identity
        let reporter = self.reporter
        let journal = self.journal
        let run = identity.id
        let limit = fleet.settings.forks
        let prepulled = playbook.prepull != .none
        let slots = await concurrentMap(batch, limit: limit) { host -> [(Replacement?, ServiceOutcome)] in
            guard let connection = connections[host.name] else {
                let error = unreachable[host.name]?.message ?? "not connected"
                return services.map { (nil, ServiceOutcome(host: host.name, service: $0.container, kind: .failed, to: $0.image, error: error)) }
            }
            var results: [(Replacement?, ServiceOutcome)] = []
            for service in services {
                let replacement = Replacement(connection: connection, service: service, settings: settings, identity: identity) { message in
                    reporter.report(RolloutEvent(.hostStep, run: run, batch: number, host: host.name, service: service.container, message: message))
                }
                // The step is in the journal before it starts, so a killed run shows where it was.
                let step = try? journal?.startStep(run: run, host: host.name, service: service.container, step: mode.stepName, started: Date())
                let outcome: ServiceOutcome
                switch mode {
                case .rollout: outcome = await replacement.run(alreadyPulled: prepulled)
                case .rollback(let onlyRun): outcome = await replacement.rollBack(onlyRun: onlyRun)
                }
                if let step {
                    try? journal?.finishStep(id: step, finished: Date(), outcome: outcome.kind.rawValue,
                                             detail: ([outcome.error, outcome.message].compactMap { $0 } + outcome.logs).joined(separator: "\n").nilIfEmpty)
                }
                try? journal?.recordOutcome(HostOutcomeRecord(outcome, run: run))
                results.append((replacement, outcome))
            }
            return results
        }
        return slots.flatMap { $0 }
    }

    /// Pulls every service's image on these hosts before any container of the batch stops,
    /// so a registry problem fails the hosts with their old containers untouched.
    private func prepull(_ connections: [HostConnection], batch: Int?) async {
        let auth = registryAuth
        let run = identity.id
        let reporter = self.reporter
        let policy = playbook.pull
        await withTaskGroup(of: Void.self) { group in
            for connection in connections {
                for service in playbook.services {
                    group.addTask {
                        if policy == .never { return }
                        if policy == .missing, (try? await connection.docker.inspectImage(service.image)) != nil { return }
                        reporter.report(RolloutEvent(.hostStep, run: run, batch: batch, host: connection.host.name, service: service.container, message: "pulling \(service.image)"))
                        // A failed pull shows again, with its cause, in the host's replacement.
                        try? await Pull.image(service.image, on: connection, auth: auth(service.image)) { _ in }
                    }
                }
            }
        }
    }

    /// Puts back every service this run changed, newest batch first.
    private func undo(_ changed: [[Replacement]]) async -> [ServiceOutcome] {
        var outcomes: [ServiceOutcome] = []
        let run = identity.id
        for batch in changed.reversed() where !batch.isEmpty {
            reporter.report(RolloutEvent(.hostStep, run: run, message: "rolling back \(batch.map(\.host).joined(separator: ", "))"))
            let results = await withTaskGroup(of: ServiceOutcome.self) { group in
                for replacement in batch {
                    group.addTask { await replacement.rollBack(onlyRun: run) }
                }
                return await group.reduce(into: [ServiceOutcome]()) { $0.append($1) }
            }
            for var outcome in results.sorted(by: { $0.host < $1.host }) {
                // Undone means back where it was: report it as rolled back.
                if outcome.kind == .updated { outcome.kind = .rolledBack }
                announce(outcome, batch: nil)
                try? journal?.recordOutcome(HostOutcomeRecord(outcome, run: run))
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
    private func lockAll(_ connections: [String: HostConnection]) async -> (taken: [(String, String)], held: LockHeld?, notes: [LockNote]) {
        let ordered = fleet.hosts.compactMap { host in connections[host.name].map { (host.name, $0) } }
        guard let first = ordered.first else { return ([], nil, []) }
        let head = await lock(Array([first]))
        if head.held != nil { return head }
        let rest = await lock(Array(ordered.dropFirst()))
        return (head.taken + rest.taken, rest.held, head.notes + rest.notes)
    }

    private func lock(_ connections: [(String, HostConnection)]) async -> (taken: [(String, String)], held: LockHeld?, notes: [LockNote]) {
        let identity = self.identity
        let playbookName = playbook.name
        let services = playbook.services.map(\.container)
        let limit = fleet.settings.forks
        let requests = connections.flatMap { host in services.map { (host: host.0, connection: host.1, service: $0) } }
        let results = await concurrentMap(requests, limit: limit) { request -> (String, String, Result<ServiceLock.Acquired?, any Error>) in
            do {
                guard let image = try await Self.lockImage(request.connection, request.service) else {
                    return (request.host, request.service, .success(nil))
                }
                return (request.host, request.service, .success(try await ServiceLock.acquire(
                    on: request.connection, service: request.service, image: image, playbook: playbookName, identity: identity)))
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
                unlockable.append(LockNote(host: host, service: service, text: "could not take the lock of \(service): \(Replacement.text(error))"))
            }
        }
        return (taken, held, notes + unlockable.map { LockNote(host: $0.host, service: $0.service, text: $0.text, failed: true) })
    }

    /// The image a lock container is made from: the service container's own (or its retained one's).
    private static func lockImage(_ connection: HostConnection, _ service: String) async throws -> String? {
        for name in [service, "\(service).molt-prev"] {
            if let found = try await connection.docker.container(named: name) { return found.image }
        }
        return nil
    }

    private func releaseAll(_ taken: [(String, String)], _ connections: [String: HostConnection]) async {
        let identity = self.identity
        await withTaskGroup(of: Void.self) { group in
            for (host, service) in taken {
                guard let connection = connections[host] else { continue }
                group.addTask { await ServiceLock.release(on: connection, service: service, identity: identity) }
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
        }
        reporter.report(RolloutEvent(kind, run: identity.id, batch: batch, host: outcome.host, service: outcome.service,
                                     from: outcome.from, to: outcome.to, seconds: outcome.seconds,
                                     message: outcome.message ?? (outcome.kind == .upToDate ? "up to date" : nil),
                                     error: outcome.error, logs: outcome.logs.isEmpty ? nil : outcome.logs))
    }

    private func finish(_ report: inout RolloutReport) {
        report.finished = Date()
        try? journal?.finishRun(id: identity.id, result: report.lockedBy == nil ? report.result.rawValue : "locked", finished: report.finished)
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
