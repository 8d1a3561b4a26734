import DockerEngine
import Durations
public import Fleet
public import Foundation
import Inventory
public import Journal
import Packages
public import Playbook

/// `molt patch`: a command run inside running containers, batch by batch, a canary first
/// (SPEC §8): the seed's option 1, a stopgap for a zero-day until rebuilt images are rolled out.
///
/// Every matching container's service lock (by container name) is taken before anything runs,
/// as a rollout does. Then, batch after batch, containers of a batch at once: the command runs
/// through the Engine's exec API (no shell unless the operator writes one), must exit 0, and the
/// container must then stay running, and healthy if it has a HEALTHCHECK, for `timeout`. The
/// first batch with a failure is the last. Each container the command ran in records it in
/// ``PatchRecord/path`` inside itself, written through the archive API (no shell needed).
public struct PatchAction: Sendable {
    /// Which running containers are patched.
    public struct Selection: Sendable {
        /// Exactly this container name.
        public var container: String?
        /// A glob over the container's image reference.
        public var imageGlob: String?
        /// An installed package name, read from the container's package databases.
        public var package: String?
        /// Only containers whose `package` is strictly below these bounds.
        public var below: VersionBounds?

        public init(container: String? = nil, imageGlob: String? = nil, package: String? = nil, below: VersionBounds? = nil) {
            self.container = container
            self.imageGlob = imageGlob
            self.package = package
            self.below = below
        }
    }

    public var fleet: Fleet
    public var selection: Selection
    /// The program and its arguments, run without a shell.
    public var command: [String]
    public var batches: [BatchSize]
    /// How long a patched container must stay running and healthy.
    public var timeout: Duration
    /// How long the command itself may run: a package upgrade may take minutes.
    public var commandTimeout: Duration = .seconds(600)
    /// List what would be patched and change nothing.
    public var dryRun: Bool
    public var identity: RunIdentity
    public var reporter: any RolloutReporter
    public var journal: Journal?
    public var connector: any HostConnector
    public var interruption: Interruption

    /// A canary, then the rest.
    public static let defaultBatches: [BatchSize] = [.count(1), .percent(100)]

    public init(fleet: Fleet, selection: Selection, command: [String], batches: [BatchSize] = PatchAction.defaultBatches,
                timeout: Duration = .seconds(30), dryRun: Bool = false, identity: RunIdentity, reporter: any RolloutReporter,
                journal: Journal? = nil, connector: (any HostConnector)? = nil, interruption: Interruption = Interruption()) {
        self.fleet = fleet
        self.selection = selection
        self.command = command
        self.batches = batches
        self.timeout = timeout
        self.dryRun = dryRun
        self.identity = identity
        self.reporter = reporter
        self.journal = journal
        self.connector = connector ?? SSHHostConnector(settings: fleet.settings)
        self.interruption = interruption
    }

    public func perform() async -> PatchReport {
        // As a rollout's: a fleet larger than --forks never holds every host's session at once.
        let sessions = HostSessions(connector: connector, hosts: fleet.hosts, keepAll: fleet.hosts.count <= max(1, fleet.settings.forks))
        let report = await perform(sessions)
        await sessions.finish()
        await connector.close()
        return report
    }

    private func perform(_ sessions: HostSessions) async -> PatchReport {
        let run = identity.id
        let commandText = PatchRecord.quote(command)
        var report = PatchReport(run: run, command: commandText, dryRun: dryRun)

        // Find the containers on every host.
        let forks = max(1, fleet.settings.forks)
        let reporter = self.reporter
        let selection = self.selection
        let found = await concurrentMap(fleet.hosts.map(\.name), limit: forks) { name -> (String, Result<[PatchTarget], HostFailure>) in
            let reached = await sessions.with(name) { host -> Result<[PatchTarget], HostFailure> in
                do {
                    return .success(try await Self.select(on: host, selection) { container, why in
                        reporter.report(RolloutEvent(.hostSkipped, run: run, host: name, service: container, message: "not patched: \(why)"))
                    })
                } catch {
                    return .failure(HostFailure(host: name, stage: .docker, message: ErrorText.oneLine(error, besideHost: true)))
                }
            }
            switch reached {
            case .success(let result): return (name, result)
            case .failure(let failure): return (name, .failure(failure))
            }
        }
        for (_, result) in found {
            switch result {
            case .success(let targets): report.targets += targets
            case .failure(let failure): report.unreachable.append(failure.description)
            }
        }
        report.noHostReached = !fleet.hosts.isEmpty && report.unreachable.count == fleet.hosts.count
        let planned = BatchPlanner.batches(report.targets, sizes: batches)
        reporter.report(RolloutEvent(.runStarted, run: run,
                                     message: "\(dryRun ? "dry run: " : "")patch \(commandText): \(report.targets.count) containers in \(planned.count) batches",
                                     hosts: report.targets.map(\.label)))
        for problem in report.unreachable {
            reporter.report(RolloutEvent(.hostFailed, run: run, error: problem))
        }
        if dryRun || report.targets.isEmpty {
            for (index, batch) in planned.enumerated() {
                reporter.report(RolloutEvent(.batchStarted, run: run, batch: index + 1, message: "would patch batch \(index + 1) of \(planned.count)",
                                             hosts: batch.map(\.label)))
            }
            report.result = report.targets.isEmpty && report.noHostReached ? .failed : .succeeded
            report.message = dryRun ? "dry run: nothing was changed" : "no running container matches"
            reporter.report(RolloutEvent(.runFinished, run: run, result: report.result.rawValue, message: report.message))
            return report
        }

        let record = RunJournal(journal: journal, reporter: reporter, run: run)
        await record.write { try await $0.startRun(RunStart(
            id: run, command: "patch", playbookName: commandText, playbookPath: "", user: identity.user,
            coordinator: identity.coordinator, pid: identity.pid, process: identity.process,
            started: identity.started,
            hosts: Array(Set(report.targets.map(\.host))).sorted())) }

        // Every lock before anything runs: a second patch or a rollout of these containers stops
        // at once. The first container's lock is taken alone, first: two runs meet there, so
        // exactly one of them goes on instead of each taking some locks and both giving up.
        let lock = { @Sendable [identity] (target: PatchTarget) async -> Result<ServiceLock.Acquired, any Error> in
            let reached = await sessions.with(target.host) { host -> Result<ServiceLock.Acquired, any Error> in
                do {
                    return .success(try await ServiceLock.acquire(on: host.engine, host: target.host, service: target.container,
                                                                  image: target.image, playbook: "patch", identity: identity))
                } catch {
                    return .failure(error)
                }
            }
            switch reached {
            case .success(let result): return result
            case .failure(let failure): return .failure(failure)
            }
        }
        var locks = [await lock(report.targets[0])]
        if case .success = locks[0] {
            locks += await concurrentMap(Array(report.targets.dropFirst()), limit: forks, lock)
        }
        var taken: [PatchTarget] = []
        for (target, result) in zip(report.targets, locks) {
            switch result {
            case .success(let acquired):
                taken.append(target)
                if case .tookOver(let holder) = acquired {
                    reporter.report(RolloutEvent(.hostStep, run: run, host: target.host, service: target.container,
                                                 message: "took over the lock of \(holder): that process is gone"))
                }
            case .failure(let held as LockHeld):
                report.lockedBy = report.lockedBy ?? held
            case .failure(let failure as HostFailure):
                report.lockFailures.append(failure.description)
            case .failure(let error):
                report.lockFailures.append("\(target.label): could not take the lock: \(ErrorText.oneLine(error, besideHost: true))")
            }
        }
        if report.lockedBy != nil || !report.lockFailures.isEmpty {
            await release(taken, sessions)
            report.result = .failed
            report.message = report.lockedBy?.description ?? report.lockFailures.joined(separator: "; ")
            await finish(&report, record)
            return report
        }
        // A session opened again after this (its host left the window) first checks that the
        // run still holds the host's locks.
        let images = Dictionary(taken.map { ($0.label, $0.image) }, uniquingKeysWith: { first, _ in first })
        await sessions.verifyReopened(with: ServiceLock.recheck(
            Dictionary(grouping: taken, by: \.host).mapValues { $0.map(\.container) }, playbook: "patch", identity: identity,
            reporter: reporter, image: { connection, container in images["\(connection.name)/\(container)"] }))

        var stopped = false
        for (index, batch) in planned.enumerated() {
            let number = index + 1
            if stopped || interruption.level >= .stop || record.failure != nil {
                report.notStarted += batch.map(\.label)
                continue
            }
            // This batch's sessions, and the next batch's opened while this one runs.
            let upcoming = index + 1 < planned.count ? Self.hosts(of: planned[index + 1]) : []
            await sessions.setWindow(Array(Self.hosts(of: batch).prefix(forks)) + Array(upcoming.prefix(forks)))
            await record.write { try await $0.startBatch(run: run, index: number, hosts: batch.map(\.label), started: Date()) }
            reporter.report(RolloutEvent(.batchStarted, run: run, batch: number, message: "batch \(number) of \(planned.count)", hosts: batch.map(\.label)))
            let outcomes = await concurrentMap(batch, limit: forks) { target -> PatchOutcome in
                // The step is in the journal before the command runs, so a killed run shows where it was.
                let step = await record.write { try await $0.startStep(run: run, host: target.host, service: target.container, step: .patch, started: Date()) }
                let done = await sessions.with(target.host) { host in await self.patch(target, on: host, batch: number) }
                let outcome = switch done {
                case .success(let outcome): outcome
                case .failure(let failure): PatchOutcome(target: target, result: .failed, error: failure.message)
                }
                if let step {
                    await record.write { try await $0.finishStep(id: step, finished: Date(), outcome: outcome.result == .patched ? .patched : .failed,
                                                     detail: ([outcome.error].compactMap { $0 } + outcome.logs).joined(separator: "\n").nilIfEmpty) }
                }
                return outcome
            }
            for outcome in outcomes {
                report.outcomes.append(outcome)
                await record.write { try await $0.recordOutcome(HostOutcomeRecord(
                    run: run, host: outcome.host, service: outcome.container, container: outcome.container, from: outcome.image,
                    to: outcome.image, outcome: outcome.result.rawValue, seconds: outcome.seconds, error: outcome.error,
                    previousContainer: nil, at: Date())) }
                let kind: RolloutEvent.Kind = outcome.result == .patched ? .hostUpdated : .hostFailed
                reporter.report(RolloutEvent(kind, run: run, batch: number, host: outcome.host, service: outcome.container,
                                             seconds: outcome.seconds,
                                             message: outcome.result == .patched ? "patched, exit 0" : outcome.exitCode.map { "exit \($0)" }, error: outcome.error,
                                             logs: outcome.logs.isEmpty ? nil : outcome.logs))
            }
            await record.write { try await $0.finishBatch(run: run, index: number, finished: Date()) }
            reporter.report(RolloutEvent(.batchFinished, run: run, batch: number, hosts: batch.map(\.label)))
            if outcomes.contains(where: { $0.result != .patched }) { stopped = true }
        }
        await release(taken, sessions)
        let failed = report.outcomes.filter { $0.result != .patched }.map(\.label)
        if let signal = interruption.signal {
            report.result = .interrupted
            report.interruptedBy = signal
            report.message = "interrupted by \(Interruption.name(of: signal))"
        } else if !failed.isEmpty {
            report.result = .failed
            report.message = "failed on \(failed.joined(separator: ", "))"
                + (report.notStarted.isEmpty ? "" : "; not started: \(report.notStarted.joined(separator: ", "))")
        } else if let failure = record.failure {
            report.result = .failed
            report.message = "the journal could not be written (\(failure)); no new batch was started"
        } else {
            report.result = .succeeded
        }
        await finish(&report, record)
        return report
    }

    // MARK: One container

    /// Runs the command, records it inside the container, and watches the container for `timeout`.
    private func patch(_ target: PatchTarget, on host: RolloutHost, batch: Int) async -> PatchOutcome {
        let started = ContinuousClock.now
        let run = identity.id
        func seconds() -> Double {
            (ContinuousClock.now - started).seconds
        }
        func step(_ message: String) {
            reporter.report(RolloutEvent(.hostStep, run: run, batch: batch, host: target.host, service: target.container, message: message))
        }
        var outcome = PatchOutcome(target: target, result: .failed)
        step("running \(PatchRecord.quote(command))")
        let result: ExecResult
        do {
            // A first signal lets the command finish, to be recorded: stopped halfway, a
            // package upgrade may leave the container worse off than either end.
            result = try await interruption.run(until: .hurry) { [command, commandTimeout] in
                try await host.engine.exec(in: target.container, command: command, user: nil, timeout: commandTimeout)
            }
        } catch is Interrupted {
            outcome.error = "interrupted twice while the command ran: it may still be running inside \(target.container), "
                + "and no record of it was written; `molt audit` shows what it changed"
            outcome.seconds = seconds()
            return outcome
        } catch {
            outcome.error = "the command could not be run: \(ErrorText.oneLine(error, besideHost: true))"
            outcome.seconds = seconds()
            return outcome
        }
        outcome.exitCode = result.exitCode
        outcome.logs = Self.lastLines(result.stderrText) + Self.lastLines(result.stdoutText)
        // The command ran: whatever it changed, the container records it, even when it failed.
        let line = PatchRecord(time: Date(), run: run, user: identity.user, command: PatchRecord.quote(command), exitCode: result.exitCode)
        do {
            try await PatchRecord.append(line, to: target.container, on: host.engine)
        } catch {
            outcome.error = "could not record the patch in \(PatchRecord.path): \(ErrorText.oneLine(error, besideHost: true))"
            outcome.seconds = seconds()
            return outcome
        }
        guard result.succeeded else {
            outcome.error = "the command exited with \(result.exitCode)"
            outcome.seconds = seconds()
            return outcome
        }
        do {
            let details = try await host.engine.inspectContainer(target.container)
            // Docker calls a container unhealthy only after its HEALTHCHECK failed `Retries`
            // times in a row: a shorter watch could not see a patch that broke it.
            let watch = max(timeout, Self.timeToUnhealthy(details) ?? .zero)
            step("watching \(target.container) for \(DurationText.format(watch))"
                 + (watch > timeout ? " (its HEALTHCHECK calls it unhealthy only after that long)" : ""))
            // Healthy within the watch and then for as long again.
            let check = HealthCheck(spec: HealthSpec(interval: min(.seconds(1), watch / 4), timeout: watch, stable: watch), host: host)
            try await interruption.run(until: .stop) { try await check.waitUntilHealthy(details.id) }
        } catch is Interrupted {
            outcome.error = "interrupted while watching \(target.container) after the patch: its health is not confirmed"
            outcome.seconds = seconds()
            return outcome
        } catch {
            outcome.error = "not healthy after the patch: \(ErrorText.oneLine(error, besideHost: true))"
            outcome.seconds = seconds()
            return outcome
        }
        outcome.result = .patched
        outcome.seconds = seconds()
        return outcome
    }

    /// How long the container's HEALTHCHECK takes at most to call it unhealthy once it
    /// breaks: `Interval` × `Retries`, with Docker's defaults (30 s, 3) for what is unset;
    /// `nil` without a HEALTHCHECK.
    static func timeToUnhealthy(_ details: ContainerDetails) -> Duration? {
        guard ServiceOnHost.hasHealthcheck(details) else { return nil }
        let check = details.config["Healthcheck"]
        let interval = check?["Interval"]?.integerValue.flatMap { $0 > 0 ? $0 : nil } ?? 30_000_000_000
        let retries = check?["Retries"]?.integerValue.flatMap { $0 > 0 ? $0 : nil } ?? 3
        return .nanoseconds(interval) * Int(min(retries, 1_000))
    }

    private static func lastLines(_ text: String) -> [String] {
        Array(text.split(whereSeparator: \.isNewline).suffix(10).map(String.init))
    }

    // MARK: Selection

    /// The running containers on one host that `selection` matches, molt's own left out.
    static func select(on host: RolloutHost, _ selection: Selection,
                       skipped: (_ container: String, _ why: String) -> Void = { _, _ in }) async throws -> [PatchTarget] {
        let candidates = try await host.engine.listContainers(all: false)
            .filter { $0.state == "running" && !FindAction.isMoltInternal($0.name) }
            .filter { summary in selection.container.map { $0 == summary.name } ?? true }
            .filter { summary in selection.imageGlob.map { fnmatch($0, summary.image, 0) == 0 } ?? true }
            .sorted { $0.name < $1.name }
        guard let package = selection.package else {
            return candidates.map { PatchTarget(host: host.name, container: $0.name, image: $0.image) }
        }
        var targets: [PatchTarget] = []
        for summary in candidates {
            var matches = false
            for location in PackageDatabase.locations {
                let bytes: [UInt8]
                do {
                    bytes = try await host.engine.archive(of: summary.id, path: location.path,
                                                          maxSize: PackageDatabaseReader.defaultLimit + (1 << 20))
                } catch let error as DockerError where error.code == .notFound {
                    continue
                }
                let installed = try PackageDatabase.packages(fromArchive: bytes, format: location.format).filter { $0.name == package }
                do {
                    if try installed.contains(where: { try selection.below?.admits($0) ?? true }) { matches = true }
                } catch {
                    // No bound for this container's kind of package (an Alpine one among Debian
                    // ones): it is left alone, and said so; the host's other containers are not.
                    skipped(summary.name, String(describing: error))
                }
            }
            if matches { targets.append(PatchTarget(host: host.name, container: summary.name, image: summary.image)) }
        }
        return targets
    }

    // MARK: Locks and the end

    /// The distinct hosts of `targets`, in their order.
    private static func hosts(of targets: [PatchTarget]) -> [String] {
        var seen = Set<String>()
        return targets.map(\.host).filter { seen.insert($0).inserted }
    }

    /// Removes the locks, --forks hosts at once, the hosts whose sessions are open first.
    private func release(_ taken: [PatchTarget], _ sessions: HostSessions) async {
        let byHost = Dictionary(grouping: taken, by: \.host)
        let locked = Self.hosts(of: taken).map { host in (host: host, services: (byHost[host] ?? []).map(\.container)) }
        await ServiceLock.releaseAll(locked, sessions: sessions, forks: fleet.settings.forks, identity: identity, reporter: reporter)
    }

    private func finish(_ report: inout PatchReport, _ record: RunJournal) async {
        report.finished = Date()
        let result = report.lockedBy == nil ? report.result.recorded : .locked
        let finished = report.finished
        await record.write { try await $0.finishRun(id: identity.id, result: result, finished: finished) }
        if record.failure != nil { report.journalFailed = true }
        reporter.report(RolloutEvent(.runFinished, run: identity.id, seconds: report.finished.timeIntervalSince(identity.started),
                                     result: report.result.rawValue, message: report.message))
    }
}

/// A running container `molt patch` works on.
public struct PatchTarget: Sendable, Hashable, Encodable {
    public var host: String
    public var container: String
    public var image: String

    public init(host: String, container: String, image: String) {
        self.host = host
        self.container = container
        self.image = image
    }

    /// `host/container`, as progress lines and the journal's batches name it.
    public var label: String { "\(host)/\(container)" }
}

/// What the patch did to one container.
public struct PatchOutcome: Sendable, Encodable {
    public enum Result: String, Sendable, Encodable {
        /// The command exited 0 and the container stayed healthy.
        case patched
        /// The command failed, could not run, or the container did not stay healthy.
        case failed
    }

    public var host: String
    public var container: String
    public var image: String
    public var result: Result
    /// The command's exit code, when it ran.
    public var exitCode: Int?
    public var seconds: Double = 0
    public var error: String?
    /// The command's last output lines.
    public var logs: [String] = []

    public init(target: PatchTarget, result: Result, exitCode: Int? = nil, error: String? = nil) {
        self.host = target.host
        self.container = target.container
        self.image = target.image
        self.result = result
        self.exitCode = exitCode
        self.error = error
    }

    public var label: String { "\(host)/\(container)" }

    enum CodingKeys: String, CodingKey {
        case host, container, image, result, seconds, error, logs
        case exitCode = "exit_code"
    }
}

/// Everything `molt patch` did, or with `--dry-run` would do.
public struct PatchReport: Sendable, Encodable {
    public var run: String
    /// The command, shell-quoted.
    public var command: String
    public var dryRun: Bool
    public var result: RunResult = .succeeded
    /// The matching containers, in batch order.
    public var targets: [PatchTarget] = []
    public var outcomes: [PatchOutcome] = []
    /// Containers of batches that never started, `host/container`.
    public var notStarted: [String] = []
    /// Hosts that could not be reached or searched, one line each.
    public var unreachable: [String] = []
    public var lockedBy: LockHeld?
    /// Locks that could not be taken (not held by another run): nothing was run.
    public var lockFailures: [String] = []
    public var message: String?
    public var noHostReached = false
    public var interruptedBy: Int32?
    public var journalFailed = false
    public var finished = Date()

    public init(run: String, command: String, dryRun: Bool) {
        self.run = run
        self.command = command
        self.dryRun = dryRun
    }

    enum CodingKeys: String, CodingKey {
        case run, command, result, targets, outcomes, unreachable, message
        case dryRun = "dry_run"
        case notStarted = "not_started"
    }

    /// 0 all patched (or a dry run), 1 a failure, 3 some hosts unreachable, 4 locked,
    /// 5 no host reached, 128 + signal when interrupted.
    public var exitCode: Int32 {
        if let interruptedBy { return 128 + interruptedBy }
        if lockedBy != nil { return 4 }
        if noHostReached { return 5 }
        if result != .succeeded || journalFailed { return 1 }
        if !unreachable.isEmpty { return 3 }
        return 0
    }
}
