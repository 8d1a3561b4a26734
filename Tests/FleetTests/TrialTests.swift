import DockerEngine
import Fleet
import Foundation
import Inventory
import MoltTestSupport
import Rollout
@testable import SSHConfig
import Testing

extension LabFleetTests {
    /// Trials against cloned volumes and the emergency workflow (issue 4's "done means"),
    /// with the lab's db service: 2.0 migrates its data file at start, 2.1-corrupt breaks it.
    @Suite("molt trial and the emergency workflow on the lab fleet")
    struct TrialTests {
        static let dbHosts = ["lab3", "lab4"]

        func dbPlaybook(_ fixture: RolloutFixture, image: String) throws -> String {
            try fixture.scratch.write("db-\(UUID().uuidString.prefix(8)).yml", """
                name: db
                hosts: db
                container: db
                image: \(image)
                health: {interval: 500ms, timeout: 20s, stable: 2s}
                trial:
                  volumes: all
                  env: {PORT: "15433"}
                batches: [1, "100%"]
                """)
        }

        /// The live db's identity and data on each db host.
        func liveState(_ fixture: RolloutFixture) async throws -> [String: (id: String, startedAt: String, data: String)] {
            var state: [String: (id: String, startedAt: String, data: String)] = [:]
            for host in Self.dbHosts {
                let db = try await fixture.docker(host).inspectContainer("db")
                state[host] = (db.id, db.state.startedAt, try await fixture.file("/data/db", in: "db", on: host))
            }
            return state
        }

        func expectNoTrialLeftovers(_ fixture: RolloutFixture) async throws {
            for host in fixture.lab.hosts {
                let docker = try fixture.docker(host.name)
                let containers = try await docker.listContainers(all: true).map(\.name).filter { $0.contains(".molt-trial") || $0.contains(".molt-clone") }
                #expect(containers.isEmpty, "\(host.name) has \(containers)")
                let volumes = try await docker.listVolumes().map(\.name).filter { $0.contains(".molt-trial") }
                #expect(volumes.isEmpty, "\(host.name) has \(volumes)")
            }
        }

        @Test("the corrupting release fails its trial (and a rollout with a trial): logs shown, the live db never stopped, its data unchanged, nothing left over")
        func corruptingReleaseCaught() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            let before = try await liveState(fixture)
            #expect(before.values.allSatisfy { $0.data.hasPrefix("format=1\n") })
            let playbook = try dbPlaybook(fixture, image: RolloutFixture.dbCorrupt)

            let trial = try await fixture.molt("trial", playbook, "--limit", "db")
            #expect(trial.status == 1, "\(trial.stdout)\(trial.stderr)")
            #expect(trial.stdout.contains("lab3 db: FAILED"), "\(trial.stdout)")
            #expect(trial.stdout.contains("          | "), "the trial container's logs are shown")
            #expect(trial.stdout.contains("paused"), "the pause of the clone is printed")

            let rollout = try await fixture.molt("rollout", playbook, "--yes")
            #expect(rollout.status == 1, "\(rollout.stdout)\(rollout.stderr)")
            #expect(rollout.stdout.contains("the trial failed; the live container was not touched"), "\(rollout.stdout)")

            let after = try await liveState(fixture)
            for host in Self.dbHosts {
                #expect(after[host]?.id == before[host]?.id)
                #expect(after[host]?.startedAt == before[host]?.startedAt, "the live db on \(host) was restarted")
                #expect(after[host]?.data == before[host]?.data, "the live data on \(host) changed")
            }
            try await expectNoTrialLeftovers(fixture)
            try await fixture.expectNoStrays(allowRetained: false)
        }

        @Test("without a trial the corrupting release breaks the live data: the host is degraded, said loudly, nothing deleted")
        func degradedWithoutTrial() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            let before = try await liveState(fixture)
            let playbook = try fixture.scratch.write("db-no-trial.yml", """
                name: db
                hosts: db
                container: db
                image: \(RolloutFixture.dbCorrupt)
                health: {interval: 500ms, timeout: 20s, stable: 2s}
                batches: [1, "100%"]
                """)
            let result = try await fixture.molt("rollout", playbook, "--yes", "--limit", "lab3")
            #expect(result.status == 1, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("lab3 db: DEGRADED"), "\(result.stdout)")
            let docker = try fixture.docker("lab3")
            let db = try await docker.inspectContainer("db")
            #expect(db.id == before["lab3"]?.id, "the old container is back under its name")
            let failed = try await docker.inspectContainer("db.molt-failed")
            #expect(failed.configImage == RolloutFixture.dbCorrupt, "the failed new container is kept")
            #expect(try await docker.inspectVolume("db-data") != nil)
            // lab4 was never touched.
            #expect(try await liveState(fixture)["lab4"]?.startedAt == before["lab4"]?.startedAt)
            try await fixture.reset()
        }

        @Test("the good release passes its trial, then the rollout migrates the live data; every db host healthy")
        func goodReleaseMigrates() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            let before = try await liveState(fixture)
            let playbook = try dbPlaybook(fixture, image: RolloutFixture.db2)

            let trial = try await fixture.molt("trial", playbook, "--limit", "db", "--output", "json")
            #expect(trial.status == 0, "\(trial.stdout)\(trial.stderr)")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(trial.stdout.utf8)) as? [String: Any])
            let trials = try #require(document["trials"] as? [[String: Any]])
            #expect(trials.count == 2)
            for entry in trials {
                #expect(entry["result"] as? String == "passed")
                let clones = try #require(entry["clones"] as? [[String: Any]])
                #expect(clones.count == 1)
                #expect((clones.first?["pause_seconds"] as? Double ?? -1) >= 0)
                #expect((clones.first?["bytes"] as? Int ?? 0) > 0)
            }
            // The trial is journaled as the other commands are: a trial step per host, ended as it did.
            let run = try #require(document["run"] as? String)
            let history = try await fixture.molt("history", run, "--output", "json")
            #expect(history.status == 0, "\(history.stderr)")
            let record = try #require(((try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [String: Any])?["runs"] as? [[String: Any]])?.first)
            #expect(record["command"] as? String == "trial")
            #expect(record["result"] as? String == "succeeded")
            let steps = try #require(record["steps"] as? [[String: Any]])
            #expect(Set(steps.compactMap { $0["host"] as? String }) == Set(trials.compactMap { $0["host"] as? String }))
            #expect(steps.allSatisfy { $0["step"] as? String == "trial" && $0["outcome"] as? String == "passed" && $0["service"] as? String == "db" }, "\(steps)")
            #expect((record["hosts"] as? [[String: Any]])?.compactMap { $0["outcome"] as? String } == ["passed", "passed"])

            // The trial changed nothing live.
            let untouched = try await liveState(fixture)
            #expect(untouched.mapValues(\.data) == before.mapValues(\.data))
            #expect(untouched.mapValues(\.startedAt) == before.mapValues(\.startedAt))

            let rollout = try await fixture.molt("rollout", playbook, "--yes")
            #expect(rollout.status == 0, "\(rollout.stdout)\(rollout.stderr)")
            #expect(rollout.stdout.contains("trial passed"), "\(rollout.stdout)")
            for host in Self.dbHosts {
                let db = try await fixture.docker(host).inspectContainer("db")
                #expect(db.configImage == RolloutFixture.db2)
                #expect(db.state.health?.status == "healthy")
                let data = try await fixture.file("/data/db", in: "db", on: host)
                #expect(data.hasPrefix("format=2\n"), "\(host): \(data.prefix(40))")
            }
            try await expectNoTrialLeftovers(fixture)
            try await fixture.reset()
        }

        @Test("a trial that clones only some volumes mounts the live data it does not clone read-only: the migrating release cannot touch it, and the trial fails naming it")
        func partialTrialVolumesAreReadOnly() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            let docker = try fixture.docker("lab3")
            let name = "rodb-\(UInt32.random(in: 0..<UInt32.max))"
            let data = "\(name)-data"
            let extra = "\(name)-extra"
            let id = try await docker.createContainer(name: name, body: [
                "Image": .string(RolloutFixture.db1), "Env": ["PORT=15999"],
                "HostConfig": ["NetworkMode": "host", "Binds": [.string("\(data):/data"), .string("\(extra):/extra")]],
            ])
            _ = try await docker.startContainer(id)
            func cleanUp() async {
                for container in (try? await docker.listContainers(all: true)) ?? [] where container.name.hasPrefix(name) {
                    try? await docker.removeContainer(container.id, force: true)
                }
                try? await docker.removeVolume(data, force: true)
                try? await docker.removeVolume(extra, force: true)
            }
            func playbook(_ volumes: String) throws -> String {
                try fixture.scratch.write("\(name)-\(UUID().uuidString.prefix(6)).yml", """
                    name: \(name)
                    hosts: lab3
                    container: \(name)
                    image: \(RolloutFixture.db2)
                    health: {interval: 500ms, timeout: 20s, stable: 1s}
                    trial:
                      volumes: \(volumes)
                      env: {PORT: "16000"}
                    """)
            }
            do {
                var created = ""
                for _ in 0..<100 where !created.hasPrefix("format=1") {
                    try await Task.sleep(for: .milliseconds(100))
                    created = (try? await fixture.file("/data/db", in: name, on: "lab3")) ?? ""
                }
                #expect(created.hasPrefix("format=1\n"))

                let partial = try await fixture.molt("trial", try playbook("[\(extra)]"))
                #expect(partial.status == 1, "\(partial.stdout)\(partial.stderr)")
                #expect(partial.stdout.contains("volume \(data) at /data"), "the trial names what it mounted read-only: \(partial.stdout)")
                #expect(partial.stdout.lowercased().contains("read-only"), "\(partial.stdout)")
                let after = try await fixture.file("/data/db", in: name, on: "lab3")
                #expect(after == created, "the live data is unchanged")
                let backup = try await docker.exec(in: name, command: ["test", "-e", "/data/db.format1.bak"])
                #expect(!backup.succeeded, "the migration never wrote to the live volume")

                let whole = try await fixture.molt("trial", try playbook("all"))
                #expect(whole.status == 0, "\(whole.stdout)\(whole.stderr)")
                #expect(try await fixture.file("/data/db", in: name, on: "lab3") == created, "only the clone was migrated")
                try await expectNoTrialLeftovers(fixture)
            } catch {
                await cleanUp()
                throw error
            }
            await cleanUp()
        }

        @Test("the emergency, as the README tells it: find the affected containers, patch web in place (a canary first), audit shows it patched, roll out the rebuilt images, then audit is clean and find finds none")
        func emergencyWalkthrough() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            let steps = try Self.readmeWalkthrough()
            try #require(steps.map { $0.dropFirst().first ?? "" } == ["find", "patch", "patch", "find", "audit", "plan", "rollout", "audit", "find"],
                         "README.md's emergency has other steps now: \(steps)")
            do {
                try await walk(steps, fixture)
            } catch {
                try await Self.putBackUnpatched(fixture)
                throw error
            }
            try await Self.putBackUnpatched(fixture)
        }

        /// The README's steps, each checked against the lab.
        func walk(_ steps: [[String]], _ fixture: RolloutFixture) async throws {
            let lab = fixture.lab
            let webs = Set(lab.hosts.map { "\($0.name)/web" })
            let affected = webs.union(["lab1/cache", "lab2/cache"] + Self.dbHosts.map { "\($0)/db" })

            // 1. Every web, cache and db is affected.
            let first = try await Self.run(steps[0], fixture)
            #expect(first.status == 0, "\(first.stderr)")
            #expect(try Self.matches(first.stdout) == affected)

            // 2. The dry run lists the webs, lab1's alone in the first batch, and changes nothing.
            let canaryFirst = [["lab1/web"], lab.hosts.dropFirst().map { "\($0.name)/web" }]
            let dry = try await Self.run(steps[1], fixture)
            #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
            #expect(Self.batches(try RolloutFixture.events(dry.stdout)) == canaryFirst)
            for host in lab.hosts {
                #expect(try await Self.patchRecord(on: host.name, fixture) == nil, "the dry run patched \(host.name)")
            }

            // 3. The patch: the canary patched and watched before the rest start.
            let patch = try await Self.run(steps[2], fixture)
            #expect(patch.status == 0, "\(patch.stdout)\(patch.stderr)")
            let events = try RolloutFixture.events(patch.stdout)
            #expect(Self.batches(events) == canaryFirst)
            let canaryPatched = events.firstIndex { $0["event"] as? String == "host.updated" && $0["host"] as? String == "lab1" }
            let restStarted = events.firstIndex { $0["event"] as? String == "batch.started" && $0["batch"] as? Int == 2 }
            #expect(canaryPatched != nil && restStarted != nil && canaryPatched! < restStarted!, "\(patch.stdout)")
            #expect(events.last?["result"] as? String == "succeeded")
            let run = try #require(events.last?["run"] as? String)
            for host in lab.hosts {
                // The mirror's package was installed: its file is in the container.
                let marker = try await fixture.file("/usr/share/doc/libssl3/molt-lab-fixed", in: "web", on: host.name)
                #expect(marker.contains("libssl3 3.0.15-1~deb12u1"), "\(host.name): \(marker)")
            }
            let patched = try await fixture.webs().mapValues(\.id)

            // 4. The webs' own databases say the fixed version: only cache and db are left.
            let second = try await Self.run(steps[3], fixture)
            #expect(second.status == 0, "\(second.stderr)")
            #expect(try Self.matches(second.stdout) == affected.subtracting(webs))

            // 5. Each web is patched (its record names the run) and changed in place; nothing else.
            let drifted = try await Self.run(steps[4], fixture)
            #expect(drifted.status == 3, "\(drifted.stdout)\(drifted.stderr)")
            let findings = try Self.findings(drifted.stdout)
            #expect(Set(findings.map { "\($0.place) \($0.kind)" }) == Set(webs.flatMap { ["\($0) patched", "\($0) changed-in-place"] }))
            for finding in findings where finding.kind == "patched" {
                #expect(finding.detail.contains("\t\(run)\t"), "\(finding.place): \(finding.detail)")
            }
            for finding in findings where finding.kind == "changed-in-place" {
                #expect(finding.detail == "libssl3 3.0.11-1~deb12u2 → 3.0.15-1~deb12u1", "\(finding.place)")
            }

            // 6, 7. The plan, then the rollout of the rebuilt images: lab1 first, every affected container replaced.
            let plan = try await Self.run(steps[5], fixture)
            #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")
            let rollout = try await Self.run(steps[6], fixture)
            #expect(rollout.status == 0, "\(rollout.stdout)\(rollout.stderr)")
            let rolled = try RolloutFixture.events(rollout.stdout)
            #expect(Self.batches(rolled).first == ["lab1"], "a canary batch first")
            let updated = Set(rolled.filter { $0["event"] as? String == "host.updated" }.map { "\($0["host"] as? String ?? "")/\($0["service"] as? String ?? "")" })
            #expect(updated == affected)
            for (host, web) in try await fixture.webs() {
                #expect(web.id != patched[host], "\(host)'s patched web is still in place")
                #expect(web.configImage == RolloutFixture.web2)
            }

            // 8. The patched containers are gone, and their findings with them; nothing is affected.
            let clean = try await Self.run(steps[7], fixture)
            #expect(clean.status == 0, "\(clean.stdout)\(clean.stderr)")
            #expect(try Self.findings(clean.stdout).isEmpty)
            let last = try await Self.run(steps[8], fixture)
            #expect(last.status == 0, "\(last.stderr)")
            #expect(try Self.matches(last.stdout).isEmpty)
        }

        /// The `$ molt …` commands of README.md's "An emergency, end to end", in order, as words
        /// (a line ending in `\` goes on on the next).
        static func readmeWalkthrough() throws -> [[String]] {
            let readme = try String(contentsOfFile: Lab.repository + "/README.md", encoding: .utf8)
            guard let section = readme.range(of: "\n## An emergency, end to end\n"),
                  let open = readme.range(of: "```sh\n", range: section.upperBound..<readme.endIndex),
                  let close = readme.range(of: "\n```", range: open.upperBound..<readme.endIndex) else {
                throw LabMissing(message: "README.md has no sh block under \"## An emergency, end to end\"")
            }
            var commands: [String] = []
            var pending: String?
            for line in readme[open.upperBound..<close.lowerBound].split(separator: "\n") {
                var text: String
                if let started = pending {
                    text = started + " " + line.trimmingCharacters(in: .whitespaces)
                } else if line.hasPrefix("$ ") {
                    text = String(line.dropFirst(2))
                } else {
                    continue
                }
                if text.hasSuffix("\\") {
                    text.removeLast()
                    pending = text.trimmingCharacters(in: .whitespaces)
                    continue
                }
                pending = nil
                commands.append(text)
            }
            return try commands.map { command in
                let words = try ShellSplit.split(command)
                guard words.count > 1, words[0] == "molt" else { throw LabMissing(message: "not a molt command in README.md: \(command)") }
                return words
            }
        }

        /// Runs one of the README's commands as written, from the repository, with the test's
        /// journal, JSON output and, where molt would ask at a terminal, `--yes`.
        static func run(_ words: [String], _ fixture: RolloutFixture) async throws -> Shell.Result {
            var arguments = [Shell.molt, words[1], "--output", "json", "--journal", fixture.journal]
            if ["patch", "rollout"].contains(words[1]) && !words.prefix(while: { $0 != "--" }).contains("--dry-run") {
                arguments.append("--yes")
            }
            return try await ChildProcess.run(arguments + words.dropFirst(2), environment: Shell.cleanEnvironment, directory: Lab.repository)
        }

        /// The hosts of each `batch.started` event.
        static func batches(_ events: [[String: Any]]) -> [[String]] {
            events.filter { $0["event"] as? String == "batch.started" }.map { $0["hosts"] as? [String] ?? [] }
        }

        /// The `molt audit --output json` findings, as `host/container`, kind and detail.
        static func findings(_ json: String) throws -> [(place: String, kind: String, detail: String)] {
            let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            let errors = document["errors"] as? [Any] ?? []
            #expect(errors.isEmpty, "\(errors)")
            let findings = try #require(document["findings"] as? [[String: Any]])
            return findings.map { ("\($0["host"] as? String ?? "")/\($0["container"] as? String ?? "")", $0["kind"] as? String ?? "", $0["detail"] as? String ?? "") }
        }

        /// The web's /etc/molt-patches on `host`, or nil when it has none.
        static func patchRecord(on host: String, _ fixture: RolloutFixture) async throws -> String? {
            let result = try await fixture.docker(host).exec(in: "web", command: ["cat", PatchRecord.path])
            return result.succeeded ? result.stdoutText : nil
        }

        /// The lab's standard state again, wherever the walkthrough stopped. The patched webs
        /// must not come back: `reset` would rename a retained web 1.0 (`web.molt-prev`, the
        /// patched one after the rollout) back into place, so the retained webs are removed first,
        /// and webs still patched in place are replaced by a rollout that keeps nothing.
        static func putBackUnpatched(_ fixture: RolloutFixture) async throws {
            var stillPatched = false
            for host in fixture.lab.hosts {
                let docker = try fixture.docker(host.name)
                if try await docker.container(named: "web.molt-prev") != nil {
                    try await docker.removeContainer("web.molt-prev", force: true)
                }
                if (try? await patchRecord(on: host.name, fixture)) != nil { stillPatched = true }
            }
            if stillPatched {
                let playbook = try fixture.scratch.write("unpatch-web.yml", """
                    name: unpatch-web
                    hosts: all
                    container: web
                    image: \(RolloutFixture.web2)
                    health: {interval: 500ms, stable: 1s}
                    batches: ["100%"]
                    retain: 0
                    """)
                let result = try await fixture.molt("rollout", playbook, "--yes")
                guard result.status == 0 else { throw LabMissing(message: "could not replace the patched webs: \(result.stdout)\(result.stderr)") }
            }
            try await fixture.reset()
        }

        static func matches(_ json: String) throws -> Set<String> {
            let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            let matches = try #require(document["matches"] as? [[String: Any]])
            return Set(matches.map { "\($0["host"] as? String ?? "")/\($0["container"] as? String ?? "")" })
        }
    }
}
