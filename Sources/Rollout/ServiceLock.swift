public import DockerEngine
import Durations
import Foundation
import Fleet
public import Journal
import MoltNames
import Packages
import Playbook

/// The lock of one service on one host (SPEC §6): a stopped container `molt-lock.SERVICE`,
/// never started, labelled with its holder. Creating it is atomic: a second creator gets 409.
///
/// Locks are removed by container ID, never by name: the name may by then belong to a lock
/// another run just took. It is removed with its volumes: the only ones it has are the
/// anonymous volumes the engine made for its image's `VOLUME`s, which would otherwise pile
/// up on every run.
public struct ServiceLock: Sendable {
    /// Who holds a lock, from its labels.
    public struct Holder: Sendable, Hashable, CustomStringConvertible, Encodable {
        /// The lock container's ID: what removing exactly this lock takes.
        public var containerID: String
        public var run: String
        public var playbook: String
        public var user: String
        public var coordinator: String
        public var pid: Int32
        public var started: String
        /// The holder's process, when the lock records it (molt before 0.2 did not).
        public var process: ProcessIdentity?

        public var description: String {
            "run \(run) of \(playbook) by \(user)@\(coordinator) (pid \(pid)) since \(started)"
        }

        enum CodingKeys: String, CodingKey {
            case run, playbook, user, coordinator, pid, started
        }

        init(containerID: String, labels: [String: String]) {
            self.containerID = containerID
            run = labels[Label.run] ?? "?"
            playbook = labels[Label.playbook] ?? "?"
            user = labels[Label.user] ?? "?"
            coordinator = labels[Label.coordinator] ?? "?"
            pid = Int32(labels[Label.pid] ?? "") ?? 0
            started = labels[Label.started] ?? "?"
            if let machine = labels[Label.machineID], let boot = labels[Label.bootID], let namespace = labels[Label.pidNamespace],
               let startTime = labels[Label.processStart].flatMap({ UInt64($0) }) {
                process = ProcessIdentity(machineID: machine, bootID: boot, pidNamespace: namespace, pid: pid, startTime: startTime)
            }
        }

        /// True when the holder's process is provably gone, as seen by `observer` (SPEC §6):
        /// same machine, same boot and PID namespace, and no process with its PID and start time.
        public func isProvablyDead(seenFrom observer: ProcessIdentity, startTimeOf: (Int32) -> UInt64? = ProcessIdentity.startTime(of:)) -> Bool {
            process?.isProvablyGone(seenFrom: observer, startTimeOf: startTimeOf) ?? false
        }
    }

    /// The labels of a lock container.
    enum Label {
        static let run = "molt.lock.run"
        static let playbook = "molt.lock.playbook"
        static let user = "molt.lock.user"
        static let coordinator = "molt.lock.coordinator"
        static let pid = "molt.lock.pid"
        static let started = "molt.lock.started"
        static let machineID = "molt.lock.machine-id"
        static let bootID = "molt.lock.boot-id"
        static let pidNamespace = "molt.lock.pid-namespace"
        static let processStart = "molt.lock.process-start"
    }

    /// The lock container's name for a service.
    public static func containerName(service: String) -> String { ContainerNames(service).lock }

    /// What acquiring found.
    public enum Acquired: Sendable {
        case fresh
        /// A dead holder's lock was taken over.
        case tookOver(Holder)
    }

    /// Creates the lock container from `image` (the service's current image, so nothing is
    /// pulled for it).
    /// - Parameters:
    ///   - host: the host's name, for messages.
    ///   - startTimeOf: how a PID's start time is read (tests stand in a process table).
    /// - Throws: `LockHeld` naming the holder when another run holds it and is not provably dead.
    public static func acquire(on engine: any ContainerEngine, host: String, service: String, image: String,
                               playbook: String, identity: RunIdentity,
                               startTimeOf: @Sendable (Int32) -> UInt64? = ProcessIdentity.startTime(of:)) async throws -> Acquired {
        let name = containerName(service: service)
        let process = identity.process
        let body: JSONValue = [
            "Image": .string(image),
            "Entrypoint": ["molt-lock"],
            "Cmd": [],
            "Labels": .object([
                Label.run: .string(identity.id),
                Label.playbook: .string(playbook),
                Label.user: .string(identity.user),
                Label.coordinator: .string(identity.coordinator),
                Label.pid: .string(String(identity.pid)),
                Label.started: .string(ISO8601DateFormatter().string(from: identity.started)),
                Label.machineID: .string(process.machineID),
                Label.bootID: .string(process.bootID),
                Label.pidNamespace: .string(process.pidNamespace),
                Label.processStart: .string(String(process.startTime)),
            ]),
            "HostConfig": ["NetworkMode": "none"],
        ]
        var tookOver: Holder?
        // The engine reserves a name before the container can be inspected: a 409 followed by
        // a 404 means the other creator is still mid-way (or just released). Look again.
        for attempt in 0..<50 {
            if attempt > 0 { try await Task.sleep(for: .milliseconds(100)) }
            do {
                _ = try await engine.createContainer(name: name, body: body)
                return tookOver.map(Acquired.tookOver) ?? .fresh
            } catch let error as DockerError where error.code == .conflict {
                guard let holder = try await currentHolder(on: engine, name: name) else { continue }
                if holder.run == identity.id { return tookOver.map(Acquired.tookOver) ?? .fresh }
                // A run waiting at a gate has no process: its lock is never taken over. One
                // promoted names the process that took the run up again.
                let state = try await self.state(on: engine, lock: holder.containerID)
                if let state, state.phase == .waiting {
                    throw LockHeld(host: host, service: service, holder: holder, waiting: state)
                }
                var living = holder
                if let resumed = state?.process { living.process = resumed }
                guard living.isProvablyDead(seenFrom: process, startTimeOf: startTimeOf) else {
                    throw LockHeld(host: host, service: service, holder: holder)
                }
                // Exactly the dead holder's container goes: if another run took it over first,
                // the ID is gone, nothing is removed, and the next create meets the new holder.
                do {
                    try await engine.removeContainer(holder.containerID, force: true, volumes: true)
                } catch let error as DockerError where error.code == .notFound || error.code == .conflict {
                    continue
                }
                tookOver = holder
            }
        }
        throw ReplacementError("the lock \(name) on \(host) kept changing hands for 5 s")
    }

    private static func currentHolder(on engine: any ContainerEngine, name: String) async throws -> Holder? {
        try await engine.container(named: name).map { Holder(containerID: $0.id, labels: $0.labels) }
    }

    /// Removes the lock if this run holds it.
    public static func release(on engine: any ContainerEngine, service: String, identity: RunIdentity) async throws {
        let name = containerName(service: service)
        guard let existing = try await engine.container(named: name), existing.labels[Label.run] == identity.id else { return }
        try await engine.removeContainer(existing.id, force: true, volumes: true)
    }

    /// The holder of a service's lock on a host, if any.
    public static func holder(on engine: any ContainerEngine, service: String) async throws -> Holder? {
        try await currentHolder(on: engine, name: containerName(service: service))
    }

    /// Removes exactly the lock `holder` describes (`molt unlock`, after showing it). Returns
    /// false, removing nothing, when the lock has changed hands since.
    public static func breakLock(on engine: any ContainerEngine, service: String, holder: Holder) async throws -> Bool {
        guard let now = try await currentHolder(on: engine, name: containerName(service: service)), now.containerID == holder.containerID else {
            return false
        }
        do {
            try await engine.removeContainer(holder.containerID, force: true, volumes: true)
        } catch let error as DockerError where error.code == .notFound {
            return false
        }
        return true
    }
}

/// Another run holds the lock: exit 4, naming the holder.
public struct LockHeld: Error, CustomStringConvertible, Sendable {
    public var host: String
    public var service: String
    public var holder: ServiceLock.Holder
    /// Set when the holder is a run waiting at a gate (SPEC §10).
    public var waiting: ServiceLock.State?

    public init(host: String, service: String, holder: ServiceLock.Holder, waiting: ServiceLock.State? = nil) {
        self.host = host
        self.service = service
        self.holder = holder
        self.waiting = waiting
    }

    public var description: String {
        if let waiting {
            return "\(host): \(service) is held by run \(holder.run) of \(holder.playbook) (\(holder.user)@\(holder.coordinator)), "
                + "waiting at its gate after batch \(waiting.batch ?? 0) since \(waiting.since): "
                + "`molt promote \(holder.run)` goes on, `molt abort \(holder.run)` rolls it back"
        }
        return "\(host): \(service) is locked by \(holder); if that run is dead, `molt unlock` removes the lock"
    }
}

extension ServiceLock {
    /// What the run holding a lock is doing, kept in the lock container as ``statePath`` (the
    /// labels cannot change once it is made): a run waiting at a gate, whose process has
    /// ended, or the process that took it up again with `molt promote` or `molt abort`.
    public struct State: Sendable, Hashable, Codable {
        public enum Phase: String, Sendable, Hashable, Codable {
            /// Held by a run stopped at a manual gate: never taken over.
            case waiting
            /// Held by the run again, in `process`.
            case resumed
        }

        public var phase: Phase
        public var run: String
        /// The batch the gate followed.
        public var batch: Int?
        /// The service container's ID when the run stopped at the gate: a promote checks it.
        public var container: String?
        /// The process that took the run up again.
        public var process: ProcessIdentity?
        /// When this state was written (ISO 8601).
        public var since: String

        init(phase: Phase, run: String, batch: Int? = nil, container: String? = nil,
             process: ProcessIdentity? = nil, since: Date = Date()) {
            self.phase = phase
            self.run = run
            self.batch = batch
            self.container = container
            self.process = process
            self.since = ISO8601DateFormatter().string(from: since)
        }
    }

    /// Where a lock container keeps its ``State``.
    public static let statePath = "/molt-lock-state.json"

    /// The state written in the lock container `lock` (an ID), if any.
    public static func state(on engine: any ContainerEngine, lock: String) async throws -> State? {
        let archive: [UInt8]
        do {
            archive = try await engine.archive(of: lock, path: statePath, maxSize: 1 << 16)
        } catch let error as DockerError where error.code == .notFound {
            return nil
        }
        guard let file = try TarArchive.entries(archive).first(where: { $0.kind == .file }) else { return nil }
        return try? JSONDecoder().decode(State.self, from: Data(file.contents))
    }

    /// Writes `state` into this run's lock of `service`; false when the run does not hold it.
    public static func write(_ state: State, on engine: any ContainerEngine, service: String) async throws -> Bool {
        guard let existing = try await engine.container(named: containerName(service: service)), existing.labels[Label.run] == state.run else {
            return false
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let entry = TarEntry.file(String(statePath.dropFirst()), contents: Array(try encoder.encode(state)), mode: 0o644,
                                  modificationTime: Int(Date().timeIntervalSince1970))
        try await engine.putArchive(into: existing.id, path: "/", tar: TarArchive.make(entries: [entry]))
        return true
    }

    /// The state of this run's lock of `service`, if the run holds it.
    public static func state(on engine: any ContainerEngine, service: String, run: String) async throws -> State? {
        guard let existing = try await engine.container(named: containerName(service: service)), existing.labels[Label.run] == run else {
            return nil
        }
        return try await state(on: engine, lock: existing.id)
    }
}

extension ServiceLock {
    /// The check a session opened again runs before it is used (``HostSessions``): every lock
    /// the run took on the host (`locked`, service names by host) is still the run's. A lock
    /// someone removed meanwhile (`molt unlock`) is taken again, from the image `image` names;
    /// one another run holds now fails the host, untouched.
    static func recheck(
        _ locked: [String: [String]], playbook: String, identity: RunIdentity, reporter: any RolloutReporter,
        image: @escaping @Sendable (RolloutHost, String) async throws -> String?
    ) -> @Sendable (RolloutHost) async throws(HostFailure) -> Void {
        { connection throws(HostFailure) in
            for service in locked[connection.name] ?? [] {
                do {
                    if try await holder(on: connection.engine, service: service)?.run == identity.id { continue }
                    guard let image = try await image(connection, service) else { continue }
                    _ = try await acquire(on: connection.engine, host: connection.name, service: service, image: image,
                                          playbook: playbook, identity: identity)
                    reporter.report(RolloutEvent(.hostStep, run: identity.id, host: connection.name, service: service,
                                                 message: "the lock \(ContainerNames(service).lock) was gone when molt reconnected; took it again"))
                } catch let held as LockHeld {
                    throw HostFailure(host: connection.name, stage: .docker,
                                      message: "the lock of \(service) is no longer this run's: \(held.description); nothing was touched")
                } catch {
                    throw HostFailure(host: connection.name, stage: .docker,
                                      message: "could not check the lock of \(service) after reconnecting: \(ErrorText.oneLine(error, besideHost: true))")
                }
            }
        }
    }
}

extension ServiceLock {
    /// Removes every lock a run took (`locked`: each host, in order, with its services), `forks`
    /// hosts at once, the hosts whose sessions are open first, reaching again those whose
    /// sessions were closed; only `forks` open sessions are kept meanwhile, so at most twice
    /// `forks` are open. A host whose release never ends holds no other host's locks: past
    /// ``HostDeadline/lockRelease`` it is left behind. Every lock not removed is a warning
    /// naming it and `molt unlock`. Each host's session is closed once its locks are gone.
    static func releaseAll(
        _ locked: [(host: String, services: [String])], sessions: HostSessions, forks: Int,
        identity: RunIdentity, reporter: any RolloutReporter
    ) async {
        let forks = max(1, forks)
        let services = Dictionary(locked, uniquingKeysWith: { first, _ in first })
        let hosts = locked.map(\.host)
        let open = Array(await sessions.openHosts(among: hosts).prefix(forks))
        await sessions.setWindow(open, openAhead: false)
        let limit = HostDeadline.lockRelease
        _ = await concurrentMap(open + hosts.filter { !open.contains($0) }, limit: forks) { host in
            let names = services[host] ?? []
            @Sendable func warn(_ service: String, _ why: String) {
                reporter.report(RolloutEvent(.hostStep, run: identity.id, host: host, service: service,
                                             message: "warning: could not remove the lock \(ContainerNames(service).lock)\(why); `molt unlock` removes it"))
            }
            let bounded = await TimeLimit.run(limit) {
                await sessions.with(host) { connection in
                    for service in names {
                        do {
                            try await EngineAway.retrying {
                                try await release(on: connection.engine, service: service, identity: identity)
                            }
                        } catch {
                            warn(service, ": \(ErrorText.oneLine(error, besideHost: true))")
                        }
                    }
                }
            }
            switch bounded {
            case nil:
                for service in names { warn(service, " on \(host): no answer within \(DurationText.format(limit))") }
            case .failure(let failure)?:
                for service in names { warn(service, ": \(failure.message)") }
            case .success?:
                break
            }
            await sessions.drop(host)
        }
    }
}
