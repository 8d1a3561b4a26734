import DockerEngine
import Foundation
import MoltTestSupport
import Playbook
@testable import Rollout
import Testing

/// SPEC §4.7: a trial never writes to live data.
@Suite("Trials against cloned volumes (scripted engine)")
struct TrialRunTests {
    static let migrating = "registry.test/web:3.0-migrating"

    /// `web` mounts two volumes and a host directory; 3.0 writes into both volumes when it starts.
    static func scene() async throws -> Scene {
        let scene = try await Scene.make()
        await scene.docker.publish(.init(reference: migrating, env: ["PATH=/bin"], behaviour: .init(
            health: .healthyAfter(1), http: [8080: 200], writesOnStart: ["/data": ["format": "3"], "/logs": ["migrated": "yes"]])))
        let old = try await scene.web()
        try await scene.docker.engine().removeContainer(old.id, force: true, volumes: false)
        try await scene.docker.run("web", image: Scene.v1, binds: ["web-data:/data", "web-logs:/logs", "/srv/web:/srv"])
        return scene
    }

    func trial(_ scene: Scene, volumes: TrialVolumes) async -> TrialOutcome {
        let target = ServiceOnHost(host: scene.docker.engine().host("host1"), service: Scene.service(Self.migrating))
        return await TrialRun(target: target, trial: TrialSpec(volumes: volumes), identity: Scene.identity(),
                              settings: Scene.settings(), interruption: Interruption()).run()
    }

    @Test("trial.volumes naming one volume: the other volume and the bind mount are mounted read-only, so the release cannot write to them; live data unchanged")
    func partialVolumesAreReadOnly() async throws {
        let scene = try await Self.scene()
        let outcome = await trial(scene, volumes: .named(["web-data"]))
        #expect(outcome.result == .failed, "\(outcome)")
        #expect(outcome.error?.contains("volume web-logs at /logs") == true, "\(outcome.error ?? "")")
        #expect(outcome.readOnly.contains("bind /srv/web at /srv"))
        #expect(outcome.logs.contains { $0.contains("Read-only file system") })
        #expect(await scene.docker.volumes["web-logs"]?["migrated"] == nil)
        #expect(await scene.docker.volumes["web-data"]?["format"] == nil)
        #expect(await scene.strays().isEmpty)
        #expect(await scene.docker.volumes.keys.filter { $0.contains("molt-trial") }.isEmpty)
    }

    @Test("trial.volumes: all clones both volumes; the release migrates the clones only, and they are removed afterwards")
    func allVolumesCloned() async throws {
        let scene = try await Self.scene()
        let outcome = await trial(scene, volumes: .all)
        #expect(outcome.result == .passed, "\(outcome)")
        #expect(outcome.clones.map(\.volume).sorted() == ["web-data", "web-logs"])
        #expect(outcome.readOnly == ["bind /srv/web at /srv"])
        #expect(await scene.docker.volumes["web-data"]?["format"] == nil)
        #expect(await scene.docker.volumes["web-data"]?["created"] == "1.0")
        #expect(await scene.docker.volumes["web-logs"]?["migrated"] == nil)
        #expect(await scene.docker.volumes.keys.filter { $0.contains("molt-trial") }.isEmpty)
        let web = try await scene.web()
        #expect(web.running && !web.paused)
    }

    @Test("the same volume mounted twice is cloned once, mounted in both places")
    func volumeMountedTwice() async throws {
        let scene = try await Scene.make()
        let old = try await scene.web()
        try await scene.docker.engine().removeContainer(old.id, force: true, volumes: false)
        try await scene.docker.run("web", image: Scene.v1, binds: ["web-data:/data", "web-data:/backup"])
        let target = ServiceOnHost(host: scene.docker.engine().host("host1"), service: Scene.service(Scene.v2))
        let outcome = await TrialRun(target: target, trial: TrialSpec(), identity: Scene.identity(),
                                     settings: Scene.settings(), interruption: Interruption()).run()
        #expect(outcome.result == .passed, "\(outcome)")
        #expect(outcome.clones.count == 1)
    }
}
