import DockerEngine
import MoltTestSupport
import Playbook
@testable import Rollout
import Testing

@Suite("start-first beside what the old container holds: published host ports, a shared host network")
struct StartFirstTests {
    /// A scene whose `web` runs 1.0 on the default bridge and publishes 8080 (all addresses),
    /// 8443 (loopback) and 9000 (any free host port).
    static func published() async throws -> Scene {
        let scene = Scene()
        let healthy = ScriptedDocker.Behaviour(health: .healthyAfter(1), http: [8080: 200])
        await scene.docker.add(.init(reference: Scene.v1, env: ["PATH=/bin"], behaviour: healthy))
        await scene.docker.publish(.init(reference: Scene.v2, env: ["PATH=/bin"], behaviour: healthy))
        try await scene.docker.run("web", image: Scene.v1, hostConfig: [
            "NetworkMode": "bridge",
            "PortBindings": [
                "80/tcp": [["HostIp": "", "HostPort": "8080"]],
                "443/tcp": [["HostIp": "127.0.0.1", "HostPort": "8443"]],
                "9000/tcp": [["HostIp": "", "HostPort": ""]],
            ],
        ])
        return scene
    }

    static func plan(_ scene: Scene, order: UpdateOrder, health: HealthSpec = Scene.health) async throws -> PlanEntry {
        try await PlanAction.entry(for: ServiceOnHost(host: scene.docker.engine().host("host1"), service: Scene.service(health: health)),
                                   order: order)
    }

    @Test("plan warns that a start-first rollout cannot publish the fixed host ports the old container holds; stop-first is not warned")
    func planWarnsOfPublishedPorts() async throws {
        let scene = try await Self.published()
        let startFirst = try await Self.plan(scene, order: .startFirst)
        #expect(startFirst.action == .update)
        let note = try #require(startFirst.note)
        #expect(note.contains("warning: start-first: web publishes host ports 127.0.0.1:8443->443/tcp, 8080->80/tcp,"), "\(note)")
        #expect(note.contains("Docker refuses to start it"), "\(note)")
        // A port published at any free number never clashes.
        #expect(!note.contains("9000"), "\(note)")
        let stopFirst = try await Self.plan(scene, order: .stopFirst)
        #expect(stopFirst.action == .update)
        #expect(stopFirst.note?.contains("warning") != true, "\(stopFirst.note ?? "")")
    }

    @Test("start-first on a published host port: Docker refuses the new copy, the host rolls back, the old container was never stopped")
    func publishedPortRollsBack() async throws {
        let scene = try await Self.published()
        let old = try await scene.web()
        let outcome = await scene.replacement(settings: Scene.settings(order: .startFirst)).run()
        #expect(outcome.kind == .rolledBack, "\(outcome)")
        #expect(outcome.error?.contains("port is already allocated") == true, "\(outcome)")
        #expect(try await scene.web().id == old.id)
        #expect(try await scene.web().running)
        #expect(await scene.docker.calls.contains { $0 == "stop \(old.id)" } == false)
        let names = await scene.docker.names
        #expect(await scene.strays().isEmpty, "\(names)")
        // stop-first frees the port before the new copy starts.
        let stopFirst = await scene.replacement(settings: Scene.settings(order: .stopFirst)).run()
        #expect(stopFirst.kind == .updated, "\(stopFirst)")
    }

    @Test("plan warns that on host networking an http or tcp probe may be answered by the old copy; a HEALTHCHECK alone is not warned")
    func planWarnsOfSharedPortProbes() async throws {
        let scene = try await Scene.make()
        let http = try await Self.plan(scene, order: .startFirst)
        #expect(http.action == .update)
        #expect(http.note?.contains("warning: start-first on host networking:") == true, "\(http.note ?? "")")
        #expect(http.note?.contains("the http probe of port 8080 may be answered by the old copy") == true, "\(http.note ?? "")")
        // Host networking itself is no warning: a program with SO_REUSEPORT shares the port.
        let docker = try await Self.plan(scene, order: .startFirst, health: HealthSpec(docker: true, stable: .zero))
        #expect(docker.action == .update)
        #expect(docker.note?.contains("warning") != true, "\(docker.note ?? "")")
    }
}
