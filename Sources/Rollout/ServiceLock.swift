import DockerEngine
public import Fleet
import Foundation
import Inventory

/// The lock of one service on one host (SPEC §6): a stopped container `molt-lock.SERVICE`,
/// never started, labelled with its holder. Creating it is atomic: a second creator gets 409.
///
/// It is removed with its volumes: the only ones it has are the anonymous volumes the
/// engine made for its image's `VOLUME`s, which would otherwise pile up on every run.
public struct ServiceLock: Sendable {
    /// Who holds a lock, from its labels.
    public struct Holder: Sendable, Hashable, CustomStringConvertible, Encodable {
        public var run: String
        public var playbook: String
        public var user: String
        public var coordinator: String
        public var pid: Int32
        public var started: String

        public var description: String {
            "run \(run) of \(playbook) by \(user)@\(coordinator) (pid \(pid)) since \(started)"
        }

        init(labels: [String: String]) {
            run = labels["molt.lock.run"] ?? "?"
            playbook = labels["molt.lock.playbook"] ?? "?"
            user = labels["molt.lock.user"] ?? "?"
            coordinator = labels["molt.lock.coordinator"] ?? "?"
            pid = Int32(labels["molt.lock.pid"] ?? "") ?? 0
            started = labels["molt.lock.started"] ?? "?"
        }

        /// True when the holder ran on this machine and its process is gone: provably dead.
        public func isProvablyDead(on coordinator: String) -> Bool {
            guard self.coordinator == coordinator, pid > 0 else { return false }
            return kill(pid, 0) != 0 && errno == ESRCH
        }
    }

    /// The lock container's name for a service.
    public static func containerName(service: String) -> String { "molt-lock.\(service)" }

    /// What acquiring found.
    public enum Acquired: Sendable {
        case fresh
        /// A dead holder's lock was taken over.
        case tookOver(Holder)
    }

    /// Creates the lock container from `image` (the service's current image, so nothing is
    /// pulled for it).
    /// - Throws: `LockHeld` naming the holder when another live run holds it.
    public static func acquire(on connection: HostConnection, service: String, image: String,
                               playbook: String, identity: RunIdentity) async throws -> Acquired {
        let name = containerName(service: service)
        let body: JSONValue = [
            "Image": .string(image),
            "Entrypoint": ["molt-lock"],
            "Cmd": [],
            "Labels": .object([
                "molt.lock.run": .string(identity.id),
                "molt.lock.playbook": .string(playbook),
                "molt.lock.user": .string(identity.user),
                "molt.lock.coordinator": .string(identity.coordinator),
                "molt.lock.pid": .string(String(identity.pid)),
                "molt.lock.started": .string(ISO8601DateFormatter().string(from: identity.started)),
            ]),
            "HostConfig": ["NetworkMode": "none"],
        ]
        // The engine reserves a name before the container can be inspected: a 409 followed by
        // a 404 means the other creator is still mid-way (or just released). Look again.
        for attempt in 0..<50 {
            if attempt > 0 { try await Task.sleep(for: .milliseconds(100)) }
            do {
                _ = try await connection.docker.createContainer(name: name, body: body)
                return .fresh
            } catch let error as DockerError where error.code == .conflict {
                guard let holder = try await currentHolder(on: connection, name: name) else { continue }
                if holder.run == identity.id { return .fresh }
                guard holder.isProvablyDead(on: identity.coordinator) else {
                    throw LockHeld(host: connection.host.name, service: service, holder: holder)
                }
                try await connection.docker.removeContainer(name, force: true, volumes: true)
                do {
                    _ = try await connection.docker.createContainer(name: name, body: body)
                } catch let error as DockerError where error.code == .conflict {
                    guard let winner = try await currentHolder(on: connection, name: name) else { continue }
                    throw LockHeld(host: connection.host.name, service: service, holder: winner)
                }
                return .tookOver(holder)
            }
        }
        throw ReplacementError("the lock \(name) on \(connection.host.name) kept changing hands for 5 s")
    }

    private static func currentHolder(on connection: HostConnection, name: String) async throws -> Holder? {
        try await connection.docker.container(named: name).map { Holder(labels: $0.labels) }
    }

    /// Removes the lock if this run holds it.
    public static func release(on connection: HostConnection, service: String, identity: RunIdentity) async {
        let name = containerName(service: service)
        guard let existing = try? await connection.docker.container(named: name),
              existing.labels["molt.lock.run"] == identity.id else { return }
        try? await connection.docker.removeContainer(name, force: true, volumes: true)
    }

    /// The holder of a service's lock on a host, if any.
    public static func holder(on connection: HostConnection, service: String) async throws -> Holder? {
        try await currentHolder(on: connection, name: containerName(service: service))
    }

    /// Removes a lock whoever holds it (`molt unlock`).
    public static func breakLock(on connection: HostConnection, service: String) async throws {
        try await connection.docker.removeContainer(containerName(service: service), force: true, volumes: true)
    }
}

/// Another run holds the lock: exit 4, naming the holder.
public struct LockHeld: Error, CustomStringConvertible, Sendable {
    public var host: String
    public var service: String
    public var holder: ServiceLock.Holder

    public var description: String {
        "\(host): \(service) is locked by \(holder); if that run is dead, `molt unlock` removes the lock"
    }
}
