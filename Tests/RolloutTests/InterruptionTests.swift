import DockerEngine
import Foundation
import MoltTestSupport
import Playbook
@testable import Rollout
import Testing

/// SPEC §4.9: signals, on a scripted engine.
@Suite("A replacement stopped by a signal (scripted engine)")
struct InterruptionTests {
    @Test("a signal during the health wait: the old container is started again under its name, the new one removed, the host as it was")
    func signalDuringHealthWait() async throws {
        let scene = try await Scene.make()
        let old = try await scene.web()
        let interruption = scene.interruption
        await scene.docker.inject(.init(.inspect, target: "web.molt-next", occurrence: 2, effect: .none) { interruption.escalate(signal: SIGTERM) })
        let outcome = await scene.replacement(Scene.service(Scene.slow)).run()
        #expect(outcome.kind == .interrupted, "\(outcome)")
        #expect(outcome.message?.contains("as it was") == true, "\(outcome)")
        let web = try await scene.web()
        #expect(web.id == old.id && web.running)
        #expect(await scene.docker.names == ["web"])
    }

    @Test("a second signal skips the undo: the host is left mid-swap, and the next run repairs it")
    func secondSignalSkipsUndo() async throws {
        let scene = try await Scene.make()
        let old = try await scene.web()
        let interruption = scene.interruption
        await scene.docker.inject(.init(.inspect, target: "web.molt-next", occurrence: 2, effect: .none) {
            interruption.escalate(signal: SIGINT)
            interruption.escalate(signal: SIGINT)
        })
        let outcome = await scene.replacement(Scene.service(Scene.slow)).run()
        #expect(outcome.kind == .interrupted)
        #expect(outcome.message?.contains("left for the next run") == true, "\(outcome)")
        #expect(await scene.docker.names == ["web.molt-next", "web.molt-prev"])

        let again = try await Scene.rerun(scene, Scene.service(Scene.v2))
        #expect(again.kind == .updated, "\(again)")
        #expect(try await scene.web().configImage == Scene.v2)
        #expect(await scene.docker.container("web.molt-prev")?.id == old.id)
        #expect(await scene.strays().isEmpty)
    }

    @Test("a signal during a pull that hangs: the pull is abandoned at once and nothing is touched")
    func signalDuringPull() async throws {
        let scene = try await Scene.make()
        let old = try await scene.web()
        let interruption = scene.interruption
        await scene.docker.inject(.init(.pull, effect: .hang) { interruption.escalate(signal: SIGINT) })
        let started = ContinuousClock.now
        let outcome = await scene.replacement().run()
        // A hang would last forever: the bound only leaves room for a loaded machine.
        #expect(ContinuousClock.now - started < .seconds(30))
        #expect(outcome.kind == .interrupted)
        #expect(try await scene.web().id == old.id)
        #expect(await scene.docker.names == ["web"])
    }

    @Test("a signal before a host starts: nothing is done on it")
    func signalBeforeStart() async throws {
        let scene = try await Scene.make()
        scene.interruption.escalate(signal: SIGINT)
        let outcome = await scene.replacement().run()
        #expect(outcome.kind == .interrupted)
        #expect(await scene.docker.calls.isEmpty)
    }

    @Test("a signal while a volume is cloned: the live container is unpaused, the trial container and clones removed", arguments: [1, 2])
    func signalDuringClone(_ signals: Int) async throws {
        let scene = try await Scene.make()
        let interruption = scene.interruption
        await scene.docker.inject(.init(.wait, effect: .hang) {
            for _ in 0..<signals { interruption.escalate(signal: SIGINT) }
        })
        let outcome = await scene.replacement(Scene.service(Scene.v2, trial: TrialSpec())).run()
        #expect(outcome.kind == .interrupted, "\(outcome)")
        let web = try await scene.web()
        #expect(web.running && !web.paused, "paused: \(web.paused)")
        #expect(web.configImage == Scene.v1)
        if signals == 1 {
            #expect(await scene.strays().isEmpty)
            #expect(await scene.docker.volumes.keys.filter { $0.contains("molt-trial") }.isEmpty)
        }
    }

    @Test("a coordinator killed while the live container is paused for a clone: the next run unpauses it first")
    func killedDuringClone() async throws {
        let scene = try await Scene.make()
        await scene.docker.inject(.init(.pause, effect: .crashAfter))
        _ = await scene.replacement(Scene.service(Scene.v2, trial: TrialSpec())).run()
        #expect(try await scene.web().paused)
        await scene.docker.clearFaults()
        let again = try await Scene.rerun(scene, Scene.service(Scene.v2, trial: TrialSpec()))
        #expect(again.kind == .updated, "\(again)")
        #expect(again.message?.contains("unpaused web") == true, "\(again)")
        #expect(try await !scene.web().paused)
        #expect(await scene.strays().isEmpty)
        #expect(await scene.docker.volumes.keys.filter { $0.contains("molt-trial") }.isEmpty)
    }
}

extension Scene {
    /// The same replacement again, by a new coordinator with no signal pending.
    static func rerun(_ scene: Scene, _ service: Service) async throws -> ServiceOutcome {
        await Replacement(host: scene.docker.engine().host("host1"), service: service, settings: Scene.settings(),
                          identity: Scene.identity(), interruption: Interruption()).run()
    }
}
