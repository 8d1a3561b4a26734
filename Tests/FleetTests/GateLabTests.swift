import DockerEngine
import Foundation
import Inventory
import MoltTestSupport
import Testing

extension LabFleetTests {
    /// Canary gates on the real lab fleet (issue 12, SPEC §10): a hold watched by a
    /// Prometheus-shaped metric the test flips, a manual gate that stops the run with exit 6 and
    /// its locks held, `molt promote` and `molt abort` from the journal.
    @Suite("canary gates on the lab fleet")
    struct GateLabTests {
        /// The lab's metric source, and the query a gate reads.
        static var metrics: String {
            ProcessInfo.processInfo.environment["MOLT_LAB_METRICS"] ?? "http://10.247.213.1:9090"
        }

        /// A playbook: web to 2.0, the canary then the rest, a gate after the canary on the
        /// metric `name` (at most 0.01).
        static func playbook(_ fixture: RolloutFixture, metric name: String, hold: String, promote: String) throws -> String {
            try fixture.scratch.write("gated-\(UUID().uuidString.prefix(8)).yml", """
                name: web
                hosts: web
                container: web
                image: \(RolloutFixture.web2)
                health:
                  interval: 200ms
                  stable: 1s
                batches: [1, "100%"]
                gates:
                  - after: 1
                    hold: \(hold)
                    http:
                      - url: \(metrics)/api/v1/query?query=\(name)
                        value: $.data.result[0].value[1]
                        max: 0.01
                    interval: 300ms
                    promote: \(promote)
                """)
        }

        static func setMetric(_ lab: Lab, _ name: String, _ value: String) async throws {
            try await lab.script("metrics", "set", name, value)
        }

        /// The run ID of a rollout's JSON events.
        static func run(_ output: String) throws -> String {
            let events = try RolloutFixture.events(output)
            return try #require(events.first?["run"] as? String)
        }

        func locks(_ fixture: RolloutFixture) async throws -> [String] {
            var found: [String] = []
            for host in fixture.lab.hosts where try await fixture.docker(host.name).container(named: "molt-lock.web") != nil {
                found.append(host.name)
            }
            return found
        }

        @Test("a manual gate after the canary: exit 6, only lab1 on 2.0, every lock held; a second rollout is exit 4 naming the waiting run; molt promote finishes every host, exit 0")
        func manualThenPromote() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            try await Self.setMetric(lab, "web_errors_promote", "0.001")
            let playbook = try Self.playbook(fixture, metric: "web_errors_promote", hold: "2s", promote: "manual")

            let rollout = try await fixture.molt("rollout", playbook, "--yes", "--output", "json")
            #expect(rollout.status == 6, "\(rollout.stdout)\(rollout.stderr)")
            let run = try Self.run(rollout.stdout)
            let events = try RolloutFixture.events(rollout.stdout).compactMap { $0["event"] as? String }
            #expect(events.contains("gate.started") && events.contains("gate.check") && events.contains("gate.passed") && events.contains("run.waiting"))
            #expect(rollout.stderr.contains("molt promote \(run)"), "\(rollout.stderr)")
            let webs = try await fixture.webs()
            #expect(webs["lab1"]?.configImage == RolloutFixture.web2)
            for host in ["lab2", "lab3", "lab4"] { #expect(webs[host]?.configImage == RolloutFixture.web1, "\(host)") }
            #expect(try await locks(fixture) == lab.hosts.map(\.name), "every lock stays with the waiting run")

            let second = try await fixture.molt("rollout", playbook, "--yes")
            #expect(second.status == 4, "\(second.stdout)\(second.stderr)")
            #expect((second.stdout + second.stderr).contains("waiting at its gate after batch 1"), "\(second.stdout)\(second.stderr)")

            let status = try await fixture.molt("status")
            #expect(status.stderr.contains("run \(run) of web"), "\(status.stderr)")
            let history = try await fixture.molt("history", run)
            #expect(history.stdout.contains("waiting"), "\(history.stdout)")

            let promote = try await fixture.molt("promote", run, "--yes")
            #expect(promote.status == 0, "\(promote.stdout)\(promote.stderr)")
            for (host, web) in try await fixture.webs() {
                #expect(web.configImage == RolloutFixture.web2, "\(host)")
                #expect(web.state.health?.status == "healthy", "\(host)")
            }
            #expect(try await locks(fixture).isEmpty)
            let after = try await fixture.molt("history", run, "--output", "json")
            #expect(after.stdout.contains("\"succeeded\""), "\(after.stdout)")
            // The journal keeps the gate's readings and both decisions: waiting, then promoted.
            let record = try await fixture.molt("history", run)
            let gateRows = record.stdout.split(separator: "\n").filter { $0.hasPrefix("check") || $0.hasPrefix("gate after batch 1") }
            #expect(gateRows.contains { $0.hasPrefix("check") && $0.contains("0.001") }, "\(record.stdout)")
            #expect(gateRows.contains { $0.hasPrefix("gate after batch 1") && $0.contains("waiting") }, "\(record.stdout)")
            #expect(gateRows.contains { $0.hasPrefix("gate after batch 1") && $0.contains("promoted") }, "\(record.stdout)")
            try await fixture.reset()
        }

        @Test("molt abort instead puts the canary back, and no lock remains")
        func manualThenAbort() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            let before = try await fixture.webs()
            try await Self.setMetric(lab, "web_errors_abort", "0.001")
            let playbook = try Self.playbook(fixture, metric: "web_errors_abort", hold: "1s", promote: "manual")
            let rollout = try await fixture.molt("rollout", playbook, "--yes", "--output", "json")
            #expect(rollout.status == 6, "\(rollout.stdout)\(rollout.stderr)")
            let run = try Self.run(rollout.stdout)

            let abort = try await fixture.molt("abort", run, "--yes")
            #expect(abort.status == 0, "\(abort.stdout)\(abort.stderr)")
            let after = try await fixture.webs()
            for host in lab.hosts {
                #expect(after[host.name]?.configImage == RolloutFixture.web1, "\(host.name)")
                #expect(after[host.name]?.state.running == true)
            }
            for host in ["lab2", "lab3", "lab4"] { #expect(after[host]?.id == before[host]?.id, "\(host) was never touched") }
            #expect(try await locks(fixture).isEmpty)
            try await fixture.reset()
        }

        @Test("a metric that goes bad during the hold rolls the canary back (exit 1) without touching the other hosts")
        func badMetricRollsBack() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            let before = try await fixture.webs()
            try await Self.setMetric(lab, "web_errors_bad", "0.001")
            let playbook = try Self.playbook(fixture, metric: "web_errors_bad", hold: "60s", promote: "auto")
            let process = try StreamingProcess([Shell.molt, "rollout", playbook, "--yes", "-i", lab.inventoryPath, "--journal", fixture.journal])
            let holding = await process.waitForLine(timeout: 90) { $0.contains("gate after batch 1: ok") }
            #expect(holding, "\(process.output)")
            try await Self.setMetric(lab, "web_errors_bad", "0.5")
            let status = await process.wait(timeout: 60)
            #expect(status == 1, "\(process.output)")
            #expect(process.output.contains("GATE FAILED"), "\(process.output)")
            let after = try await fixture.webs()
            #expect(after["lab1"]?.configImage == RolloutFixture.web1)
            for host in ["lab2", "lab3", "lab4"] { #expect(after[host]?.id == before[host]?.id, "\(host) was never touched") }
            #expect(try await locks(fixture).isEmpty)
            try await fixture.reset()
        }

        @Test("an auto gate goes on by itself after a good hold: every host on 2.0, exit 0")
        func autoGate() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            try await Self.setMetric(lab, "web_errors_auto", "0.001")
            let playbook = try Self.playbook(fixture, metric: "web_errors_auto", hold: "2s", promote: "auto")
            let rollout = try await fixture.molt("rollout", playbook, "--yes", "--output", "json")
            #expect(rollout.status == 0, "\(rollout.stdout)\(rollout.stderr)")
            let kinds = try RolloutFixture.events(rollout.stdout).compactMap { $0["event"] as? String }
            let passed = try #require(kinds.firstIndex(of: "gate.passed"))
            let batches = kinds.indices.filter { kinds[$0] == "batch.started" }
            #expect(batches.count == 2 && batches[1] > passed, "\(kinds)")
            for (host, web) in try await fixture.webs() { #expect(web.configImage == RolloutFixture.web2, "\(host)") }
            try await fixture.reset()
        }

        @Test("a promote after someone put lab1's old web back by hand refuses, naming it; the run still waits and can be aborted")
        func promoteRefusedAfterHandChange() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            try await Self.setMetric(lab, "web_errors_hand", "0.001")
            let playbook = try Self.playbook(fixture, metric: "web_errors_hand", hold: "1s", promote: "manual")
            let rollout = try await fixture.molt("rollout", playbook, "--yes", "--output", "json")
            #expect(rollout.status == 6, "\(rollout.stdout)\(rollout.stderr)")
            let run = try Self.run(rollout.stdout)

            // By hand, as an operator might: the retained 1.0 container back in place of the canary.
            let docker = try fixture.docker("lab1")
            let canary = try #require(try await docker.container(named: "web"))
            _ = try await docker.stopContainer(canary.id, timeout: .seconds(5))
            try await docker.renameContainer(canary.id, to: "web.molt-by-hand")
            try await docker.renameContainer("web.molt-prev", to: "web")
            _ = try await docker.startContainer("web")

            let promote = try await fixture.molt("promote", run, "--yes")
            #expect(promote.status == 1, "\(promote.stdout)\(promote.stderr)")
            #expect((promote.stdout + promote.stderr).contains("lab1/web: web is not the container run \(run) left at its gate"),
                    "\(promote.stdout)\(promote.stderr)")
            let webs = try await fixture.webs()
            for host in ["lab2", "lab3", "lab4"] { #expect(webs[host]?.configImage == RolloutFixture.web1, "\(host): nothing was done") }
            #expect(try await locks(fixture) == lab.hosts.map(\.name))
            let history = try await fixture.molt("history", run)
            #expect(history.stdout.contains("waiting"), "\(history.stdout)")

            let abort = try await fixture.molt("abort", run, "--yes")
            #expect(try await locks(fixture).isEmpty, "\(abort.stdout)\(abort.stderr)")
            try await fixture.reset()
        }
    }
}
