public import DockerEngine
import Durations
public import Fleet
import Foundation
import Inventory
public import Journal
public import Playbook
import MoltNames
import Synchronization

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
    /// What the journal keeps so that a run stopped at a manual gate can be taken up by
    /// `molt promote` or `molt abort` with only its ID and the inventory.
    public var details: GateRunDetails?
    /// Set when this run takes up one waiting at a gate (SPEC §10).
    public var resume: GateResume?
    /// Reads a gate's metric check, from the coordinator.
    public var readMetric: @Sendable (MetricCheck) async -> MetricReading

    public init(playbook: Playbook, fleet: Fleet, identity: RunIdentity, mode: Mode = .rollout,
                reporter: any RolloutReporter, journal: Journal? = nil,
                registryAuth: @escaping @Sendable (String) async throws -> RegistryAuth? = { _ in nil },
                connector: (any HostConnector)? = nil, interruption: Interruption = Interruption(),
                redaction: Redaction = Redaction(), details: GateRunDetails? = nil, resume: GateResume? = nil,
                readMetric: (@Sendable (MetricCheck) async -> MetricReading)? = nil) {
        self.details = details
        self.resume = resume
        self.readMetric = readMetric ?? { check in await MetricProbe().read(check, timeout: .seconds(10)) }
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

    /// The run is over, the locks released or kept (a run waiting at a gate), the sessions closed.
    private func end(_ report: inout RolloutReport, _ record: RunJournal, release locks: [(String, String)]?, _ sessions: HostSessions) async {
        if let locks { await releaseAll(locks, sessions) }
        await closeAll(sessions)
        await finish(&report, record)
    }

    public func perform() async -> RolloutReport {
        let run = identity.id
        let hostNames = fleet.hosts.map(\.name)
        let batches = BatchPlanner.batches(fleet.hosts, sizes: playbook.batches)
        let record = RunJournal(journal: journal, reporter: reporter, run: run)
        if let resume {
            // The run is in the journal: `molt promote` or `molt abort` took it up.
            reporter.report(RolloutEvent(.runStarted, run: run, message: "\(resume.decision.rawValue) of \(playbook.name): run \(run), waiting after batch \(resume.afterBatch) of \(batches.count)",
                                         hosts: hostNames))
        } else {
            let details = self.details
            await record.write { try await $0.startRun(RunStart(
                id: run, command: command, playbookName: playbook.name, playbookPath: playbook.source,
                user: identity.user, coordinator: identity.coordinator, pid: identity.pid, process: identity.process,
            started: identity.started,
                hosts: hostNames, details: try details?.encoded())) }
            reporter.report(RolloutEvent(.runStarted, run: run, message: "\(command) of \(playbook.name): \(hostNames.count) hosts in \(batches.count) batches", hosts: hostNames))
        }
        if let failure = record.failure {
            var report = RolloutReport(run: run, result: .failed, outcomes: [])
            report.message = "nothing was done: \(failure)"
            await finish(&report, record)
            return report
        }

        // Reach every host and lock every service before anything changes. Sessions are kept
        // only for the hosts the next batches need (see HostSessions): a fleet larger than
        // --forks never holds every host's session at once.
        let forks = max(1, fleet.settings.forks)
        let sessions = HostSessions(connector: connector, hosts: fleet.hosts, keepAll: fleet.hosts.count <= forks)
        let firstIndex = resume?.afterBatch ?? 0
        if let first = batches.dropFirst(firstIndex).first, resume?.decision != .abort {
            await sessions.setWindow(Array(first.map(\.name).prefix(forks)), openAhead: false)
        }
        // With `prepull: batch`, a batch's images are pulled while the batch before it is
        // replaced: pulling touches no container. The first batch pulls while the locks are
        // taken; a host whose lock is not taken is not touched, whatever it pulled.
        var nextPull: PullAhead?
        if playbook.prepull == .batch, case .rollout = mode, resume?.decision != .abort, let first = batches.dropFirst(firstIndex).first {
            nextPull = pullAhead(first.map(\.name), sessions, batch: firstIndex + 1)
        }
        let locks = await lockAll(sessions)
        var unreachable = locks.unreachable
        if let held = locks.held {
            await abandon(&nextPull)
            var report = RolloutReport(run: run, result: .failed, outcomes: [], lockedBy: held)
            report.message = held.description
            if resume != nil {
                // Taken up by mistake: the run waits at its gate as before, its locks kept.
                report.result = .waiting
                await end(&report, record, release: nil, sessions)
                return report
            }
            await end(&report, record, release: locks.taken, sessions)
            return report
        }
        for note in locks.notes where !note.failed {
            reporter.report(RolloutEvent(.hostStep, run: run, host: note.host, service: note.service, message: note.text))
        }
        for note in locks.notes where note.failed {
            unreachable[note.host] = HostFailure(host: note.host, stage: .docker, message: note.text)
            await sessions.drop(note.host)
        }
        // The locks are containers on the hosts and outlive a session; one opened again later
        // checks that this run still holds them before it is used.
        let lockedServices = Dictionary(grouping: locks.taken, by: \.0).mapValues { $0.map(\.1) }
        await sessions.verifyReopened(with: ServiceLock.recheck(lockedServices, playbook: playbook.name, identity: identity, reporter: reporter,
                                                                image: Self.lockImage))

        var report = RolloutReport(run: run, result: .succeeded, outcomes: [])
        // A host reached whose lock could not be taken failed; it was not unreachable.
        report.noHostReached = !locks.reachedAny
        var pullFailures: [PullKey: String] = [:]
        if playbook.prepull == .all, case .rollout = mode {
            pullFailures = await prepull(fleet.hosts.map(\.name).filter { unreachable[$0] == nil }, sessions, batch: nil)
        }

        var failedHosts = resume?.failedHosts ?? []
        var changed: [[ChangedService]] = resume.map { [$0.changed] } ?? []
        var stopped = false
        if let resume {
            // Nothing happens before the hosts are found as the run left them at its gate.
            if resume.decision == .promote, let refusal = await checkGate(resume, locks.taken, sessions) {
                await abandon(&nextPull)
                report.result = .waiting
                report.refused = true
                report.message = refusal
                await end(&report, record, release: nil, sessions)
                return report
            }
            await markResumed(locks.taken, sessions)
            if resume.decision == .abort {
                report.undone = await undo(changed, sessions, record: record)
                report.result = report.undone.contains { $0.kind == .failed || $0.kind == .degraded } ? .failed : .rolledBack
                report.message = "aborted at the gate after batch \(resume.afterBatch)"
                report.aborted = true
                await record.gate(after: resume.afterBatch, outcome: .aborted, detail: "by \(identity.user)@\(identity.coordinator)")
                await end(&report, record, release: locks.taken, sessions)
                return report
            }
            await record.gate(after: resume.afterBatch, outcome: .promoted, detail: "by \(identity.user)@\(identity.coordinator)")
        }
        var waiting = false
        for (index, batch) in batches.enumerated() where index >= firstIndex {
            let number = index + 1
            if interruption.level >= .stop || record.failure != nil {
                report.notStarted += batch.map(\.name)
                continue
            }
            let names = batch.map(\.name)
            // This batch's sessions, and the next batch's opened while this one runs.
            let upcoming = index + 1 < batches.count ? batches[index + 1].map(\.name) : []
            await sessions.setWindow((Array(names.prefix(forks)) + Array(upcoming.prefix(forks))).filter { unreachable[$0] == nil })
            // A batch starts only once the journal holds its start: a journal lost meanwhile (a
            // server gone during the pause) stops the run here, before any of its hosts is touched.
            await record.write { try await $0.startBatch(run: run, index: number, hosts: names, started: Date()) }
            if record.failure != nil {
                report.notStarted += names
                continue
            }
            reporter.report(RolloutEvent(.batchStarted, run: run, batch: number, message: "batch \(number) of \(batches.count)", hosts: names))
            if playbook.prepull == .batch, case .rollout = mode {
                if let ahead = nextPull {
                    nextPull = nil
                    pullFailures.merge(await ahead.task.value) { $1 }
                } else {
                    pullFailures.merge(await prepull(names.filter { unreachable[$0] == nil }, sessions, batch: number)) { $1 }
                }
                if index + 1 < batches.count {
                    nextPull = pullAhead(upcoming.filter { unreachable[$0] == nil }, sessions, batch: number + 1)
                }
            }
            let results = await runBatch(batch, number: number, sessions: sessions, unreachable: unreachable,
                                         pullFailures: pullFailures, record: record)
            var changedNow: [ChangedService] = []
            for (replacement, rawOutcome) in results {
                let outcome = rawOutcome.redacted(redaction)
                await record.write { try await $0.recordOutcome(HostOutcomeRecord(outcome, run: run)) }
                report.outcomes.append(outcome)
                announce(outcome, batch: number)
                if outcome.isFailure { failedHosts.insert(outcome.host) }
                if outcome.kind == .updated, let replacement { changedNow.append(ChangedService(host: replacement.host, service: replacement.target.service)) }
            }
            changed.append(changedNow)
            await record.write { try await $0.finishBatch(run: run, index: number, finished: Date()) }
            reporter.report(RolloutEvent(.batchFinished, run: run, batch: number, hosts: names))
            if interruption.level >= .stop || record.failure != nil { continue }

            var verdict = RolloutPolicy.verdict(failedHosts: failedHosts.count, totalHosts: hostNames.count,
                                                maxFailures: playbook.maxFailures, onFailure: playbook.onFailure)
            var why = "\(failedHosts.count) host(s) failed (\(failedHosts.sorted().joined(separator: ", "))), more than max_failures allows"
            // The gate after this batch, if any, decides whether the next one starts.
            if case .goOn = verdict, case .rollout = mode, let gate = playbook.gates.first(where: { $0.after.contains(number) }) {
                let watched = results.map(\.1).filter { !$0.isFailure && $0.kind != .skipped }
                switch await hold(gate, after: number, of: batches.count, watching: watched, sessions, record) {
                case .passed:
                    if gate.promote == .manual && index + 1 < batches.count {
                        await abandon(&nextPull)
                        await park(after: number, locks.taken, sessions, record)
                        report.result = .waiting
                        report.waitingAfter = number
                        report.message = "waiting at the gate after batch \(number) of \(batches.count)"
                        report.notStarted += batches.dropFirst(index + 1).flatMap { $0.map(\.name) }
                        waiting = true
                    }
                case .failed(let reason):
                    // A failed gate fails its batch, whatever max_failures allows.
                    verdict = playbook.onFailure == .pause ? .pause : (playbook.onFailure == .rollback ? .rollBack : .goOn)
                    why = "the gate failed: \(reason)"
                    if case .goOn = verdict { stopped = true; report.result = .failed; report.message = "stopped after batch \(number): \(why)" }
                case .interrupted:
                    break
                }
            }
            if waiting { break }
            switch verdict {
            case .goOn:
                break
            case .pause:
                report.result = .paused
                report.message = "paused after batch \(number): \(why)"
                stopped = true
            case .rollBack:
                await abandon(&nextPull)
                report.message = "aborted after batch \(number): \(why)"
                if case .rollout = mode, changed.contains(where: { !$0.isEmpty }) {
                    // No batch comes next: the hosts to undo are reached as they are undone.
                    await sessions.setWindow([], openAhead: false)
                    report.undone = await undo(changed, sessions, record: record)
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
        await abandon(&nextPull)
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
        } else if !stopped && !waiting {
            report.result = failedHosts.isEmpty ? .succeeded : .partial
        }
        // A run waiting at its gate keeps its locks: nothing else touches these services
        // before `molt promote` or `molt abort`.
        await end(&report, record, release: waiting ? nil : locks.taken, sessions)
        return report
    }

    /// Closes every session of the run at once, then the connector's own (jump hosts).
    private func closeAll(_ sessions: HostSessions) async {
        await sessions.finish()
        await connector.close()
    }

    // MARK: Batches

    private func runBatch(_ batch: [InventoryHost], number: Int, sessions: HostSessions,
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
            func failedAll(_ error: String) -> [(Replacement?, ServiceOutcome)] {
                services.map { (nil, ServiceOutcome(host: host.name, service: $0.container, kind: .failed, to: $0.image, error: error)) }
            }
            if let failure = unreachable[host.name] { return failedAll(failure.message) }
            if interruption.level >= .stop {
                // Not reached again only to be told so.
                return services.map { (nil, ServiceOutcome(host: host.name, service: $0.container, kind: .interrupted, to: $0.image,
                                                           message: "interrupted before it started; nothing was changed")) }
            }
            let worked = await sessions.with(host.name) { connection -> [(Replacement?, ServiceOutcome)] in
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
                    let step = await record.write { try await $0.startStep(run: run, host: host.name, service: service.container, step: mode.stepName, started: Date()) }
                    let outcome: ServiceOutcome
                    switch mode {
                    case .rollout: outcome = await replacement.run(alreadyPulled: prepulled)
                    case .rollback(let onlyRun): outcome = await replacement.rollBack(onlyRun: onlyRun)
                    }
                    if let step {
                        let safe = outcome.redacted(redaction)
                        await record.write { try await $0.finishStep(id: step, finished: Date(), outcome: outcome.kind.step,
                                                         detail: ([safe.error, safe.message].compactMap { $0 } + safe.logs).joined(separator: "\n").nilIfEmpty) }
                    }
                    results.append((replacement, outcome))
                }
                return results
            }
            switch worked {
            case .success(let results): return results
            case .failure(let failure): return failedAll(failure.message)
            }
        }
        return slots.flatMap { $0 }
    }

    /// A batch's pull, started while the batch before it runs.
    struct PullAhead {
        var batch: Int
        var task: Task<[PullKey: String], Never>
        /// The hosts whose pull has not ended yet.
        var pending: PendingHosts
    }

    /// The hosts of a pull that have not finished it.
    final class PendingHosts: Sendable {
        private let names: Mutex<[String]>
        init(_ names: [String]) { self.names = Mutex(names) }
        func done(_ name: String) { names.withLock { $0.removeAll { $0 == name } } }
        var remaining: [String] { names.withLock { $0 } }
    }

    private func pullAhead(_ hosts: [String], _ sessions: HostSessions, batch: Int) -> PullAhead {
        let pending = PendingHosts(hosts)
        return PullAhead(batch: batch, task: Task { await self.prepull(hosts, sessions, batch: batch, pending: pending) }, pending: pending)
    }

    /// Stops a pull started ahead for a batch that will not run, and waits for it to end, up
    /// to ``HostDeadline/pullAbandon``: a host whose pull does not stop is named in a warning
    /// and left behind (its containers were not touched), so that it holds no lock.
    private func abandon(_ pull: inout PullAhead?) async {
        guard let running = pull else { return }
        pull = nil
        running.task.cancel()
        let task = running.task
        let limit = HostDeadline.pullAbandon
        guard await TimeLimit.run(limit, { _ = await task.value }) == nil else { return }
        for host in running.pending.remaining {
            reporter.report(RolloutEvent(.hostStep, run: identity.id, host: host,
                                         message: "warning: the pull started ahead for batch \(running.batch) did not stop within \(DurationText.format(limit)) of being abandoned; going on without it (nothing on this host was changed)"))
        }
    }

    /// A host and an image it pulls.
    struct PullKey: Hashable {
        var host: String
        var image: String
    }

    /// Pulls every service's image on these hosts before any container of the batch stops,
    /// so a registry problem fails the hosts with their old containers untouched. Returns why
    /// each failed pull failed: that is the cause the host's report gives.
    private func prepull(_ hosts: [String], _ sessions: HostSessions, batch: Int?, pending: PendingHosts? = nil) async -> [PullKey: String] {
        let auth = registryAuth
        let run = identity.id
        let reporter = self.reporter
        let interruption = self.interruption
        let policy = playbook.pull
        let forks = fleet.settings.forks
        var services: [Service] = []
        for service in playbook.services where !services.contains(where: { $0.image == service.image }) {
            services.append(service)
        }
        let images = services
        let perHost = await concurrentMap(hosts, limit: forks) { name -> [(PullKey, String)] in
            defer { pending?.done(name) }
            let pulled = await sessions.with(name) { connection -> [(PullKey, String)] in
                let failures = await concurrentMap(images, limit: forks) { service -> (PullKey, String)? in
                    if policy == .never { return nil }
                    if policy == .missing, (try? await connection.engine.inspectImage(service.image)) != nil { return nil }
                    // A host without the service is skipped by its replacement: it needs no image.
                    let names = ContainerNames(service.container)
                    if (try? await connection.engine.container(named: names.live)) == nil,
                       (try? await connection.engine.container(named: names.previous)) == nil { return nil }
                    reporter.report(RolloutEvent(.hostStep, run: run, batch: batch, host: name, service: service.container, message: "pulling \(service.image)"))
                    do {
                        try await interruption.run(until: .stop) {
                            try await Pull.image(service.image, on: connection.engine, auth: try await auth(service.image)) { _ in }
                        }
                        return nil
                    } catch is Interrupted {
                        return nil
                    } catch {
                        return (PullKey(host: name, image: service.image), ErrorText.oneLine(error, besideHost: true))
                    }
                }
                return failures.compactMap { $0 }
            }
            switch pulled {
            case .success(let failures): return failures
            case .failure(let failure): return images.map { (PullKey(host: name, image: $0.image), failure.message) }
            }
        }
        return Dictionary(perHost.flatMap { $0 }, uniquingKeysWith: { first, _ in first })
    }

    /// Puts back every service this run changed, newest batch first.
    private func undo(_ changed: [[ChangedService]], _ sessions: HostSessions, record: RunJournal) async -> [ServiceOutcome] {
        var outcomes: [ServiceOutcome] = []
        let run = identity.id
        let settings = ReplacementSettings(playbook: playbook, registryAuth: registryAuth)
        let identity = self.identity
        let interruption = self.interruption
        let reporter = self.reporter
        for batch in changed.reversed() where !batch.isEmpty {
            if interruption.level >= .stop { break }
            reporter.report(RolloutEvent(.hostStep, run: run, message: "rolling back \(batch.map(\.host).joined(separator: ", "))"))
            // An earlier batch's hosts may have had their sessions closed: they are reached again.
            let results = await concurrentMap(batch, limit: fleet.settings.forks) { changed in
                let undone = await sessions.with(changed.host) { connection in
                    await Replacement(host: connection, service: changed.service, settings: settings, identity: identity,
                                      interruption: interruption) { message in
                        reporter.report(RolloutEvent(.hostStep, run: run, host: changed.host, service: changed.service.container, message: message))
                    }.rollBack(onlyRun: run)
                }
                switch undone {
                case .success(let outcome): return outcome
                case .failure(let failure):
                    return ServiceOutcome(host: changed.host, service: changed.service.container, kind: .failed,
                                          to: changed.service.image,
                                          error: "could not be rolled back: \(failure.message)")
                }
            }
            for var outcome in results.map({ $0.redacted(redaction) }).sorted(by: { $0.host < $1.host }) {
                // Undone means back where it was: report it as rolled back.
                if outcome.kind == .updated {
                    outcome.kind = .rolledBack
                    // From the release this run brought (`from`) back to the one before (`to`).
                    outcome.message = "back on \(outcome.to ?? "its previous release"): the run undoes what it changed"
                }
                announce(outcome, batch: nil)
                await record.write { try await $0.recordOutcome(HostOutcomeRecord(outcome, run: run)) }
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

    /// What taking the locks found.
    struct LockPhase {
        var taken: [(String, String)] = []
        var held: LockHeld?
        var notes: [LockNote] = []
        var unreachable: [String: HostFailure] = [:]
        var reachedAny = false
    }

    /// Reaches every host and takes every service's lock on it. The first host reached (in
    /// inventory order) has its locks taken alone, first: two runs of the same playbook meet
    /// there, so exactly one of them goes on instead of each taking some hosts and both giving
    /// up. Hosts are reached at most `--forks` at a time, and each session is given back as
    /// soon as its locks are taken (HostSessions keeps those the first batch needs).
    private func lockAll(_ sessions: HostSessions) async -> LockPhase {
        var phase = LockPhase()
        let names = fleet.hosts.map(\.name)
        let forks = max(1, fleet.settings.forks)
        var next = 0
        var head: String?
        var waiting: [String] = []
        // Reach hosts a --forks-sized group at a time until one answers: the first that does
        // is the head. The others reached meanwhile wait, their sessions held, for their turn.
        while head == nil && next < names.count {
            let group = Array(names[next..<min(next + forks, names.count)])
            next += group.count
            let reached = await concurrentMap(group, limit: forks) { name in
                let acquired = await sessions.acquire(name)
                return (name, acquired)
            }
            for (name, result) in reached {
                switch result {
                case .failure(let failure): phase.unreachable[name] = failure
                case .success:
                    if head == nil { head = name } else { waiting.append(name) }
                }
            }
        }
        guard let head else { return phase }
        phase.reachedAny = true
        let first = await lockHost(head, sessions, acquired: true)
        phase.taken += first.taken
        phase.notes += first.notes
        if let held = first.held {
            phase.held = held
            for name in waiting { await sessions.release(name) }
            return phase
        }
        let rest = waiting.map { ($0, true) } + names[next...].map { ($0, false) }
        let results = await concurrentMap(rest, limit: forks) { (name, acquired) in
            await self.lockHost(name, sessions, acquired: acquired)
        }
        var unlockable: [LockNote] = []
        for result in results {
            if let failure = result.unreachable {
                phase.unreachable[result.host] = failure
                continue
            }
            phase.taken += result.taken
            phase.held = phase.held ?? result.held
            phase.notes += result.notes.filter { !$0.failed }
            unlockable += result.notes.filter(\.failed)
        }
        phase.notes += unlockable
        return phase
    }

    /// One host's locks: taken, a holder met, or why they could not be taken.
    struct HostLocks {
        var host: String
        var unreachable: HostFailure?
        var taken: [(String, String)] = []
        var held: LockHeld?
        var notes: [LockNote] = []
    }

    /// Takes every service's lock on one host (reaching it first unless `acquired`), then gives
    /// the session back.
    private func lockHost(_ name: String, _ sessions: HostSessions, acquired: Bool) async -> HostLocks {
        var locks = HostLocks(host: name)
        let connection: RolloutHost
        let reached = await sessions.acquire(name)
        // The head search's hold is given back: the one just taken stands for it.
        if acquired { await sessions.release(name) }
        switch reached {
        case .failure(let failure):
            locks.unreachable = failure
            return locks
        case .success(let host):
            connection = host
        }
        let identity = self.identity
        let playbookName = playbook.name
        let services = playbook.services.map(\.container)
        // One service after another: a playbook names few, and each lock is one call.
        var results: [(String, Result<ServiceLock.Acquired?, any Error>)] = []
        for service in services {
            do {
                guard let image = try await Self.lockImage(connection, service) else {
                    results.append((service, .success(nil)))
                    continue
                }
                // Awaited before the tuple is formed (see concurrentMap: swiftlang/swift#91911).
                let acquired = try await ServiceLock.acquire(
                    on: connection.engine, host: name, service: service, image: image,
                    playbook: playbookName, identity: identity)
                results.append((service, .success(acquired)))
            } catch {
                results.append((service, .failure(error)))
            }
        }
        await sessions.release(name)
        for (service, result) in results.sorted(by: { $0.0 < $1.0 }) {
            switch result {
            case .success(.some(.fresh)):
                locks.taken.append((name, service))
            case .success(.some(.tookOver(let holder))):
                locks.taken.append((name, service))
                locks.notes.append(LockNote(host: name, service: service, text: "took over the lock of \(holder): that process is gone"))
            case .success(.none):
                break
            case .failure(let error as LockHeld):
                locks.held = locks.held ?? error
            case .failure(let error):
                // Without its lock a host is not touched: its batch reports it failed.
                locks.notes.append(LockNote(host: name, service: service, text: "could not take the lock of \(service): \(ErrorText.oneLine(error, besideHost: true))", failed: true))
            }
        }
        return locks
    }

    /// The image a lock container is made from: the service container's own (or its retained one's).
    private static func lockImage(_ connection: RolloutHost, _ service: String) async throws -> String? {
        let names = ContainerNames(service)
        for name in [names.live, names.previous, names.next] {
            if let found = try await connection.engine.container(named: name) { return found.image }
        }
        return nil
    }

    /// Removes every lock this run took, reaching again the hosts whose sessions were closed.
    private func releaseAll(_ taken: [(String, String)], _ sessions: HostSessions) async {
        let byHost = Dictionary(grouping: taken, by: \.0).mapValues { $0.map(\.1) }
        let locked = fleet.hosts.map(\.name).compactMap { host in byHost[host].map { (host: host, services: $0) } }
        await ServiceLock.releaseAll(locked, sessions: sessions, forks: fleet.settings.forks, identity: identity, reporter: reporter)
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

    private func finish(_ report: inout RolloutReport, _ record: RunJournal) async {
        report.finished = Date()
        let result = report.result == .waiting || report.lockedBy == nil ? report.result.recorded : .locked
        let finished = report.finished
        await record.write { try await $0.finishRun(id: identity.id, result: result, finished: finished) }
        if report.result != .interrupted, record.failure != nil {
            report.journalFailed = true
        }
        reporter.report(RolloutEvent(.runFinished, run: identity.id, seconds: report.finished.timeIntervalSince(identity.started),
                                     result: report.result.rawValue, message: report.message))
    }
}

extension RolloutAction.Mode {
    /// The journal's step for one service on one host.
    var stepName: StepRecord.Kind {
        switch self {
        case .rollout: .replace
        case .rollback: .rollback
        }
    }
}

extension ServiceOutcome.Kind {
    /// How the journal's step of this service ended: as the service did.
    var step: StepRecord.Outcome {
        switch self {
        case .updated: .updated
        case .upToDate: .upToDate
        case .skipped: .skipped
        case .failed: .failed
        case .rolledBack: .rolledBack
        case .degraded: .degraded
        case .interrupted: .interrupted
        }
    }
}

extension RunResult {
    /// The result as the journal records it.
    var recorded: RunRecord.Result {
        switch self {
        case .succeeded: .succeeded
        case .rolledBack: .rolledBack
        case .paused: .paused
        case .partial: .partial
        case .failed: .failed
        case .interrupted: .interrupted
        case .waiting: .waiting
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
