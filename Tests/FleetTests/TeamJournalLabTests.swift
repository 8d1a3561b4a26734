import DockerEngine
import Foundation
import Inventory
import MoltTestSupport
import Testing

/// The lab's PostgreSQL server for the journal (`scripts/lab journal up`): `MOLT_TEST_POSTGRES`,
/// with a database of each test's own.
enum LabJournalServer {
    static var url: String? {
        ProcessInfo.processInfo.environment["MOLT_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    }

    static let psql = "/usr/lib/postgresql/15/bin/psql"

    /// A new, empty database on the server `url` names: its URL.
    static func database(on url: String) async throws -> String {
        let name = "molt_lab_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let created = try await Shell.run([psql, url, "-qc", "CREATE DATABASE \(name)"])
        guard created.status == 0 else { throw LabMissing(message: "cannot create database \(name): \(created.stderr)") }
        var components = try #require(URLComponents(string: url))
        components.path = "/" + name
        return try #require(components.string)
    }

    /// Drops the database `url` names, connections and all.
    static func drop(_ url: String) async {
        guard var components = URLComponents(string: url) else { return }
        let name = String(components.path.dropFirst())
        components.path = "/postgres"
        guard let administration = components.string else { return }
        _ = try? await Shell.run([psql, administration, "-qc", "DROP DATABASE IF EXISTS \(name) WITH (FORCE)"])
    }

    /// `url` with `password` in place of its own.
    static func with(password: String, _ url: String) throws -> String {
        var components = try #require(URLComponents(string: url))
        components.password = password
        return try #require(components.string)
    }
}

extension LabFleetTests {
    /// A team's journal on the lab (issue 13, SPEC §11): coordinators with homes of their own
    /// (so SQLite journals of their own by default) sharing one PostgreSQL journal.
    @Suite("a team's journal on PostgreSQL", .enabled(if: LabJournalServer.url != nil, "needs MOLT_TEST_POSTGRES (scripts/lab journal up)"))
    struct TeamJournalLabTests {
        /// A coordinator: a home of its own and the shared journal's URL.
        struct Coordinator {
            let home: String
            let journal: String
            let inventory: String

            init(_ name: String, _ fixture: RolloutFixture, journal: String) throws {
                home = fixture.scratch.path + "/home-" + name
                try FileManager.default.createDirectory(atPath: home, withIntermediateDirectories: true)
                self.journal = journal
                inventory = fixture.lab.inventoryPath
            }

            var environment: [String: String] {
                var environment = Shell.cleanEnvironment
                environment["HOME"] = home
                environment["XDG_STATE_HOME"] = nil
                environment["MOLT_JOURNAL"] = journal
                return environment
            }

            func molt(_ arguments: String...) async throws -> Shell.Result {
                let inventory = arguments.first == "history" ? [] : ["-i", self.inventory]
                return try await Shell.run([Shell.molt] + arguments + inventory, environment: environment)
            }

            /// `molt history` as this coordinator sees it: every run's ID, result and outcomes.
            func history() async throws -> [String: (result: String, hosts: [String: String])] {
                let listed = try await molt("history", "--output", "json")
                #expect(listed.status == 0, "\(listed.stderr)")
                let document = try JSONSerialization.jsonObject(with: Data(listed.stdout.utf8)) as? [String: Any]
                var runs: [String: (result: String, hosts: [String: String])] = [:]
                for run in document?["runs"] as? [[String: Any]] ?? [] {
                    let hosts = (run["hosts"] as? [[String: Any]] ?? []).reduce(into: [String: String]()) { found, host in
                        found["\(host["host"] ?? "")/\(host["service"] ?? "")"] = host["outcome"] as? String
                    }
                    runs[run["id"] as? String ?? ""] = (run["result"] as? String ?? "", hosts)
                }
                return runs
            }
        }

        /// The lab in its standard state, a new database on the lab's server and two
        /// coordinators sharing it, Alice and Bob; the database is dropped and the lab reset after.
        func withTeam(_ body: (Lab, RolloutFixture, String, Coordinator, Coordinator) async throws -> Void) async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            try await fixture.reset()
            let shared = try await LabJournalServer.database(on: try #require(LabJournalServer.url))
            do {
                try await body(lab, fixture, shared, try Coordinator("alice", fixture, journal: shared), try Coordinator("bob", fixture, journal: shared))
            } catch {
                await LabJournalServer.drop(shared)
                throw error
            }
            await LabJournalServer.drop(shared)
            try await fixture.reset()
        }

        @Test("two coordinators with homes of their own roll out web and db at once on one PostgreSQL journal: both exit 0, each one's history shows both runs with every host's outcome")
        func twoCoordinators() async throws {
            try await withTeam { lab, fixture, shared, alice, bob in
                let web = try fixture.playbook(image: RolloutFixture.web2, batches: "[1, \"100%\"]", stable: "1s")

                async let webRollout = alice.molt("rollout", web, "--yes", "--output", "json")
                async let dbRollout = bob.molt("rollout", "\(Lab.repository)/playbooks/lab-db.yml", "--yes", "--output", "json")
                let (webResult, dbResult) = try await (webRollout, dbRollout)
                #expect(webResult.status == 0, "\(webResult.stdout)\(webResult.stderr)")
                #expect(dbResult.status == 0, "\(dbResult.stdout)\(dbResult.stderr)")
                let webRun = try LabFleetTests.GateLabTests.run(webResult.stdout)
                let dbRun = try LabFleetTests.GateLabTests.run(dbResult.stdout)
                #expect(webRun != dbRun)

                for coordinator in [alice, bob] {
                    let runs = try await coordinator.history()
                    #expect(runs[webRun]?.result == "succeeded", "\(coordinator.home): \(runs)")
                    #expect(runs[dbRun]?.result == "succeeded", "\(coordinator.home): \(runs)")
                    #expect(runs[webRun]?.hosts == ["lab1/web": "updated", "lab2/web": "updated", "lab3/web": "updated", "lab4/web": "updated"])
                    #expect(runs[dbRun]?.hosts == ["lab3/db": "updated", "lab4/db": "updated"])
                }
                // molt journal copy: the shared journal into an SQLite file and back into a new
                // database reads back the same, run for run.
                let file = fixture.scratch.path + "/copied.sqlite"
                let again = try await LabJournalServer.database(on: try #require(LabJournalServer.url))
                defer { Task { await LabJournalServer.drop(again) } }
                for (from, to) in [(shared, file), (file, again)] {
                    let copied = try await Shell.run([Shell.molt, "journal", "copy", from, to], environment: alice.environment)
                    #expect(copied.status == 0 && copied.stdout.contains("copied 2 runs"), "\(copied.stdout)\(copied.stderr)")
                }
                let original = try await Shell.run([Shell.molt, "history", "--output", "json"], environment: alice.environment)
                for (name, copy) in [("the SQLite copy", file), ("the copy back in PostgreSQL", again)] {
                    let copied = try await Shell.run([Shell.molt, "history", "--output", "json", "--journal", copy], environment: alice.environment)
                    #expect(copied.status == 0, "\(name): \(copied.stderr)")
                    #expect(copied.stdout == original.stdout, "\(name): \(copied.stdout) instead of \(original.stdout)")
                }
                // Without the shared journal, a coordinator sees only its own (empty) SQLite one.
                var alone = alice.environment
                alone["MOLT_JOURNAL"] = nil
                let own = try await Shell.run([Shell.molt, "history"], environment: alone)
                #expect(own.status == 0 && !own.stdout.contains(webRun) && !own.stdout.contains(dbRun), "\(own.stdout)")
            }
        }

        @Test("a canary waiting at its gate, started by one coordinator, is promoted by another from the shared journal, with the playbook file gone")
        func promoteFromAnotherCoordinator() async throws {
            try await withTeam { lab, fixture, shared, alice, bob in
                try await LabFleetTests.GateLabTests.setMetric(lab, "web_errors_team", "0.001")
                let playbook = try LabFleetTests.GateLabTests.playbook(fixture, metric: "web_errors_team", hold: "1s", promote: "manual")

                let rollout = try await alice.molt("rollout", playbook, "--yes", "--output", "json")
                #expect(rollout.status == 6, "\(rollout.stdout)\(rollout.stderr)")
                let run = try LabFleetTests.GateLabTests.run(rollout.stdout)
                try FileManager.default.removeItem(atPath: playbook)

                // Bob's own SQLite journal has never heard of the run.
                var alone = bob.environment
                alone["MOLT_JOURNAL"] = nil
                let unknown = try await Shell.run([Shell.molt, "promote", run, "--yes", "-i", lab.inventoryPath], environment: alone)
                #expect(unknown.status == 2, "\(unknown.stdout)\(unknown.stderr)")

                let promote = try await bob.molt("promote", run, "--yes")
                #expect(promote.status == 0, "\(promote.stdout)\(promote.stderr)")
                for (host, web) in try await fixture.webs() {
                    #expect(web.configImage == RolloutFixture.web2, "\(host)")
                    #expect(web.state.health?.status == "healthy", "\(host)")
                }
                for host in lab.hosts {
                    #expect(try await fixture.docker(host.name).container(named: "molt-lock.web") == nil, "\(host.name)")
                }
                let runs = try await alice.history()
                #expect(runs[run]?.result == "succeeded", "\(runs)")
                #expect(runs[run]?.hosts.values.allSatisfy { $0 == "updated" } == true && runs[run]?.hosts.count == 4, "\(runs)")
            }
        }

        @Test("a wrong password is exit 2 naming the server, the password in no output, and no host touched")
        func wrongPassword() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            let before = try await fixture.webs()
            let url = try LabJournalServer.with(password: "Wr0ng-team-pass", try #require(LabJournalServer.url))
            let server = try #require(URLComponents(string: url))
            let coordinator = try Coordinator("carol", fixture, journal: url)
            let web = try fixture.playbook(image: RolloutFixture.web2, batches: "[\"100%\"]")
            for arguments in [["rollout", web, "--yes", "-i", lab.inventoryPath], ["history"], ["promote", "0123456789abcdef", "--yes", "-i", lab.inventoryPath]] {
                let result = try await Shell.run([Shell.molt] + arguments, environment: coordinator.environment)
                #expect(result.status == 2, "\(arguments): \(result.stdout)\(result.stderr)")
                #expect(result.stderr.contains("journal molt@\(server.host ?? ""):\(server.port ?? 0)\(server.path): cannot connect"), "\(result.stderr)")
                #expect(!(result.stdout + result.stderr).contains("Wr0ng-team-pass"))
            }
            let after = try await fixture.webs()
            for host in lab.hosts {
                #expect(after[host.name]?.id == before[host.name]?.id, "\(host.name) was touched")
                #expect(try await fixture.docker(host.name).container(named: "molt-lock.web") == nil, "\(host.name)")
            }
        }

        @Test("the journal server stopped after the first batch: no new batch, every host healthy on its old or new release, exit 1; history later says interrupted")
        func serverStoppedAfterFirstBatch() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            let before = try await fixture.webs()
            // A server of this test's own, on a port of its own: stopping it disturbs no other test.
            let port = ["MOLT_LAB_JOURNAL_PORT=55433"]
            let up = try await Shell.run(["/usr/bin/env"] + port + ["\(Lab.repository)/scripts/lab", "journal", "up"])
            try #require(up.status == 0, "\(up.stderr)")
            defer { Task { _ = try? await Shell.run(["/usr/bin/env"] + port + ["\(Lab.repository)/scripts/lab", "journal", "down"]) } }
            let url = up.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let coordinator = try Coordinator("dave", fixture, journal: url)
            // A pause between batches: the server is gone before batch 2 would start.
            let web = try fixture.playbook(image: RolloutFixture.web2, batches: "[1, \"100%\"]", stable: "1s", pause: "5s")

            let process = try StreamingProcess(
                [Shell.molt, "rollout", web, "--yes", "--output", "json", "-i", lab.inventoryPath], environment: coordinator.environment)
            let firstBatch = await process.waitForLine(timeout: 90) { $0.contains("\"event\":\"batch.finished\"") }
            #expect(firstBatch, "\(process.output)")
            let stopped = try await Shell.run(["/usr/bin/env"] + port + ["\(Lab.repository)/scripts/lab", "journal", "stop"])
            #expect(stopped.status == 0, "\(stopped.stderr)")
            let status = await process.wait(timeout: 120)
            #expect(status == 1, "\(process.output)")
            #expect(process.output.contains("cannot be written"), "\(process.output)")
            let events = try RolloutFixture.events(process.output).compactMap { $0["event"] as? String }
            #expect(events.filter { $0 == "batch.started" }.count == 1, "\(events)")

            let after = try await fixture.webs()
            #expect(after["lab1"]?.configImage == RolloutFixture.web2)
            for host in ["lab2", "lab3", "lab4"] { #expect(after[host]?.id == before[host]?.id, "\(host): no new batch started") }
            for host in lab.hosts {
                #expect(after[host.name]?.state.running == true && after[host.name]?.state.health?.status == "healthy", "\(host.name)")
                #expect(try await fixture.docker(host.name).container(named: "molt-lock.web") == nil, "\(host.name)")
            }

            // The server back: the record holds the first batch, and the run reads as interrupted.
            let started = try await Shell.run(["/usr/bin/env"] + port + ["\(Lab.repository)/scripts/lab", "journal", "start"])
            try #require(started.status == 0, "\(started.stderr)")
            let run = try LabFleetTests.GateLabTests.run(process.output)
            let runs = try await coordinator.history()
            #expect(runs[run]?.result == "interrupted", "\(runs)")
            #expect(runs[run]?.hosts["lab1/web"] == "updated", "\(runs)")
            try await fixture.reset()
        }
    }
}
