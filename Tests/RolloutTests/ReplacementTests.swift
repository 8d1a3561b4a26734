import DockerEngine
import Foundation
import MoltNames
import MoltTestSupport
import Playbook
@testable import Rollout
import Testing

/// The replacement state machine on a scripted engine: every path in milliseconds.
@Suite("Replacing one container on one host (scripted engine)")
struct ReplacementTests {
    @Test("a good release: web runs 2.0 under its own name, confirmed, the old one is kept stopped as web.molt-prev, the volume carried over")
    func goodRelease() async throws {
        let scene = try await Scene.make()
        let old = try await scene.web()
        let outcome = await scene.replacement().run()
        #expect(outcome.kind == .updated, "\(outcome)")
        let web = try await scene.web()
        #expect(web.configImage == Scene.v2)
        #expect(web.running)
        #expect(web.labels[MoltLabel.confirmedOnRename] == "true")
        #expect(web.labels[MoltLabel.previousImage] == Scene.v1)
        #expect(web.mounts.contains { $0.name == "web-data" && $0.destination == "/data" && $0.readWrite })
        let retained = try #require(await scene.docker.container("web.molt-prev"))
        #expect(retained.id == old.id && !retained.running)
        #expect(await scene.strays().isEmpty)
        #expect(await scene.docker.volumes["web-data"]?["created"] == "1.0")
    }

    @Test("a release that never becomes healthy: the old container is back under its name, healthy, the new one gone, its logs reported")
    func badRelease() async throws {
        let scene = try await Scene.make()
        let old = try await scene.web()
        let outcome = await scene.replacement(Scene.service(Scene.bad)).run()
        #expect(outcome.kind == .rolledBack, "\(outcome)")
        #expect(outcome.logs.contains { $0.contains("cannot read config") })
        let web = try await scene.web()
        #expect(web.id == old.id && web.running)
        #expect(await scene.docker.names == ["web"])
    }

    @Test("the new container is named web only after it passed: while it is checked it is web.molt-next and the old one web.molt-prev")
    func unconfirmedIsNeverNamedLive() async throws {
        let scene = try await Scene.make()
        // The coordinator dies at the first health probe of the new container: the host as it was then.
        // (The first lookup of that name is the repair's, before the swap: the second is the probe.)
        await scene.docker.inject(.init(.inspect, target: "web.molt-next", occurrence: 2, effect: .crashAfter))
        _ = await scene.replacement().run()
        let names = await scene.docker.names
        #expect(names == ["web.molt-next", "web.molt-prev"], "\(names)")
        #expect(await scene.docker.container("web.molt-next")?.configImage == Scene.v2)
    }

    @Test("stop-first makes the new container while the old one still serves: create, then stop, then start")
    func createdBeforeTheStop() async throws {
        let scene = try await Scene.make()
        let old = try await scene.web()
        let outcome = await scene.replacement().run()
        #expect(outcome.kind == .updated, "\(outcome)")
        let new = try await scene.web()
        let calls = await scene.docker.calls
        let created = try #require(calls.firstIndex(of: "create web.molt-next"), "\(calls)")
        let stopped = try #require(calls.firstIndex(of: "stop \(old.id)"), "\(calls)")
        let started = try #require(calls.firstIndex(of: "start \(new.id)"), "\(calls)")
        #expect(created < stopped && stopped < started, "\(calls)")
        // Once it is named web, one listing of the service's set-aside containers decides
        // what to prune, and nothing else is asked: each call is a round trip to the host.
        let named = try #require(calls.lastIndex(of: "rename \(new.id)"), "\(calls)")
        #expect(Array(calls[(named + 1)...]) == ["list"], "\(calls)")
    }

    @Test("stop-first: a new container that cannot be made fails the host with the old one never stopped, and nothing left")
    func createFailsBeforeTheStop() async throws {
        let scene = try await Scene.make()
        let old = try await scene.web()
        await scene.docker.inject(.init(.create, target: "web.molt-next", effect: .fail(DockerError(.serverError, status: 500, "no space left on device"))))
        let outcome = await scene.replacement().run()
        #expect(outcome.kind == .failed, "\(outcome)")
        #expect(outcome.message?.contains("web was never stopped") == true, "\(outcome)")
        #expect(outcome.error?.contains("no space left on device") == true, "\(outcome)")
        let calls = await scene.docker.calls
        #expect(!calls.contains { $0.hasPrefix("stop") }, "\(calls)")
        let web = try await scene.web()
        #expect(web.id == old.id && web.running)
        #expect(await scene.docker.names == ["web"])
    }

    @Test("a pull the registry refuses: the host fails with the registry's words, nothing is touched")
    func missingTag() async throws {
        let scene = try await Scene.make()
        let old = try await scene.web()
        let outcome = await scene.replacement(Scene.service("registry.test/web:9.9")).run()
        #expect(outcome.kind == .failed)
        #expect(outcome.error?.contains("manifest unknown") == true, "\(outcome)")
        let web = try await scene.web()
        #expect(web.id == old.id && web.running)
        #expect(await scene.docker.names == ["web"])
    }

    @Test("a release that exits right after start: rolled back, the exit code reported")
    func crashingRelease() async throws {
        let scene = try await Scene.make()
        let outcome = await scene.replacement(Scene.service(Scene.crashing)).run()
        #expect(outcome.kind == .rolledBack)
        #expect(outcome.error?.contains("exit code 3") == true, "\(outcome)")
        #expect(try await scene.web().configImage == Scene.v1)
    }

    @Test("a failure at any engine call of a replacement leaves the old container serving under its name, and nothing lost",
          arguments: ScriptedDocker.Operation.allCases)
    func failureAtEachOperation(_ operation: ScriptedDocker.Operation) async throws {
        for occurrence in 1...4 {
            let scene = try await Scene.make()
            let old = try await scene.web()
            await scene.docker.inject(.init(operation, occurrence: occurrence, effect: .fail(DockerError(.serverError, status: 500, "scripted failure"))))
            let outcome = await scene.replacement().run()
            let web = try await scene.web()
            if outcome.kind == .updated {
                #expect(web.configImage == Scene.v2 && web.running)
            } else {
                #expect(outcome.kind != .degraded, "\(operation) #\(occurrence): \(outcome)")
                #expect(web.id == old.id, "\(operation) #\(occurrence): \(outcome)")
                #expect(web.running, "\(operation) #\(occurrence): \(outcome)")
            }
            #expect(await scene.docker.volumes["web-data"]?["created"] == "1.0")
            let names = await scene.docker.names
            #expect(!names.contains("web.molt-next"), "\(operation) #\(occurrence): \(names)")
        }
    }

    @Test("a container molt made without confirming it (an older molt's NAME) is checked on the next run; failing, web.molt-prev comes back")
    func legacyUnconfirmedIsChecked() async throws {
        let scene = try await Scene.make()
        // What an older molt killed during the health wait left: NAME is the bad release,
        // unconfirmed, and the good one waits stopped as NAME.molt-prev.
        let old = try await scene.web()
        _ = try await scene.docker.engine().stopContainer(old.id, timeout: nil)
        try await scene.docker.engine().renameContainer(old.id, to: "web.molt-prev")
        try await scene.docker.engine().pullImage(Scene.bad, auth: nil, progress: { _ in })
        try await scene.docker.run("web", image: Scene.bad, binds: ["web-data:/data"], labels: [MoltLabel.run: "old-run", MoltLabel.previousImage: Scene.v1])

        let outcome = await scene.replacement(Scene.service(Scene.bad)).run()
        #expect(outcome.kind == .rolledBack, "\(outcome)")
        #expect(outcome.message?.contains("never seen healthy") == true, "\(outcome)")
        let web = try await scene.web()
        #expect(web.id == old.id && web.running)
        #expect(web.configImage == Scene.v1)
    }

    @Test("an unconfirmed NAME that passes its checks is confirmed and taken as the live container")
    func legacyUnconfirmedPasses() async throws {
        let scene = try await Scene.make()
        let old = try await scene.web()
        _ = try await scene.docker.engine().stopContainer(old.id, timeout: nil)
        try await scene.docker.engine().renameContainer(old.id, to: "web.molt-prev")
        try await scene.docker.engine().pullImage(Scene.v2, auth: nil, progress: { _ in })
        let new = try await scene.docker.run("web", image: Scene.v2, binds: ["web-data:/data"], labels: [MoltLabel.run: "old-run"])
        let outcome = await scene.replacement().run()
        #expect(outcome.kind == .upToDate, "\(outcome)")
        #expect(outcome.message?.contains("passed its checks") == true)
        #expect(try await scene.web().id == new)
        #expect(await scene.docker.container("web.molt-prev")?.id == old.id)
    }

    @Test("a container on the target image that molt never saw healthy and that has no HEALTHCHECK is up to date only if the playbook's probes pass")
    func upToDateNeedsProbes() async throws {
        let scene = try await Scene.make()
        try await scene.docker.engine().pullImage(Scene.bad, auth: nil, progress: { _ in })
        await scene.docker.add(.init(reference: "registry.test/web:plain", behaviour: .init(http: [8080: 503])))
        let old = try await scene.web()
        try await scene.docker.engine().removeContainer(old.id, force: true, volumes: false)
        try await scene.docker.run("web", image: "registry.test/web:plain", binds: ["web-data:/data"])
        let probes = HealthSpec(http: HTTPProbe(port: 8080, path: "/health", status: 200), interval: .milliseconds(1),
                                timeout: .milliseconds(200), stable: .zero)
        let outcome = await scene.replacement(Scene.service("registry.test/web:plain", health: probes)).run()
        #expect(outcome.kind == .failed, "\(outcome)")
        #expect(outcome.error?.contains("fails its checks") == true)
        #expect(await scene.docker.names == ["web"])
    }

    @Test("retain: the older retained container steps aside and is pruned only after the new one passed; a failure puts it back")
    func retainedPrunedOnlyAfterPass() async throws {
        let scene = try await Scene.make()
        let first = try await scene.web()
        #expect(await scene.replacement().run().kind == .updated)
        // 2.0 is live, 1.0 retained. A bad 2.1 must not cost the retained 1.0.
        let failed = await scene.replacement(Scene.service(Scene.bad)).run()
        #expect(failed.kind == .rolledBack)
        let namesAfterFailure = await scene.docker.names
        #expect(await scene.docker.container("web.molt-prev")?.id == first.id, "\(namesAfterFailure)")
        #expect(try await scene.web().configImage == Scene.v2)
        // With retain: 2 a good release keeps both older ones.
        let kept = await scene.replacement(Scene.service(Scene.v1), settings: Scene.settings(retain: 2)).run()
        #expect(kept.kind == .updated)
        let names = await scene.docker.names
        #expect(names.filter { $0.hasPrefix("web.molt-prev") }.count == 2, "\(names)")
        // retain: 0 keeps none once the new one passed.
        let none = await scene.replacement(Scene.service(Scene.v2), settings: Scene.settings(retain: 0)).run()
        #expect(none.kind == .updated)
        #expect(await scene.docker.names == ["web"])
    }

    @Test("start-first: the new container runs beside the old one as web.molt-next and takes the name once healthy; a bad one never stops the old")
    func startFirst() async throws {
        let scene = try await Scene.make()
        let old = try await scene.web()
        let bad = await scene.replacement(Scene.service(Scene.bad), settings: Scene.settings(order: .startFirst)).run()
        #expect(bad.kind == .rolledBack)
        #expect(try await scene.web().id == old.id)
        #expect(try await scene.web().running)
        #expect(await scene.docker.calls.contains { $0 == "stop \(old.id)" } == false)
        let good = await scene.replacement(settings: Scene.settings(order: .startFirst)).run()
        #expect(good.kind == .updated, "\(good)")
        #expect(try await scene.web().configImage == Scene.v2)
        #expect(await scene.docker.container("web.molt-prev")?.running == false)
    }

    @Test("the old container that does not come back either: degraded, and nothing is deleted (the failed new one is kept as web.molt-failed)")
    func degraded() async throws {
        // 1.0 comes up once, then never again: its second start stays unhealthy.
        let scene = try await Scene.make(v1Behaviour: .init(health: .unhealthyAfter(0), http: [8080: 200]))
        let outcome = await scene.replacement(Scene.service(Scene.bad)).run()
        #expect(outcome.kind == .degraded, "\(outcome)")
        let names = await scene.docker.names
        #expect(names.contains("web") && names.contains("web.molt-failed"), "\(names)")
        #expect(await scene.docker.volumes["web-data"] != nil)
    }

    @Test("rollback puts web.molt-prev back under its name, health-checked, and removes the release it rolled back from")
    func rollBack() async throws {
        let scene = try await Scene.make()
        let old = try await scene.web()
        let identity = Scene.identity()
        #expect(await scene.replacement(identity: identity).run().kind == .updated)
        let other = await scene.replacement(identity: Scene.identity()).rollBack(onlyRun: "someone-else")
        #expect(other.kind == .skipped)
        let back = await scene.replacement(identity: identity).rollBack(onlyRun: identity.id)
        #expect(back.kind == .updated, "\(back)")
        #expect(try await scene.web().id == old.id)
        #expect(await scene.docker.names == ["web"])
    }
}
