import DockerEngine
import Foundation
import MoltTestSupport
import Playbook
@testable import Rollout
import Testing

/// SPEC §3 `health` on a scripted engine.
@Suite("Health checks (scripted engine)")
struct HealthCheckTests {
    func check(_ scene: Scene, _ spec: HealthSpec) async throws {
        let target = ServiceOnHost(host: scene.docker.engine().host("host1"), service: Scene.service())
        try await target.healthCheck("web", spec: spec)
    }

    @Test("timeout is the deadline to become healthy: a stable window longer than it still passes")
    func stableLongerThanTimeout() async throws {
        let scene = try await Scene.make()
        try await check(scene, HealthSpec(http: HTTPProbe(port: 8080, path: "/", status: 200), interval: .milliseconds(1),
                                          timeout: .milliseconds(20), stable: .milliseconds(80)))
    }

    @Test("a container that never becomes healthy fails at the deadline, naming what it waited for")
    func neverHealthy() async throws {
        let scene = try await Scene.make()
        let error = await #expect(throws: HealthFailure.self) {
            try await check(scene, HealthSpec(http: HTTPProbe(port: 8081, path: "/", status: 200), interval: .milliseconds(1),
                                              timeout: .milliseconds(30), stable: .zero))
        }
        #expect(error?.reason.contains("not healthy within 30ms") == true, "\(error?.reason ?? "")")
        #expect(error?.reason.contains("8081") == true)
    }

    @Test("an engine that stops answering for a while is waited out within the deadline")
    func engineAwayDuringWait() async throws {
        let scene = try await Scene.make()
        await scene.docker.inject(.init(.inspect, occurrence: 2, effect: .fail(Scene.engineAway), times: 5))
        try await check(scene, HealthSpec(http: HTTPProbe(port: 8080, path: "/", status: 200), interval: .milliseconds(1),
                                          timeout: .seconds(30), stable: .zero))
    }
}
