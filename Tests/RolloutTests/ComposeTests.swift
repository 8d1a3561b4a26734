import DockerEngine
import Foundation
import MoltNames
import MoltTestSupport
import Playbook
@testable import Rollout
import Testing

/// Compose-managed containers on a scripted engine (SPEC §1a): Compose keeps the new container
/// as its own, never takes molt's copies for its own, and the old container is kept until the
/// new one passed.
@Suite("Compose-managed containers (scripted engine)")
struct ComposeTests {
    /// The service's tag, which a pull moves from one build to the next.
    static let tag = "registry.test/app:latest"
    static let project = "shop"

    /// A host where Compose v1 (or v2) made `app` from build 1 of `app:latest`; build 2 (good)
    /// or 3 (never healthy) waits in the registry under the same tag. Compose v1's hash is
    /// modelled as Compose computes it: over the options (`options`) and the image ID the tag
    /// names on the host, asked with `docker-compose … config --hash=app`.
    struct ComposeScene {
        let docker = ScriptedDocker()
        let interruption = Interruption()
        let build1: ScriptedDocker.Image
        let build2: ScriptedDocker.Image
        let build3: ScriptedDocker.Image

        init(version: String = "1.29.2", options: String = "options-1", composeOnHost: Bool = true, release: String = "2") async throws {
            let healthy = ScriptedDocker.Behaviour(health: .healthyAfter(1), http: [8080: 200])
            build1 = .init(reference: ComposeTests.tag, build: "1", env: ["RELEASE=1"], volumes: ["/data"], behaviour: healthy)
            build2 = .init(reference: ComposeTests.tag, build: "2", env: ["RELEASE=2"], volumes: ["/data"], behaviour: healthy)
            build3 = .init(reference: ComposeTests.tag, build: "3", env: ["RELEASE=3"], volumes: ["/data"],
                           behaviour: .init(health: .unhealthyAfter(2), http: [8080: 500], logs: ["build 3 cannot start"]))
            await docker.add(build1)
            await docker.publish(release == "3" ? build3 : build2)
            if composeOnHost {
                await docker.answerCommands { docker, command in
                    guard command.hasPrefix("docker-compose "), command.hasSuffix(" config --hash=app") else { return nil }
                    return HostCommandResult(status: 0, stdout: "app \(ComposeScene.hash(options, docker.imageID(of: ComposeTests.tag)))\n")
                }
            }
            var labels = [
                ComposeLabel.project: ComposeTests.project, ComposeLabel.service: "app", ComposeLabel.oneOff: "False",
                ComposeLabel.version: version, "com.docker.compose.container-number": "1",
                ComposeLabel.workingDir: "/srv/shop", ComposeLabel.configFiles: "/srv/shop/docker-compose.yml",
            ]
            if version.hasPrefix("1.") {
                labels[ComposeLabel.configHash] = Self.hash(options, build1.id)
            } else {
                labels[ComposeLabel.configHash] = "v2-hash-of-the-service"
                labels[ComposeLabel.image] = build1.id
            }
            try await docker.run("app", image: ComposeTests.tag, binds: ["app-data:/data"], labels: labels)
            await docker.write(volume: "app-data", file: "orders", "42")
        }

        /// Compose v1's hash: of the options and of the image ID the tag names.
        static func hash(_ options: String, _ imageID: String?) -> String {
            "hash(\(options),\(imageID ?? "none"))"
        }

        func replacement(_ image: String = ComposeTests.tag, retain: Int = 1, engine: ScriptedEngine? = nil,
                         trial: TrialSpec? = nil) -> Replacement {
            Replacement(host: (engine ?? docker.engine()).host("host1"), service: Service(container: "app", image: image, health: Scene.health, trial: trial),
                        settings: ReplacementSettings(pull: .always, order: .stopFirst, stopTimeout: .seconds(1), retain: retain),
                        identity: Scene.identity(), interruption: interruption)
        }

        func app() async throws -> ScriptedDocker.Container {
            guard let app = await docker.container("app") else { throw SceneError("no container named app: \(await docker.names)") }
            return app
        }

        /// What `docker-compose up -d` would do, decided as Compose v1 (`convergence_plan`) or
        /// v2 (`mustRecreate`) does: the service's containers by label, stopped ones too; any
        /// whose hash (v1: with the image ID the tag names now) or image label differs is
        /// recreated; more than one is a scale-down. Empty: it changes nothing.
        func composeUp(options: String = "options-1") async -> [String] {
            let containers = await docker.containers.values.filter {
                $0.labels[ComposeLabel.project] == ComposeTests.project && $0.labels[ComposeLabel.service] == "app"
                    && $0.labels[ComposeLabel.oneOff] == "False"
            }
            let tagged = await docker.imageID(of: ComposeTests.tag)
            var changes: [String] = []
            if containers.count != 1 { changes.append("\(containers.count) containers: \(containers.map(\.name).sorted())") }
            for container in containers {
                if container.labels[ComposeLabel.version]?.hasPrefix("1.") == true {
                    if container.labels[ComposeLabel.configHash] != Self.hash(options, tagged) { changes.append("recreate \(container.name): hash") }
                } else if let image = container.labels[ComposeLabel.image], image != tagged {
                    changes.append("recreate \(container.name): image")
                }
                if !container.running { changes.append("start \(container.name)") }
            }
            return changes
        }
    }

    @Test("Compose v1: the new container carries the hash docker-compose gives for the new image, the old one is kept as a copy Compose does not count, and docker-compose up changes nothing")
    func rolloutV1() async throws {
        let scene = try await ComposeScene()
        let old = try await scene.app()
        let outcome = await scene.replacement().run()
        #expect(outcome.kind == .updated, "\(outcome)")
        let app = try await scene.app()
        #expect(app.imageID == scene.build2.id && app.running)
        #expect(app.configImage == Self.tag)
        #expect(app.labels[ComposeLabel.configHash] == ComposeScene.hash("options-1", scene.build2.id))
        #expect(app.labels[ComposeLabel.project] == Self.project && app.labels["com.docker.compose.container-number"] == "1")
        #expect(app.labels[MoltLabel.previousImageID] == scene.build1.id)
        #expect(app.mounts.contains { $0.name == "app-data" })
        #expect(await scene.docker.imageID(of: Self.tag) == scene.build2.id)
        #expect(await scene.composeUp() == [])

        let copy = try #require(await scene.docker.container("app.molt-prev"))
        #expect(copy.id != old.id && !copy.running)
        #expect(copy.imageID == scene.build1.id)
        #expect(!copy.labels.keys.contains { $0.hasPrefix(ComposeLabel.prefix) }, "\(copy.labels)")
        #expect(copy.labels[MoltLabel.composePrefix + ComposeLabel.project] == Self.project)
        #expect(copy.labels[MoltLabel.composePrefix + ComposeLabel.configHash] == old.labels[ComposeLabel.configHash])
        #expect(copy.labels[MoltLabel.copyOf] == old.id && copy.labels[MoltLabel.imageReference] == Self.tag)
        #expect(copy.hostConfig["RestartPolicy"]?["Name"]?.stringValue == "no")
        #expect(copy.mounts.contains { $0.name == "app-data" })
        let originalGone = await scene.docker.containers[old.id] == nil
        #expect(originalGone)
        #expect(await scene.docker.names == ["app", "app.molt-prev"])
        #expect(await scene.docker.volumes["app-data"]?["orders"] == "42")
    }

    @Test("Compose v1, rolled back: app is made again from build 1 with the hash Compose gives it, the tag names build 1 again, and docker-compose up changes nothing")
    func rollbackV1() async throws {
        let scene = try await ComposeScene()
        #expect(await scene.replacement().run().kind == .updated)
        let updated = try await scene.app()
        let outcome = await scene.replacement().rollBack()
        #expect(outcome.kind == .updated, "\(outcome)")
        let app = try await scene.app()
        #expect(app.imageID == scene.build1.id && app.running)
        #expect(app.configImage == Self.tag)
        #expect(app.labels[ComposeLabel.configHash] == ComposeScene.hash("options-1", scene.build1.id))
        #expect(await scene.docker.imageID(of: Self.tag) == scene.build1.id)
        #expect(await scene.composeUp() == [])
        let copy = try #require(await scene.docker.container("app.molt-prev"))
        #expect(copy.imageID == scene.build2.id && copy.labels[MoltLabel.copyOf] == updated.id)
        #expect(await scene.docker.names == ["app", "app.molt-prev"])

        // And forward again: the tag is pulled to build 2 once more.
        #expect(await scene.replacement().run().kind == .updated)
        #expect(try await scene.app().imageID == scene.build2.id)
        #expect(await scene.composeUp() == [])
    }

    @Test("Compose v1 with retain: 0: no copy is kept, and a rollback goes back to the image in molt.previous-image-id")
    func rollbackWithoutRetained() async throws {
        let scene = try await ComposeScene()
        #expect(await scene.replacement(retain: 0).run().kind == .updated)
        #expect(await scene.docker.names == ["app"])
        let outcome = await scene.replacement(retain: 0).rollBack()
        #expect(outcome.kind == .updated, "\(outcome)")
        #expect(try await scene.app().imageID == scene.build1.id)
        #expect(await scene.composeUp() == [])
    }

    @Test("a release that never becomes healthy: the original Compose container is back under its name, the tag names its image again, docker-compose up changes nothing")
    func badReleaseV1() async throws {
        let scene = try await ComposeScene(release: "3")
        let old = try await scene.app()
        let outcome = await scene.replacement().run()
        #expect(outcome.kind == .rolledBack, "\(outcome)")
        #expect(outcome.message?.contains("names \(scene.build1.id.prefix(19)) again") == true, "\(outcome)")
        let app = try await scene.app()
        #expect(app.id == old.id && app.running)
        #expect(await scene.docker.imageID(of: Self.tag) == scene.build1.id)
        #expect(await scene.docker.names == ["app"])
        #expect(await scene.composeUp() == [])
    }

    @Test("Compose v2: the config hash stays, com.docker.compose.image becomes the new image's ID; rolled back, the old one's")
    func rolloutV2() async throws {
        let scene = try await ComposeScene(version: "2.29.7")
        #expect(await scene.replacement().run().kind == .updated)
        let app = try await scene.app()
        #expect(app.labels[ComposeLabel.configHash] == "v2-hash-of-the-service")
        #expect(app.labels[ComposeLabel.image] == scene.build2.id)
        #expect(await scene.composeUp() == [])
        #expect(await !scene.docker.calls.contains { $0.hasPrefix("command") }, "v2 needs no docker-compose on the host")
        #expect(await scene.replacement().rollBack().kind == .updated)
        let app2 = try await scene.app()
        #expect(app2.imageID == scene.build1.id && app2.labels[ComposeLabel.image] == scene.build1.id)
        #expect(await scene.composeUp() == [])
    }

    @Test("refused before anything changes, naming the container and the label", arguments: [
        ("a playbook naming another tag", "1.29.2", "options-1", true, "registry.test/app:2.0", "`docker-compose up` would put registry.test/app:latest back"),
        ("no docker-compose on the host", "1.29.2", "options-1", false, ComposeTests.tag, "exited 127"),
        ("Compose v2 image label that is no image ID", "2.29.7", "options-1", true, ComposeTests.tag, "molt cannot tell how Compose 2.29.7 derived it"),
    ])
    func refusedUpFront(_ case: String, version: String, options: String, composeOnHost: Bool, image: String, reason: String) async throws {
        let scene = try await ComposeScene(version: version, options: options, composeOnHost: composeOnHost)
        if version.hasPrefix("2."), let id = await scene.docker.container("app")?.id {
            // A containerd image store's manifest digest, not the image's ID.
            await scene.docker.replaceLabel(ComposeLabel.image, with: "sha256:feedface", on: id)
        }
        await scene.docker.publish(.init(reference: "registry.test/app:2.0", behaviour: .init(health: .healthyAfter(1), http: [8080: 200])))
        let old = try await scene.app()
        let outcome = await scene.replacement(image).run()
        #expect(outcome.kind == .failed, "\(`case`): \(outcome)")
        let error = outcome.error ?? ""
        #expect(error.contains("molt refuses to replace app on host1, which Docker Compose manages"), "\(error)")
        #expect(error.contains(reason), "\(`case`): \(error)")
        #expect(try await scene.app().id == old.id)
        #expect(await scene.docker.names == ["app"])
        #expect(await scene.docker.imageID(of: Self.tag) == scene.build1.id, "the tag names the image app runs")
        #expect(await !scene.docker.calls.contains { $0.hasPrefix("create") })
    }

    @Test("Compose v1 whose hash molt's docker-compose does not reproduce: Compose would already recreate it, so molt refuses, and the tag is left naming app's image")
    func hashNotReproduced() async throws {
        let scene = try await ComposeScene()
        // The compose file changed since `up`: Compose computes another hash for the old image too.
        await scene.docker.answerCommandsFirst { docker, command in
            command.hasSuffix("config --hash=app") ? HostCommandResult(status: 0, stdout: "app \(ComposeScene.hash("options-2", docker.imageID(of: ComposeTests.tag)))\n") : nil
        }
        let old = try await scene.app()
        let outcome = await scene.replacement().run()
        #expect(outcome.kind == .failed, "\(outcome)")
        #expect(outcome.error?.contains("Compose would already recreate this container") == true, "\(outcome)")
        #expect(outcome.error?.contains(ComposeLabel.configHash) == true)
        #expect(try await scene.app().id == old.id)
        #expect(await scene.docker.names == ["app"])
        #expect(await scene.docker.imageID(of: Self.tag) == scene.build1.id)
    }

    @Test("a one-off container of docker-compose run, or one with no Compose version: refused")
    func oneOffAndVersionless() async throws {
        for (label, value) in [(ComposeLabel.oneOff, "True"), (ComposeLabel.version, "")] {
            let scene = try await ComposeScene()
            await scene.docker.replaceLabel(label, with: value, on: try await scene.app().id)
            let outcome = await scene.replacement().run()
            #expect(outcome.kind == .failed && outcome.error?.contains("(\(label))") == true, "\(outcome)")
            #expect(await scene.docker.names == ["app"])
        }
    }

    @Test("a failure at any engine call: app serves healthy, and once a run finishes Compose sees one container of its own with the right labels",
          arguments: ScriptedDocker.Operation.allCases)
    func failureAtEachOperation(_ operation: ScriptedDocker.Operation) async throws {
        for occurrence in 1...4 {
            let scene = try await ComposeScene()
            let old = try await scene.app()
            await scene.docker.inject(.init(operation, occurrence: occurrence, effect: .fail(DockerError(.serverError, status: 500, "scripted failure"))))
            let outcome = await scene.replacement().run()
            let app = try await scene.app()
            #expect(app.running, "\(operation) #\(occurrence): \(outcome)")
            #expect(outcome.kind != .degraded, "\(operation) #\(occurrence): \(outcome)")
            if outcome.kind != .updated {
                #expect(app.id == old.id, "\(operation) #\(occurrence): \(outcome)")
            }
            await scene.docker.clearFaults()
            // A rerun finishes whatever the failure left.
            let rerun = await scene.replacement().run()
            #expect(rerun.kind == .updated || rerun.kind == .upToDate, "\(operation) #\(occurrence): \(rerun)")
            let after = await scene.docker.names
            #expect(await scene.composeUp() == [], "\(operation) #\(occurrence): \(after)")
            #expect(await scene.docker.volumes["app-data"]?["orders"] == "42")
        }
    }

    @Test("killed at every engine call of a Compose rollout, then run again: app healthy on build 2, Compose sees exactly it, the old container never lost before the new one passed",
          arguments: [ScriptedDocker.Fault.Effect.crashBefore, .crashAfter])
    func crashAndRerun(_ effect: ScriptedDocker.Fault.Effect) async throws {
        var call = 1
        while call < 200 {
            let scene = try await ComposeScene()
            let old = try await scene.app()
            await scene.docker.inject(.init(nil, occurrence: call, effect: effect))
            let engine = scene.docker.engine()
            let first = await scene.replacement(engine: engine).run()
            if !engine.crashed {
                #expect(first.kind == .updated, "\(first)")
                break
            }
            await scene.docker.clearFaults()
            // Until a new container passed, the original is on the host under some name.
            let names = await scene.docker.names
            let originalKept = await scene.docker.containers[old.id] != nil
            if await scene.docker.container("app")?.labels[MoltLabel.confirmedOnRename] == nil {
                #expect(originalKept, "call \(call): \(names)")
            }
            let rerun = await scene.replacement().run()
            #expect(rerun.kind == .updated || rerun.kind == .upToDate, "call \(call): \(rerun); \(names)")
            let app = try await scene.app()
            #expect(app.imageID == scene.build2.id && app.running, "call \(call)")
            let after = await scene.docker.names
            #expect(await scene.composeUp() == [], "call \(call): \(after)")
            #expect(await scene.docker.names == ["app", "app.molt-prev"], "call \(call): was \(names)")
            #expect(await scene.docker.volumes["app-data"]?["orders"] == "42")
            call += 1
        }
    }

    @Test("a trial container is not Compose's: its Compose labels are kept under molt.compose.")
    func trialIsNotCompose() async throws {
        let scene = try await ComposeScene()
        await scene.docker.inject(.init(.start, target: "app.molt-trial", effect: .crashAfter))
        _ = await scene.replacement(trial: TrialSpec()).run()
        let trial = try #require(await scene.docker.container("app.molt-trial"))
        #expect(!trial.labels.keys.contains { $0.hasPrefix(ComposeLabel.prefix) }, "\(trial.labels)")
        #expect(trial.labels[MoltLabel.composePrefix + ComposeLabel.service] == "app")
    }

    @Test("plan shows a Compose service molt would refuse, and why")
    func planShowsRefusal() async throws {
        let scene = try await ComposeScene()
        let host = scene.docker.engine().host("host1")
        let refused = try await PlanAction.entry(for: ServiceOnHost(host: host, service: Service(container: "app", image: "registry.test/app:2.0", health: Scene.health)))
        #expect(refused.action == .refuse)
        #expect(refused.note?.contains("would put registry.test/app:latest back") == true, "\(refused)")
        // The compose file changed since `up`: the tag still names app's image, so plan asks.
        await scene.docker.answerCommandsFirst { docker, command in
            command.hasSuffix("config --hash=app") ? HostCommandResult(status: 0, stdout: "app \(ComposeScene.hash("options-2", docker.imageID(of: ComposeTests.tag)))\n") : nil
        }
        await scene.docker.publish(scene.build2)
        let stale = try await PlanAction.entry(for: ServiceOnHost(host: host, service: Service(container: "app", image: "registry.test/app:latest", health: Scene.health)))
        // The tag on the host still names app's image: a rollout would pull; plan cannot say more than up to date.
        #expect(stale.action == .upToDate || stale.action == .refuse, "\(stale)")
        #expect(await scene.docker.imageID(of: Self.tag) == scene.build1.id, "plan changes nothing")
    }
}
