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

    // MARK: Following Docker's events

    /// A container named `slow` whose Docker health behaves as `health` says.
    func slowContainer(_ scene: Scene, health: ScriptedDocker.Behaviour.Health, http: [Int: Int] = [:]) async throws -> String {
        await scene.docker.add(.init(reference: "registry.test/slow:1", behaviour: .init(health: health, http: http)))
        return try await scene.docker.run("slow", image: "registry.test/slow:1")
    }

    /// Polls are a minute apart: only an event can end a wait within the tests' limit.
    static let eventsOnly = HealthSpec(interval: .seconds(60), timeout: .seconds(120), stable: .zero)
    /// Far below `eventsOnly.interval`, far above what a woken wait takes even on a loaded machine.
    static let wokenWithin: Duration = .seconds(20)

    /// Starts the check of `container` and returns once it waits on its event feed, with the feed.
    func startCheck(_ scene: Scene, _ container: String, _ spec: HealthSpec) async throws -> (Task<Void, any Error>, ContainerEventFeed) {
        let target = ServiceOnHost(host: scene.docker.engine().host("host1"), service: Scene.service())
        let check = Task { try await target.healthCheck(container, spec: spec) }
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let feed = await scene.docker.eventFeeds.first, feed.isFollowing, feed.isAwaited { return (check, feed) }
            try await Task.sleep(for: .milliseconds(1))
        }
        check.cancel()
        throw SceneError("the check never waited on its events: \(await scene.docker.calls)")
    }

    @Test("Docker's health_status event wakes the wait at once, long before the next poll, and the subscription ends with it")
    func healthEventWakes() async throws {
        let scene = try await Scene.make()
        let id = try await slowContainer(scene, health: .healthyAfter(1_000))
        let (check, feed) = try await startCheck(scene, id, Self.eventsOnly)
        let woken = ContinuousClock.now
        await scene.docker.pass(ticks: 1_000)
        try await check.value
        #expect(ContinuousClock.now - woken < Self.wokenWithin)
        #expect(feed.events.map(\.action).contains("health_status: healthy"))
        #expect(await scene.docker.eventSubscribers == 0)
        #expect(await scene.docker.calls.contains("events \(id)"))
    }

    @Test("an HTTP probe runs the moment Docker reports healthy, not at the next interval")
    func probeRunsOnHealthEvent() async throws {
        let scene = try await Scene.make()
        let id = try await slowContainer(scene, health: .healthyAfter(1_000), http: [8090: 200])
        var spec = Self.eventsOnly
        spec.http = HTTPProbe(port: 8090, path: "/", status: 200)
        let (check, _) = try await startCheck(scene, id, spec)
        let woken = ContinuousClock.now
        await scene.docker.pass(ticks: 1_000)
        try await check.value
        #expect(ContinuousClock.now - woken < Self.wokenWithin)
    }

    @Test("a container that dies fails the wait at once, with its exit code")
    func dieEventFails() async throws {
        let scene = try await Scene.make()
        let id = try await slowContainer(scene, health: .neverReady)
        let (check, _) = try await startCheck(scene, id, Self.eventsOnly)
        let killed = ContinuousClock.now
        await scene.docker.kill("slow", exitCode: 137)
        let error = await #expect(throws: HealthFailure.self) { try await check.value }
        #expect(ContinuousClock.now - killed < Self.wokenWithin)
        #expect(error?.reason.contains("exited (exit code 137)") == true, "\(error?.reason ?? "")")
        #expect(await scene.docker.eventSubscribers == 0)
    }

    @Test("stable ends when its time is up, not at the next interval")
    func stableEndsOnTime() async throws {
        let scene = try await Scene.make()
        var spec = Self.eventsOnly
        spec.stable = .milliseconds(200)
        let started = ContinuousClock.now
        try await check(scene, spec)
        let took = ContinuousClock.now - started
        #expect(took >= .milliseconds(200) && took < Self.wokenWithin, "\(took)")
    }

    @Test("an engine that refuses the event stream: the check polls at 100 ms instead of at interval")
    func refusedStreamFallsBackToPolling() async throws {
        let scene = try await Scene.make()
        let id = try await slowContainer(scene, health: .healthyAfter(5))
        await scene.docker.inject(.init(.events, effect: .fail(Scene.engineAway), repeats: true))
        let started = ContinuousClock.now
        let target = ServiceOnHost(host: scene.docker.engine().host("host1"), service: Scene.service())
        try await target.healthCheck(id, spec: Self.eventsOnly)
        #expect(ContinuousClock.now - started < Self.wokenWithin)
        #expect(await scene.docker.calls.filter { $0 == "inspect \(id)" }.count >= 3)
        #expect(await scene.docker.eventSubscribers == 0)
    }

    @Test("a stream the engine drops mid-wait: the check polls at 100 ms while it cannot renew it")
    func droppedStreamFallsBackToPolling() async throws {
        let scene = try await Scene.make()
        let id = try await slowContainer(scene, health: .healthyAfter(8))
        await scene.docker.inject(.init(.events, occurrence: 2, effect: .fail(Scene.engineAway), repeats: true))
        let (check, feed) = try await startCheck(scene, id, Self.eventsOnly)
        let dropped = ContinuousClock.now
        await scene.docker.dropEventStreams()
        try await check.value
        #expect(ContinuousClock.now - dropped < Self.wokenWithin)
        if case .interrupted = feed.status {} else { Issue.record("the feed was not interrupted: \(feed.status)") }
        #expect(await scene.docker.calls.filter { $0 == "events \(id)" }.count >= 2, "the subscription was tried again")
    }

    @Test("a dropped stream that can be renewed is: the wait stops polling and is event-driven again")
    func droppedStreamIsRenewed() async throws {
        let scene = try await Scene.make()
        let id = try await slowContainer(scene, health: .healthyAfter(1_000))
        let (check, feed) = try await startCheck(scene, id, Self.eventsOnly)
        await scene.docker.dropEventStreams()
        let deadline = ContinuousClock.now + .seconds(30)
        func renewed() async -> Bool {
            let subscriptions = await scene.docker.calls.filter { $0 == "events \(id)" }.count
            let open = await scene.docker.eventSubscribers
            return subscriptions >= 2 && open == 1 && feed.isFollowing && feed.isAwaited
        }
        while await !renewed() && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(await renewed(), "renewed: \(feed.status)")
        // Following again: no look at the container until something happens.
        let looks = await scene.docker.calls.filter { $0 == "inspect \(id)" }.count
        try await Task.sleep(for: .milliseconds(300))
        #expect(await scene.docker.calls.filter { $0 == "inspect \(id)" }.count == looks)
        let woken = ContinuousClock.now
        await scene.docker.pass(ticks: 1_000)
        try await check.value
        #expect(ContinuousClock.now - woken < Self.wokenWithin)
    }

    @Test("cancelling the wait ends the event subscription")
    func cancellationEndsTheStream() async throws {
        let scene = try await Scene.make()
        let id = try await slowContainer(scene, health: .neverReady)
        let (check, _) = try await startCheck(scene, id, Self.eventsOnly)
        #expect(await scene.docker.eventSubscribers == 1)
        check.cancel()
        await #expect(throws: CancellationError.self) { try await check.value }
        #expect(await scene.docker.eventSubscribers == 0)
    }
}

