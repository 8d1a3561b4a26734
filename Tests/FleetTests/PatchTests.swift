import DockerEngine
import Foundation
import Inventory
import MoltTestSupport
import Rollout
import Testing

extension LabFleetTests {
    /// `molt patch` on the real lab fleet (issue 10). Each test starts from, and leaves, the
    /// lab's standard state: `web` 1.0 on every host, no /etc/molt-patches in it.
    @Suite("molt patch on the lab fleet")
    struct PatchTests {
        /// Removes what the patches left in every web: the record, and the file the command wrote.
        static func clean(_ fixture: RolloutFixture) async throws {
            for host in fixture.lab.hosts {
                _ = try await fixture.docker(host.name).exec(in: "web", command: ["rm", "-f", PatchRecord.path, "/tmp/molt-patched"])
            }
        }

        /// `molt patch OPTIONS -- COMMAND` with the lab's inventory and the fixture's journal
        /// given before the `--`, after which every word is the command's.
        static func patch(_ fixture: RolloutFixture, _ options: [String], command: [String]) async throws -> Shell.Result {
            try await Shell.run([Shell.molt, "patch", "web", "-i", fixture.lab.inventoryPath, "--journal", fixture.journal]
                                    + options + ["--"] + command, environment: Shell.cleanEnvironment)
        }

        /// The records in every host's web, by host; none where the file is missing.
        static func records(_ fixture: RolloutFixture) async throws -> [String: [PatchRecord]] {
            var found: [String: [PatchRecord]] = [:]
            for host in fixture.lab.hosts {
                let result = try await fixture.docker(host.name).exec(in: "web", command: ["cat", PatchRecord.path])
                found[host.name] = result.succeeded ? PatchRecord.parse(result.stdoutText) : []
            }
            return found
        }

        @Test("a succeeding command patches the canary, then the rest; each web records it, stays healthy, and the history has the run")
        func succeeding() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            try await Self.clean(fixture)
            let before = try await fixture.webs().mapValues(\.id)

            let dry = try await Self.patch(fixture, ["--container", "web", "--dry-run"], command: ["sh", "-c", "echo patched > /tmp/molt-patched"])
            #expect(dry.status == 0, "\(dry.stderr)")
            #expect(dry.stdout.contains("dry run: 4 containers to patch"), "\(dry.stdout)")
            #expect(try await Self.records(fixture).values.allSatisfy(\.isEmpty), "a dry run changes nothing")

            let patch = try await Self.patch(fixture, ["--container", "web", "--timeout", "1s", "--yes", "--output", "json"],
                                             command: ["sh", "-c", "echo patched > /tmp/molt-patched"])
            #expect(patch.status == 0, "\(patch.stderr)\n\(patch.stdout)")
            let events = try RolloutFixture.events(patch.stdout)
            let batches = events.filter { $0["event"] as? String == "batch.started" }.map { $0["hosts"] as? [String] ?? [] }
            #expect(batches == [["lab1/web"], ["lab2/web", "lab3/web", "lab4/web"]])
            let run = try #require(events.last?["run"] as? String)
            #expect(events.last?["result"] as? String == "succeeded")

            let records = try await Self.records(fixture)
            for host in lab.hosts {
                #expect(records[host.name]?.map(\.run) == [run], "\(host.name): \(records[host.name] ?? [])")
                #expect(records[host.name]?.first?.command == "sh -c 'echo patched > /tmp/molt-patched'")
                #expect(records[host.name]?.first?.exitCode == 0)
                #expect(try await fixture.file("/tmp/molt-patched", in: "web", on: host.name) == "patched\n")
            }
            let after = try await fixture.webs()
            #expect(after.mapValues(\.id) == before, "the same containers, patched in place")
            #expect(after.values.allSatisfy { $0.state.health?.status == "healthy" })
            try await fixture.expectNoStrays()

            let history = try await fixture.molt("history", run)
            #expect(history.status == 0 && history.stdout.contains("patch"), "\(history.stderr)")
            try await Self.clean(fixture)
        }

        @Test("a failing command stops after the canary with exit 1: only lab1's web ran it and records exit 3")
        func failing() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            try await Self.clean(fixture)

            let patch = try await Self.patch(fixture, ["--container", "web", "--timeout", "1s", "--yes"], command: ["sh", "-c", "exit 3"])
            #expect(patch.status == 1, "\(patch.stderr)\n\(patch.stdout)")
            let records = try await Self.records(fixture)
            #expect(records["lab1"]?.map(\.exitCode) == [3])
            for host in lab.hosts where host.name != "lab1" { #expect(records[host.name] == [], "\(host.name)") }
            try await fixture.expectNoStrays()
            try await Self.clean(fixture)
        }
        @Test("a command that makes the canary unhealthy (its /health gone) stops after the canary with exit 1")
        func unhealthy() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            try await Self.clean(fixture)

            // Docker calls web unhealthy after 3 failed probes 1 s apart: within the 5 s watch.
            let patch = try await Self.patch(fixture, ["--container", "web", "--timeout", "5s", "--yes"], command: ["rm", "/www/health"])
            #expect(patch.status == 1, "\(patch.stderr)\n\(patch.stdout)")
            #expect(patch.stdout.contains("not healthy after the patch") || patch.stderr.contains("not healthy after the patch"),
                    "\(patch.stderr)\n\(patch.stdout)")
            let records = try await Self.records(fixture)
            #expect(records["lab1"]?.map(\.exitCode) == [0])
            for host in lab.hosts where host.name != "lab1" { #expect(records[host.name] == [], "\(host.name)") }

            // Healthy again for the next test.
            let docker = try fixture.docker("lab1")
            _ = try await docker.exec(in: "web", command: ["sh", "-c", "echo ok > /www/health"])
            let deadline = ContinuousClock.now + .seconds(20)
            while try await docker.inspectContainer("web").state.health?.status != "healthy", ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(200))
            }
            #expect(try await docker.inspectContainer("web").state.health?.status == "healthy")
            try await Self.clean(fixture)
        }

        @Test("SIGINT while the canary's command runs: the command finishes and is recorded, no other web is touched, no lock left, exit 130, journaled interrupted")
        func interrupted() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            try await Self.clean(fixture)

            let process = try StreamingProcess([Shell.molt, "patch", "web", "-i", lab.inventoryPath, "--journal", fixture.journal,
                                                "--container", "web", "--timeout", "1s", "--yes", "--",
                                                "sh", "-c", "sleep 2; echo patched > /tmp/molt-patched"])
            let running = await process.waitForLine(timeout: 60) { $0.contains("lab1") && $0.contains("running sh -c") }
            #expect(running, "\(process.output)")
            process.signal(SIGINT)
            let status = await process.wait(timeout: 60)
            #expect(status == 128 + SIGINT, "\(process.output)")

            let records = try await Self.records(fixture)
            #expect(records["lab1"]?.map(\.exitCode) == [0], "the command ran to its end, and lab1's web says so: \(process.output)")
            #expect(try await fixture.file("/tmp/molt-patched", in: "web", on: "lab1") == "patched\n")
            for host in lab.hosts where host.name != "lab1" { #expect(records[host.name] == [], "\(host.name)") }
            try await fixture.expectNoStrays()
            let history = try await fixture.molt("history", "--output", "json")
            let runs = try #require(try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [String: Any])["runs"] as? [[String: Any]]
            #expect(runs?.first?["result"] as? String == "interrupted", "\(history.stdout)")
            try await Self.clean(fixture)
        }
    }
}
