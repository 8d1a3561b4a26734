import DockerEngine
import Foundation
import MoltNames
import MoltTestSupport
import Playbook
@testable import Rollout
import Testing

/// SPEC §4.8 and §6: a coordinator killed at any moment, and the same rollout run again.
@Suite("A coordinator killed at any engine call, then the rollout again (scripted engine)")
struct CrashRerunTests {
    enum Moment: String, CaseIterable, Sendable {
        case beforeTheCall
        case afterTheCall

        var effect: ScriptedDocker.Fault.Effect {
            self == .beforeTheCall ? .crashBefore : .crashAfter
        }
    }

    @Test("killed at every call of a replacement, rerun: the host ends healthy on the target (good release) or its old release (bad), with its data, nothing orphaned",
          arguments: [Scene.v2, Scene.bad, Scene.crashing], Moment.allCases)
    func killedAtEveryCall(_ image: String, _ moment: Moment) async throws {
        for order in [UpdateOrder.stopFirst, .startFirst] {
            let settings = Scene.settings(order: order)
            let dry = try await Scene.make()
            _ = await dry.replacement(Scene.service(image), settings: settings).run()
            let total = await dry.docker.calls.count
            #expect(total > 10)
            for call in 1...total {
                let scene = try await Scene.make()
                let old = try await scene.web()
                await scene.docker.inject(.init(nil, occurrence: call, effect: moment.effect))
                let killed = scene.docker.engine()
                _ = await scene.replacement(Scene.service(image), settings: settings, engine: killed).run()
                #expect(killed.crashed, "call \(call) of \(total) was never reached")
                await scene.docker.clearFaults()

                let rerun = await scene.replacement(Scene.service(image), settings: settings).run()
                let context = "\(order) \(image) killed \(moment) call \(call)/\(total): \(rerun) \(await scene.docker.names)"
                let web = try await scene.web()
                #expect(web.running, "\(context)")
                let health = try await scene.docker.engine().inspectContainer(web.id).state.health?.status
                #expect(health == "healthy", "\(context)")
                if image == Scene.v2 {
                    #expect([.updated, .upToDate].contains(rerun.kind), "\(context)")
                    #expect(web.configImage == Scene.v2, "\(context)")
                    #expect(web.labels[MoltLabel.previousImage] == Scene.v1, "\(context)")
                    #expect(await scene.docker.container("web.molt-prev")?.id == old.id, "the old release stays retained: \(context)")
                } else {
                    #expect(rerun.kind == .rolledBack, "\(context)")
                    #expect(web.id == old.id, "\(context)")
                }
                #expect(await scene.strays().isEmpty, "\(context)")
                #expect(await scene.docker.volumes["web-data"]?["created"] == "1.0", "\(context)")
            }
        }
    }

    @Test("the issue's case: killed while the canary waits for a bad release, rerun: web.molt-prev is never deleted and molt.previous-image never names the bad image")
    func killedDuringHealthWaitOfBadRelease() async throws {
        let scene = try await Scene.make()
        let old = try await scene.web()
        await scene.docker.inject(.init(.inspect, target: "web.molt-next", occurrence: 3, effect: .crashAfter))
        _ = await scene.replacement(Scene.service(Scene.bad)).run()
        #expect(await scene.docker.container("web.molt-prev")?.id == old.id)
        await scene.docker.clearFaults()
        let rerun = await scene.replacement(Scene.service(Scene.bad)).run()
        #expect(rerun.kind == .rolledBack)
        #expect(rerun.message?.contains("removed web.molt-next") == true, "\(rerun)")
        #expect(try await scene.web().id == old.id)
        // A later good release names the healthy 1.0, not the bad 2.1, as its way back.
        let good = await scene.replacement(Scene.service(Scene.v2)).run()
        #expect(good.kind == .updated)
        #expect(try await scene.web().labels[MoltLabel.previousImage] == Scene.v1)
    }

    @Test("the engine away for a moment (dockerd restarting) at any call of a replacement: never degraded, the host ends serving healthy, nothing stray",
          arguments: [Scene.v2, Scene.bad])
    func engineAwayAtEveryCall(_ image: String) async throws {
        let dry = try await Scene.make()
        _ = await dry.replacement(Scene.service(image)).run()
        let total = await dry.docker.calls.count
        for call in 1...total {
            let scene = try await Scene.make()
            await scene.docker.inject(.init(nil, occurrence: call, effect: .fail(Scene.engineAway), times: 8))
            let outcome = await EngineAway.$firstPause.withValue(.microseconds(10)) {
                await scene.replacement(Scene.service(image)).run()
            }
            await scene.docker.clearFaults()
            let context = "away from call \(call)/\(total): \(outcome) \(await scene.docker.names)"
            #expect(outcome.kind != .degraded, "\(context)")
            let web = try await scene.web()
            #expect(web.running, "\(context)")
            #expect(try await scene.docker.engine().inspectContainer(web.id).state.health?.status == "healthy", "\(context)")
            #expect(await scene.strays().isEmpty, "\(context)")
        }
    }
}
