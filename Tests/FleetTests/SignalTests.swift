import DockerEngine
import Fleet
import Foundation
import MoltTestSupport
import Inventory
import Testing

extension LabFleetTests {
    /// SPEC §4.8 and §4.9 on real parts: molt killed with SIGKILL at each step and run again,
    /// and stopped with SIGINT or SIGTERM mid-wait and mid-clone.
    @Suite("molt killed or interrupted on the lab fleet")
    struct SignalTests {
        /// The step lines of a stop-first replacement, in order, as `host.step` messages say them.
        static let steps = ["pulling", "stopping web", "creating web.molt-next", "starting web.molt-next", "waiting for web.molt-next"]

        func canaryPlaybook(_ fixture: RolloutFixture, image: String, stable: String = "2s", hosts: String = "lab1") throws -> String {
            try fixture.scratch.write("signal-\(UUID().uuidString.prefix(8)).yml", """
                name: web
                hosts: \(hosts)
                container: web
                image: \(image)
                pull: always
                health:
                  http: {port: 8080, path: /health}
                  interval: 500ms
                  timeout: 15s
                  stable: \(stable)
                batches: [1, "100%"]
                stop_timeout: 5s
                """)
        }

        @Test("SIGKILL at each step of a replacement, good and bad release, then the same rollout again: the host ends healthy on the target or its old release, with its data, nothing orphaned, the journal true",
              arguments: SignalTests.steps, [RolloutFixture.web2, RolloutFixture.broken])
        func killedAtStepThenRerun(_ step: String, _ image: String) async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            let before = try await fixture.webs()
            let playbook = try canaryPlaybook(fixture, image: image)
            let process = try StreamingProcess([Shell.molt, "rollout", playbook, "--yes", "--output", "json", "-i", lab.inventoryPath,
                                                "--journal", fixture.journal])
            let reached = await process.waitForLine(timeout: 60, poll: .milliseconds(5)) { $0.contains(#""host":"lab1""#) && $0.contains(step) }
            await process.kill()
            #expect(reached, "never reached \(step): \(process.output)")

            let history = try await fixture.molt("history", "--output", "json")
            let killedRun = try #require(try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [String: Any])["runs"] as? [[String: Any]]
            #expect(killedRun?.first?["result"] as? String == "interrupted", "\(history.stdout)")

            let again = try await fixture.molt("rollout", playbook, "--yes")
            let web = try await fixture.docker("lab1").inspectContainer("web")
            #expect(web.state.running, "\(again.stdout)")
            #expect(web.state.health?.status == "healthy", "\(again.stdout)")
            if image == RolloutFixture.web2 {
                #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
                #expect(web.configImage == RolloutFixture.web2)
                #expect(web.labels["molt.previous-image"] == RolloutFixture.web1)
                #expect(try await fixture.docker("lab1").inspectContainer("web.molt-prev").id == before["lab1"]?.id)
            } else {
                #expect(again.status == 1, "\(again.stdout)\(again.stderr)")
                #expect(web.id == before["lab1"]?.id, "\(again.stdout)")
            }
            #expect(try await fixture.file("/data/created", in: "web", on: "lab1") == "1.0\n")
            try await fixture.expectNoStrays()
            let after = try await fixture.molt("history", "--output", "json")
            let runs = try #require(try JSONSerialization.jsonObject(with: Data(after.stdout.utf8)) as? [String: Any])["runs"] as? [[String: Any]]
            #expect(runs?.first?["result"] as? String == (image == RolloutFixture.web2 ? "succeeded" : "failed"), "\(after.stdout)")
            try await fixture.reset()
        }

        @Test("SIGINT or SIGTERM while the canary waits for health: exit 130/143, the old container serving again under its name, no lock left, journaled interrupted",
              arguments: [SIGINT, SIGTERM])
        func signalDuringHealthWait(_ signal: Int32) async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            let before = try await fixture.webs()
            // Healthy within a second, then stable for 10 s: the signal comes during that wait,
            // and the old container is checked with the same spec once it is back.
            let playbook = try canaryPlaybook(fixture, image: RolloutFixture.web2, stable: "10s", hosts: "web")
            let process = try StreamingProcess([Shell.molt, "rollout", playbook, "--yes", "-i", lab.inventoryPath, "--journal", fixture.journal])
            let waiting = await process.waitForLine(timeout: 60) { $0.contains("lab1 web: waiting for web.molt-next") }
            #expect(waiting, "\(process.output)")
            process.signal(signal)
            let status = await process.wait(timeout: 60)
            #expect(status == 128 + signal, "\(process.output)")
            #expect(process.output.contains("INTERRUPTED"), "\(process.output)")
            let after = try await fixture.webs()
            for host in lab.hosts {
                #expect(after[host.name]?.id == before[host.name]?.id, "\(host.name): \(process.output)")
                #expect(after[host.name]?.state.running == true)
            }
            try await fixture.expectNoStrays(allowRetained: false)
            let history = try await fixture.molt("history", "--output", "json")
            let runs = try #require(try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [String: Any])["runs"] as? [[String: Any]]
            #expect(runs?.first?["result"] as? String == "interrupted", "\(history.stdout)")
            try await fixture.reset()
        }

        @Test("SIGINT or SIGTERM during a trial's volume clone, once or twice: the live db is never left paused, no clone or trial container remains",
              arguments: [(SIGINT, 1), (SIGINT, 2), (SIGTERM, 1)])
        func signalDuringClone(_ signal: Int32, _ signals: Int) async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            // A volume big enough that the copy takes a moment.
            let big = try await fixture.docker("lab3").exec(in: "db", command: ["dd", "if=/dev/zero", "of=/data/big", "bs=1M", "count=300"])
            #expect(big.succeeded, "\(big.stderrText)")
            defer { Task { _ = try? await fixture.docker("lab3").exec(in: "db", command: ["rm", "-f", "/data/big"]) } }
            let playbook = try fixture.scratch.write("db-signal.yml", """
                name: db
                hosts: lab3
                container: db
                image: \(RolloutFixture.db2)
                health: {interval: 500ms, timeout: 20s, stable: 2s}
                trial: {volumes: all, env: {PORT: "15433"}}
                """)
            let process = try StreamingProcess([Shell.molt, "trial", playbook, "-i", lab.inventoryPath])
            let cloning = await process.waitForLine(timeout: 60, poll: .milliseconds(5)) { $0.contains("cloning") }
            #expect(cloning, "\(process.output)")
            for _ in 0..<signals {
                process.signal(signal)
                try await Task.sleep(for: .milliseconds(20))
            }
            let status = await process.wait(timeout: 60)
            #expect(status == 128 + signal, "\(process.output)")
            #expect(process.output.contains("interrupted"), "the trial was cut short: \(process.output)")
            let db = try await fixture.docker("lab3").inspectContainer("db")
            #expect(db.state.running && !db.state.paused, "\(process.output)")
            _ = try await fixture.docker("lab3").exec(in: "db", command: ["rm", "-f", "/data/big"])
            if signals == 2 {
                // Skipped cleanup is the next run's: a trial removes its leftovers first.
                let again = try await fixture.molt("trial", playbook)
                #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
            }
            let docker = try fixture.docker("lab3")
            let leftovers = try await docker.listContainers(all: true).map(\.name).filter { $0.contains(".molt-") || $0.hasPrefix("molt-lock.") }
            #expect(leftovers.isEmpty, "\(leftovers)")
            let clones = try await docker.listVolumes().map(\.name).filter { $0.contains(".molt-trial") }
            #expect(clones.isEmpty, "\(clones)")
        }
    }
}
