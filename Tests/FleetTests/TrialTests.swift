import DockerEngine
import Fleet
import Foundation
import MoltTestSupport
import Inventory
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

        @Test("the emergency: find the affected containers, roll out the patched images with a canary first, find none")
        func emergencyWalkthrough() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            let below = "dpkg:3.0.15-1~deb12u1,apk:3.1.7-r1"
            let playbook = Lab.repository + "/playbooks/emergency-openssl.yml"

            let first = try await fixture.molt("find", "--package", "libssl3", "--below", below, "--output", "json")
            #expect(first.status == 0, "\(first.stderr)")
            let affected = try Self.matches(first.stdout)
            let expected = Set(lab.hosts.map { "\($0.name)/web" } + ["lab1/cache", "lab2/cache"] + Self.dbHosts.map { "\($0)/db" })
            #expect(affected == expected)

            let rollout = try await fixture.molt("rollout", playbook, "--yes", "--output", "json")
            #expect(rollout.status == 0, "\(rollout.stdout)\(rollout.stderr)")
            let events = try RolloutFixture.events(rollout.stdout)
            let batches = events.filter { $0["event"] as? String == "batch.started" }.map { $0["hosts"] as? [String] ?? [] }
            #expect(batches.first == ["lab1"], "a canary batch first")
            let updated = Set(events.filter { $0["event"] as? String == "host.updated" }.map { "\($0["host"] as? String ?? "")/\($0["service"] as? String ?? "")" })
            #expect(updated == expected)

            let after = try await fixture.molt("find", "--package", "libssl3", "--below", below, "--output", "json")
            #expect(after.status == 0, "\(after.stderr)")
            #expect(try Self.matches(after.stdout).isEmpty)
            try await fixture.reset()
        }

        static func matches(_ json: String) throws -> Set<String> {
            let document = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
            let matches = try #require(document["matches"] as? [[String: Any]])
            return Set(matches.map { "\($0["host"] as? String ?? "")/\($0["container"] as? String ?? "")" })
        }
    }
}
