import DockerEngine
import Fleet
import Foundation
import Inventory
import MoltTestSupport
import Playbook
@testable import Rollout

/// A scripted host with the lab's `web` service on it, and what the tests of the replacement
/// state machine ask of it.
struct Scene {
    static let v1 = "registry.test/web:1.0"
    static let v2 = "registry.test/web:2.0"
    static let bad = "registry.test/web:2.1-bad"
    static let crashing = "registry.test/web:2.2-crashing"
    static let slow = "registry.test/web:2.3-slow"
    static let secret = "hunter2-in-the-environment"
    /// What a call gets while dockerd restarts: its socket refuses the channel.
    static let engineAway = DockerError(.transport, "cannot reach the Docker socket /var/run/docker.sock: connect failed")

    let docker = ScriptedDocker()
    let interruption = Interruption()

    /// web:1.0 healthy on the host, web:2.0 (healthy), 2.1-bad (never healthy) and 2.2-crashing
    /// (exits) in the registry; `web` running 1.0 on the volume `web-data`, which holds a file.
    static func make(order: UpdateOrder = .stopFirst, retain: Int = 1, v1Behaviour: ScriptedDocker.Behaviour? = nil) async throws -> Scene {
        let scene = Scene()
        let healthy = ScriptedDocker.Behaviour(health: .healthyAfter(1), http: [8080: 200], logs: ["web starting"])
        await scene.docker.add(.init(reference: v1, env: ["PATH=/bin", "RELEASE=1.0"], volumes: ["/data"], behaviour: v1Behaviour ?? healthy))
        await scene.docker.publish(.init(reference: v2, env: ["PATH=/bin", "RELEASE=2.0"], volumes: ["/data"], behaviour: healthy))
        await scene.docker.publish(.init(reference: bad, env: ["PATH=/bin", "RELEASE=2.1"], volumes: ["/data"],
                                         behaviour: .init(health: .unhealthyAfter(2), http: [8080: 500], logs: ["web 2.1: \u{1B}[31mcannot read config\u{1B}[0m", "password is \(secret)"])))
        await scene.docker.publish(.init(reference: crashing, env: ["PATH=/bin"], volumes: ["/data"],
                                         behaviour: .init(health: .healthyAfter(5), exitsAfter: (1, 3), logs: ["panic"])))
        await scene.docker.publish(.init(reference: slow, env: ["PATH=/bin"], volumes: ["/data"], behaviour: .init(health: .neverReady, http: [8080: 200])))
        try await scene.docker.run("web", image: v1, env: ["DB_PASSWORD=\(secret)"], binds: ["web-data:/data"])
        await scene.docker.write(volume: "web-data", file: "created", "1.0")
        return scene
    }

    /// Releases fail by their own signs (Docker's unhealthy, an exit), never by this deadline:
    /// it only guards against a hang, so a loaded machine never trips it.
    static let health = HealthSpec(http: HTTPProbe(port: 8080, path: "/health", status: 200), interval: .milliseconds(1),
                                   timeout: .seconds(30), stable: .zero)

    static func service(_ image: String = v2, health: HealthSpec = Scene.health, trial: TrialSpec? = nil) -> Service {
        Service(container: "web", image: image, health: health, trial: trial)
    }

    static func settings(order: UpdateOrder = .stopFirst, retain: Int = 1) -> ReplacementSettings {
        ReplacementSettings(pull: .missing, order: order, stopTimeout: .seconds(1), retain: retain)
    }

    static func identity(_ id: String = "run-\(UUID().uuidString.prefix(8))") -> RunIdentity {
        RunIdentity(id: id, user: "tester", coordinator: "test")
    }

    /// A replacement over a new session (a new coordinator).
    func replacement(_ service: Service = Scene.service(), settings: ReplacementSettings = Scene.settings(),
                     identity: RunIdentity = Scene.identity(), engine: ScriptedEngine? = nil) -> Replacement {
        Replacement(host: (engine ?? docker.engine()).host("host1"), service: service, settings: settings, identity: identity,
                    interruption: interruption)
    }

    /// The live container, which must exist.
    func web() async throws -> ScriptedDocker.Container {
        guard let web = await docker.container("web") else { throw SceneError("no container named web: \(await docker.names)") }
        return web
    }

    /// Names molt left that a finished replacement never leaves.
    func strays() async -> [String] {
        await docker.names.filter { $0.contains(".molt-next") || $0.contains(".molt-failed") || $0.contains(".molt-trial")
            || $0.contains(".molt-clone-") || $0.contains(".molt-undone") || $0.hasPrefix("molt-lock.") }
    }
}

struct SceneError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Collects events, for tests of what a run reports.
final class EventLog: RolloutReporter, @unchecked Sendable {
    private let lock = NSLock()
    private var collected: [RolloutEvent] = []

    func report(_ event: RolloutEvent) {
        lock.lock()
        collected.append(event)
        lock.unlock()
    }

    var events: [RolloutEvent] {
        lock.lock()
        defer { lock.unlock() }
        return collected
    }

    /// Every text the events carry, one string per field.
    var texts: [String] {
        events.flatMap { [$0.message, $0.error, $0.from, $0.to].compactMap { $0 } + ($0.logs ?? []) }
    }
}
