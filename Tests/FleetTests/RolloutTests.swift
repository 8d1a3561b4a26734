import DockerEngine
import Fleet
import Foundation
import MoltTestSupport
import Inventory
import Rollout
import SSH
import Testing

extension LabFleetTests {
    /// Rollouts on the real lab fleet (issue 3's "done means"). Each test starts from, and
    /// leaves, the lab's standard state: `web` from web:1.0 on every host, nothing retained.
    @Suite("molt rollout, rollback and locks on the lab fleet")
    struct RolloutTests {
        @Test("web 1.0 → 2.0 in [1, 50%, 100%]: all healthy on 2.0, data kept, old retained, in the history; a rerun is up to date; rollback --run returns to 1.0")
        func rolloutRerunRollback() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            let before = try await fixture.webs()
            let volumesBefore = try await fixture.volumes()
            let playbook = try fixture.playbook(image: RolloutFixture.web2, batches: #"[1, "50%", "100%"]"#)

            let plan = try await fixture.molt("plan", playbook, "--output", "json")
            #expect(plan.status == 0, "\(plan.stderr)")
            let planned = try #require(try JSONSerialization.jsonObject(with: Data(plan.stdout.utf8)) as? [String: Any])["batches"] as? [[[String: Any]]]
            #expect(planned?.map { $0.map { $0["host"] as? String ?? "" } } == [["lab1"], ["lab2", "lab3"], ["lab4"]])
            #expect(planned?.joined().allSatisfy { $0["action"] as? String == "update" && $0["from"] as? String == RolloutFixture.web1 } == true)
            #expect(try await fixture.webs().mapValues(\.id) == before.mapValues(\.id), "plan changes nothing")

            let rollout = try await fixture.molt("rollout", playbook, "--yes", "--output", "json")
            #expect(rollout.status == 0, "\(rollout.stderr)\n\(rollout.stdout)")
            let events = try RolloutFixture.events(rollout.stdout)
            let batches = events.filter { $0["event"] as? String == "batch.started" }.map { $0["hosts"] as? [String] ?? [] }
            #expect(batches == [["lab1"], ["lab2", "lab3"], ["lab4"]])
            let finished = try #require(events.last)
            #expect(finished["event"] as? String == "run.finished")
            #expect(finished["result"] as? String == "succeeded")
            #expect(events.allSatisfy { $0["time"] != nil && $0["run"] != nil })
            let run = try #require(finished["run"] as? String)

            let after = try await fixture.webs()
            for host in lab.hosts {
                let web = try #require(after[host.name])
                #expect(web.configImage == RolloutFixture.web2)
                #expect(web.state.health?.status == "healthy")
                #expect(web.labels["molt.run"] == run)
                #expect(web.labels["molt.previous-image"] == RolloutFixture.web1)
                let retained = try await fixture.docker(host.name).inspectContainer("web.molt-prev")
                #expect(retained.id == before[host.name]?.id)
                #expect(!retained.state.running)
                // The volume came along: created by 1.0, started by 1.0 then 2.0.
                #expect(try await fixture.file("/data/created", in: "web", on: host.name) == "1.0\n")
                #expect(try await fixture.file("/data/starts", in: "web", on: host.name).contains("2.0 "))
            }
            try await fixture.expectNoStrays()

            let history = try await fixture.molt("history", run, "--output", "json")
            #expect(history.status == 0, "\(history.stderr)")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [String: Any])
            let runs = try #require(document["runs"] as? [[String: Any]])
            #expect(runs.first?["id"] as? String == run)
            #expect(runs.first?["result"] as? String == "succeeded")
            #expect((runs.first?["hosts"] as? [[String: Any]])?.count == lab.hosts.count)

            let again = try await fixture.molt("rollout", playbook, "--yes")
            #expect(again.status == 0, "\(again.stderr)")
            #expect(again.stdout.components(separatedBy: "up to date").count - 1 >= lab.hosts.count, "\(again.stdout)")
            let unchanged = try await fixture.webs()
            #expect(unchanged.mapValues(\.id) == after.mapValues(\.id))

            // --run undoes exactly what that run changed (the rerun changed nothing); a unique
            // prefix of the ID (its time and the first random digits) names the run.
            let rollback = try await fixture.molt("rollback", playbook, "--run", String(run.prefix(20)), "--yes")
            #expect(rollback.status == 0, "\(rollback.stderr)\n\(rollback.stdout)")
            let back = try await fixture.webs()
            for host in lab.hosts {
                #expect(back[host.name]?.configImage == RolloutFixture.web1)
                #expect(back[host.name]?.id == before[host.name]?.id)
                #expect(back[host.name]?.state.health?.status == "healthy")
            }
            try await fixture.expectNoStrays()
            // Locks and retained containers leave no anonymous volumes behind.
            #expect(try await fixture.volumes() == volumesBefore)
        }

        @Test("molt notices Docker's healthy within 0.3 s of the engine's own health_status event (SPEC §4.10), not at the next interval")
        func noticesHealthWhenDockerDoes() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            // Docker's health alone, with the default interval of 1 s: polling it, molt would
            // notice half a second late on average, and up to a second.
            let playbook = try fixture.scratch.write("web-events.yml", """
                name: web
                hosts: web
                container: web
                image: \(RolloutFixture.web2)
                health: {docker: true, stable: 0s}
                batches: [1, "100%"]
                stop_timeout: 5s
                retain: 1
                """)
            // The lab's engines run on this machine's clock; a second early for safety.
            let since = RolloutFixture.nanosecondsNow() - 1_000_000_000
            let rollout = try await fixture.molt("rollout", playbook, "--yes")
            #expect(rollout.status == 0, "\(rollout.stderr)\n\(rollout.stdout)")
            let until = RolloutFixture.nanosecondsNow() + 1_000_000_000

            // From the engine's timestamps alone: the new container's first healthy, and molt
            // giving it the service's name once it saw that.
            var delays: [String: Double] = [:]
            for host in lab.hosts {
                let docker = try fixture.docker(host.name)
                let web = try await docker.inspectContainer("web")
                let events = try await docker.events(since: since, until: until, filters: ["type": ["container"], "event": ["health_status", "rename"]])
                let healthy = try #require(events.first { $0.id == web.id && $0.action == "health_status: healthy" }, "\(host.name): \(events)")
                let named = try #require(events.first { $0.id == web.id && $0.action == "rename" && $0.name == "web" }, "\(host.name): \(events)")
                delays[host.name] = Double(named.timeNano - healthy.timeNano) / 1e9
            }
            print("from Docker's healthy to molt naming the container, per host (s):", delays.sorted { $0.key < $1.key })
            for (host, delay) in delays {
                #expect(delay >= 0 && delay < 0.3, "\(host): named \(delay) s after Docker's healthy")
            }
        }

        @Test("an event subscription is one listener on the engine while its wait lasts, and none once the wait is done")
        func eventSubscriptionEnds() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            let docker = try fixture.docker(lab.hosts[0].name)
            func listeners() async throws -> Int64 {
                let answer = try await docker.http.send(HTTPRequest(.get, "/v1.41/info"))
                return try #require(try JSONValue(json: answer.body)["NEventsListener"]?.integerValue)
            }
            let before = try await listeners()
            let web = try await docker.inspectContainer("web")
            let during = try await docker.followingEvents(of: web.id) { feed in
                let deadline = ContinuousClock.now + .seconds(30)
                var seen = 0
                while !feed.isFollowing && ContinuousClock.now < deadline {
                    seen = try await feed.wait(past: seen, until: deadline)
                }
                #expect(feed.isFollowing, "\(feed.status)")
                return try await listeners()
            }
            #expect(during == before + 1)
            // The engine lets go of a listener when its connection closes.
            let deadline = ContinuousClock.now + .seconds(10)
            var after = try await listeners()
            while after != before && ContinuousClock.now < deadline {
                try await Task.sleep(for: .milliseconds(50))
                after = try await listeners()
            }
            #expect(after == before)
        }

        @Test("a release that never becomes healthy fails on the canary: every host stays on 1.0, healthy, exit 1, logs shown")
        func brokenRelease() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            let before = try await fixture.webs()
            let playbook = try fixture.playbook(image: RolloutFixture.broken, batches: #"[1, "50%", "100%"]"#, timeout: "20s")
            let result = try await fixture.molt("rollout", playbook, "--yes")
            #expect(result.status == 1, "\(result.stderr)\n\(result.stdout)")
            #expect(result.stdout.contains("lab1 web: ROLLED BACK"), "\(result.stdout)")
            #expect(result.stdout.contains("          | "), "the failed container's logs are shown")
            #expect(!result.stdout.contains("lab2 web: updated"))
            let after = try await fixture.webs()
            for host in lab.hosts {
                #expect(after[host.name]?.id == before[host.name]?.id)
                #expect(after[host.name]?.state.health?.status == "healthy")
            }
            try await fixture.expectNoStrays(allowRetained: false)
        }

        @Test("two rollouts of the same playbook at once: one exits 4 naming the holder, the other succeeds")
        func concurrentRollouts() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            let playbook = try fixture.playbook(image: RolloutFixture.web2, batches: #"["100%"]"#)
            async let first = fixture.molt("rollout", playbook, "--yes")
            async let second = fixture.molt("rollout", playbook, "--yes")
            let results = try await [first, second]
            let statuses = results.map(\.status).sorted()
            #expect(statuses == [0, 4], "\(results.map { $0.stdout + $0.stderr })")
            let loser = try #require(results.first { $0.status == 4 })
            #expect(loser.stderr.contains("locked by run"), "\(loser.stderr)")
            try await fixture.expectNoStrays()
            try await fixture.reset()
        }

        @Test("many runs racing for one lock: exactly one gets it, every other one is told who holds it")
        func lockRace() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            let connection = try await HostConnection.open(try lab.host("lab2"), settings: lab.settings(), connector: SSHConnector())
            defer { connection.session.shutdown() }
            let image = try await connection.docker.inspectContainer("web").image
            let service = "race-\(UInt32.random(in: 0..<UInt32.max))"
            for round in 0..<3 {
                let results = await withTaskGroup(of: String.self) { group in
                    for contender in 0..<8 {
                        group.addTask {
                            let identity = RunIdentity(id: "race-\(round)-\(contender)", user: "test")
                            do {
                                _ = try await ServiceLock.acquire(on: connection.docker, host: "lab2", service: service, image: image, playbook: "race", identity: identity)
                                return "won"
                            } catch is LockHeld {
                                return "held"
                            } catch {
                                return "error: \(error)"
                            }
                        }
                    }
                    return await group.reduce(into: [String]()) { $0.append($1) }
                }
                #expect(results.filter { $0 == "won" }.count == 1, "\(results)")
                #expect(results.filter { $0 == "held" }.count == 7, "\(results)")
                let holder = try #require(try await ServiceLock.holder(on: connection.docker, service: service))
                #expect(try await ServiceLock.breakLock(on: connection.docker, service: service, holder: holder))
            }
        }

        @Test("a service whose name is a prefix of another container's ID is not mistaken for that container")
        func hexNameIsNotAnID() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            // The engine answers /containers/<x>/json by ID prefix too: `db` could be `dbe68a…`.
            let web = try await fixture.docker("lab1").inspectContainer("web")
            let lookalike = String(web.id.prefix(4))
            let playbook = try fixture.scratch.write("lookalike.yml", """
                name: lookalike
                hosts: lab1
                container: "\(lookalike)"
                image: \(RolloutFixture.web2)
                batches: ["100%"]
                """)
            let plan = try await fixture.molt("plan", playbook)
            #expect(plan.stdout.contains("skipped"), "\(plan.stdout)")
            let rollout = try await fixture.molt("rollout", playbook, "--yes")
            #expect(rollout.status == 0, "\(rollout.stdout)\(rollout.stderr)")
            #expect(rollout.stdout.contains("no container named \(lookalike)"), "\(rollout.stdout)")
            let after = try await fixture.docker("lab1").inspectContainer("web")
            #expect(after.id == web.id && after.state.startedAt == web.state.startedAt)
        }

        @Test("a coordinator killed mid-batch: the same rollout again finishes the job, taking over the dead run's locks")
        func killedCoordinator() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            let playbook = try fixture.playbook(image: RolloutFixture.web2, batches: #"[1, "100%"]"#, stable: "4s")
            let process = try StreamingProcess([Shell.molt, "rollout", playbook, "--yes", "--output", "json", "-i", lab.inventoryPath,
                                                "--journal", fixture.journal])
            // Kill it while batch 2 waits for health.
            let sawBatchTwo = await process.waitForLine(timeout: 120) { $0.contains(#""event":"host.step""#) && $0.contains(#""batch":2"#) && $0.contains("healthy") }
            #expect(sawBatchTwo, "never reached batch 2: \(process.output)")
            await process.kill()
            // The journal tells the truth about the killed run.
            let history = try await fixture.molt("history", "--output", "json")
            let runs = try #require(try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [String: Any])["runs"] as? [[String: Any]]
            #expect(runs?.first?["result"] as? String == "interrupted", "\(history.stdout)")
            #expect(runs?.first?["finished"] is NSNull)

            let again = try await fixture.molt("rollout", playbook, "--yes")
            #expect(again.status == 0, "\(again.stderr)\n\(again.stdout)")
            #expect(again.stdout.contains("took over the lock"), "\(again.stdout)")
            let after = try await fixture.webs()
            for host in lab.hosts {
                #expect(after[host.name]?.configImage == RolloutFixture.web2)
                #expect(after[host.name]?.state.health?.status == "healthy")
                #expect(try await fixture.file("/data/created", in: "web", on: host.name) == "1.0\n")
            }
            try await fixture.expectNoStrays()
            try await fixture.reset()
        }

        @Test("tcp and exec probes gate a stop-first rollout of cache; rollback returns the same containers")
        func probesAndRollback() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            let playbook = try fixture.scratch.write("cache.yml", """
                name: cache
                hosts: cache
                container: cache
                image: \(RolloutFixture.registry)/cache:1.1
                health:
                  docker: false
                  tcp: {port: 6380}
                  exec: ["test", "-e", "/app/release"]
                  interval: 500ms
                  stable: 1s
                batches: ["100%"]
                """)
            let before = try await fixture.containers("cache")
            let result = try await fixture.molt("rollout", playbook, "--yes")
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            let after = try await fixture.containers("cache")
            #expect(after.count == 2)
            for (host, cache) in after {
                #expect(cache.configImage == "\(RolloutFixture.registry)/cache:1.1")
                #expect(try await fixture.docker(host).inspectContainer("cache.molt-prev").id == before[host]?.id)
            }
            let back = try await fixture.molt("rollback", playbook, "--yes")
            #expect(back.status == 0, "\(back.stdout)\(back.stderr)")
            #expect(try await fixture.containers("cache").mapValues(\.id) == before.mapValues(\.id))
        }

        @Test("start-first: the new container runs beside the old one and takes its name once healthy")
        func startFirst() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            // A service in its own network namespace, so old and new can listen at once (on
            // the host network they could not: start-first needs ports that do not clash).
            let name = "sf-\(UInt32.random(in: 0..<UInt32.max))"
            let docker = try fixture.docker("lab1")
            let oldID = try await docker.createContainer(name: name, body: [
                "Image": .string("\(RolloutFixture.registry)/cache:1.0"), "HostConfig": ["NetworkMode": "none"],
            ])
            _ = try await docker.startContainer(oldID)
            let playbook = try fixture.scratch.write("sf.yml", """
                name: \(name)
                hosts: lab1
                container: \(name)
                image: \(RolloutFixture.registry)/cache:1.1
                order: start-first
                health: {interval: 500ms, stable: 1s}
                batches: ["100%"]
                retain: 0
                """)
            let result = try await fixture.molt("rollout", playbook, "--yes")
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("creating \(name).molt-next"))
            let now = try await docker.inspectContainer(name)
            #expect(now.id != oldID)
            #expect(now.configImage == "\(RolloutFixture.registry)/cache:1.1")
            #expect(now.state.health?.status == "healthy")
            // retain: 0 removes the replaced container once the new one is live.
            await #expect(throws: DockerError.self) { _ = try await docker.inspectContainer(oldID) }
            try await docker.removeContainer(name, force: true)
        }

        @Test("a half-done host (only web.molt-prev left) is repaired by the next rollout")
        func repairsHalfDoneHost() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            // What a coordinator killed between "stop" and "create" leaves behind.
            let docker = try fixture.docker("lab2")
            _ = try await docker.stopContainer("web", timeout: .seconds(5))
            try await docker.renameContainer("web", to: "web.molt-prev")
            let playbook = try fixture.playbook(image: RolloutFixture.web2, batches: #"["100%"]"#)
            let plan = try await fixture.molt("plan", playbook)
            #expect(plan.stdout.contains("repair"), "\(plan.stdout)")
            let result = try await fixture.molt("rollout", playbook, "--yes")
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("restored web from web.molt-prev"), "\(result.stdout)")
            let webs = try await fixture.webs()
            #expect(webs.values.allSatisfy { $0.configImage == RolloutFixture.web2 && $0.state.health?.status == "healthy" })
            #expect(try await fixture.file("/data/created", in: "web", on: "lab2") == "1.0\n")
            try await fixture.expectNoStrays()
            try await fixture.reset()
        }

        @Test("unlock shows and removes a lock left by a run on another machine; rollout needs --yes without a terminal")
        func unlockAndConfirmation() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            let playbook = try fixture.playbook(image: RolloutFixture.web2, batches: #"["100%"]"#)
            // A lock from another coordinator is never taken over: it blocks until unlocked.
            let docker = try fixture.docker("lab3")
            let image = try await docker.inspectContainer("web").image
            _ = try await docker.createContainer(name: "molt-lock.web", body: [
                "Image": .string(image), "Entrypoint": ["molt-lock"],
                "Labels": ["molt.lock.run": "20260101T000000-dead", "molt.lock.user": "alice", "molt.lock.coordinator": "elsewhere",
                           "molt.lock.pid": "4242", "molt.lock.playbook": "web", "molt.lock.started": "2026-01-01T00:00:00Z"],
            ])
            let blocked = try await fixture.molt("rollout", playbook, "--yes")
            #expect(blocked.status == 4, "\(blocked.stdout)\(blocked.stderr)")
            #expect(blocked.stderr.contains("alice@elsewhere"), "\(blocked.stderr)")
            #expect(try await fixture.webs().values.allSatisfy { $0.configImage == RolloutFixture.web1 })

            let noTerminal = try await fixture.molt("rollout", playbook)
            #expect(noTerminal.status == 2)
            #expect(noTerminal.stderr.contains("--yes"))

            let unlock = try await fixture.molt("unlock", playbook, "--yes")
            #expect(unlock.status == 0, "\(unlock.stderr)")
            #expect(unlock.stdout.contains("lab3: web is locked by run 20260101T000000-dead"), "\(unlock.stdout)")
            try await fixture.expectNoStrays(allowRetained: false)
        }

        @Test("a host cut off during the second batch is named; every host still runs its service; the policy rolls back")
        func hostCutOff() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            let playbook = try fixture.playbook(image: RolloutFixture.web2, batches: #"[1, "50%", "100%"]"#, pause: "3s")
            let process = try StreamingProcess([Shell.molt, "rollout", playbook, "--yes", "-i", lab.inventoryPath,
                                                "--journal", fixture.journal])
            let paused = await process.waitForLine(timeout: 120) { $0.contains("pausing") }
            #expect(paused, "\(process.output)")
            try await lab.script("unplug", "lab3")
            let status = await process.wait(timeout: 240)
            try await lab.script("plug", "lab3")
            #expect(status == 1, "\(process.output)")
            #expect(process.output.contains("lab3 web: FAILED"), "\(process.output)")
            let after = try await fixture.webs()
            for host in lab.hosts {
                #expect(after[host.name]?.state.running == true, "\(host.name) has no running web")
                #expect(after[host.name]?.configImage == RolloutFixture.web1, "on_failure: rollback puts \(host.name) back")
            }
        }

        /// Open files for a `molt rollout` that fit two hosts' sessions at once but not four (a
        /// session is a TCP socket and a socket pair; the journal, known_hosts and ssh_config
        /// take some more). Found on the lab: the rollout below needs 22 with --forks 1, and
        /// 28 with every host's session open at once (as every rollout did before).
        static let twoSessionsOfFiles = 24

        @Test("4 hosts in batches of 1 with --forks 1 under an open-file limit too low for 4 sessions at once: the rollout succeeds, holding only the current and next batch's")
        func rolloutUnderDescriptorLimit() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            let limit = Self.twoSessionsOfFiles
            // The limit is real: with --forks 4 (no fewer sessions than hosts) every session is
            // held at once, and one host finds no descriptor. The release is the one running
            // (up to date everywhere), so nothing changes.
            let same = try fixture.playbook(image: RolloutFixture.web1, batches: "[1]")
            let all = try await fixture.moltLimited(openFiles: limit, "rollout", same, "--yes", "--forks", "4")
            #expect(all.status != 0, "4 sessions at once fit under \(limit) open files: \(all.stdout)")
            #expect((all.stdout + all.stderr).contains("open files"), "\(all.stdout)\(all.stderr)")

            let playbook = try fixture.playbook(image: RolloutFixture.web2, batches: "[1]")
            let result = try await fixture.moltLimited(openFiles: limit, "rollout", playbook, "--yes", "--forks", "1")
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            let after = try await fixture.webs()
            for host in lab.hosts {
                #expect(after[host.name]?.configImage == RolloutFixture.web2, "\(host.name)")
                #expect(after[host.name]?.state.health?.status == "healthy", "\(host.name)")
            }
            try await fixture.expectNoStrays()
            try await fixture.reset()
        }
    }
}

/// Playbooks, a journal and direct Docker access for the rollout tests.
final class RolloutFixture: @unchecked Sendable {
    static let registry = "10.247.213.2:5000/molt-lab"
    static let web1 = "\(registry)/web:1.0"
    static let web2 = "\(registry)/web:2.0"
    static let broken = "\(registry)/web:2.1-broken"
    static let db1 = "\(registry)/db:1.0"
    static let db2 = "\(registry)/db:2.0"
    static let dbCorrupt = "\(registry)/db:2.1-corrupt"

    let lab: Lab
    let scratch: TemporaryDirectory
    let journal: String
    private var sessions: [String: SSHSession] = [:]

    init(_ lab: Lab) async throws {
        self.lab = lab
        scratch = try TemporaryDirectory()
        journal = scratch.path + "/journal.sqlite"
        for host in lab.hosts {
            sessions[host.name] = try await SSHSession.connect(to: try lab.endpoint(host.name))
        }
    }

    deinit {
        for session in sessions.values { session.shutdown() }
    }

    /// Keeps the fixture alive to the end of the test.
    func keep() {}

    func docker(_ host: String) throws -> DockerClient {
        guard let session = sessions[host] else { throw LabMissing(message: "no session to \(host)") }
        return DockerClient(connector: DockerTunnel(session: session, socketPath: try lab.host(host).dockerSocket))
    }

    func playbook(image: String, batches: String, timeout: String = "60s", stable: String = "2s", pause: String = "0s",
                  maxFailures: String = "0") throws -> String {
        try scratch.write("web-\(UUID().uuidString.prefix(8)).yml", """
            name: web
            hosts: web
            container: web
            image: \(image)
            health:
              http: {port: 8080, path: /health}
              interval: 500ms
              timeout: \(timeout)
              stable: \(stable)
            batches: \(batches)
            pause: \(pause)
            max_failures: \(maxFailures)
            stop_timeout: 5s
            retain: 1
            """)
    }

    /// Now, in nanoseconds since 1970: the lab's engines share this machine's clock.
    static func nanosecondsNow() -> Int64 {
        Int64(Date().timeIntervalSince1970 * 1e9)
    }

    /// `molt ARGS` on the lab with this fixture's journal (and the lab's inventory, for every
    /// command but history, which reaches no host).
    func molt(_ arguments: String...) async throws -> Shell.Result {
        let inventory = arguments.first == "history" ? [] : ["-i", lab.inventoryPath]
        return try await Shell.run([Shell.molt] + arguments + inventory + ["--journal", journal], environment: Shell.cleanEnvironment)
    }

    /// `molt` under a hard and soft limit of `openFiles` open files (molt raises its soft limit
    /// to the hard one, so both are set).
    func moltLimited(openFiles: Int, _ arguments: String...) async throws -> Shell.Result {
        try await Shell.run(
            ["/bin/sh", "-c", "ulimit -Sn \(openFiles) && ulimit -Hn \(openFiles) && exec \"$0\" \"$@\"", Shell.molt]
                + arguments + ["-i", lab.inventoryPath, "--journal", journal],
            environment: Shell.cleanEnvironment)
    }

    /// Removes the image `reference` names from `host` under every tag it has (other tests
    /// pull the same image from the lab's second registry, or tag it for Compose), so the
    /// next pull of `reference` really downloads it.
    func removeImage(_ reference: String, on host: String) async throws {
        let docker = try docker(host)
        guard let image = try await docker.inspectImage(reference) else { return }
        _ = try await docker.removeImage(image.id, force: true)
    }

    /// Every host's container of this name, where there is one.
    func containers(_ name: String) async throws -> [String: ContainerDetails] {
        var result: [String: ContainerDetails] = [:]
        for host in lab.hosts {
            // By exact name: the engine would also answer a name like `db` with an ID prefix.
            if let found = try await docker(host.name).container(named: name) { result[host.name] = found }
        }
        return result
    }

    /// Every host's volume names.
    func volumes() async throws -> [String: Set<String>] {
        var result: [String: Set<String>] = [:]
        for host in lab.hosts {
            result[host.name] = Set(try await docker(host.name).listVolumes().map(\.name))
        }
        return result
    }

    /// Every host's web container.
    func webs(except skipped: Set<String> = []) async throws -> [String: ContainerDetails] {
        var result: [String: ContainerDetails] = [:]
        for host in lab.hosts where !skipped.contains(host.name) {
            result[host.name] = try await docker(host.name).inspectContainer("web")
        }
        return result
    }

    /// A file's text from a container, read with exec.
    func file(_ path: String, in container: String, on host: String) async throws -> String {
        let result = try await docker(host).exec(in: container, command: ["cat", path])
        return result.stdoutText
    }

    /// No next, trial, undone or lock containers; retained ones only `web.molt-prev`.
    func expectNoStrays(allowRetained: Bool = true) async throws {
        for host in lab.hosts {
            let names = try await docker(host.name).listContainers(all: true).map(\.name)
            let strays = names.filter { $0.contains(".molt-") || $0.hasPrefix("molt-lock.") }
                .filter { !(allowRetained && $0 == "web.molt-prev") }
            #expect(strays.isEmpty, "\(host.name) has \(strays)")
        }
    }

    /// Back to the lab's standard state: web 1.0 on every host and cache 1.0 on lab1 and
    /// lab2, healthy; nothing retained, no locks.
    func reset() async throws {
        let standard = ["web": Self.web1, "cache": "\(Self.registry)/cache:1.0", "db": Self.db1]
        for host in lab.hosts {
            let docker = try docker(host.name)
            // A db on a newer release has migrated its data: put the release-1.0 file back first.
            if let db = try await docker.container(named: "db"), db.configImage != Self.db1, db.state.running {
                _ = try? await docker.exec(in: db.id, command: ["sh", "-c", "test -e /data/db.format1.bak && cp /data/db.format1.bak /data/db"])
            }
            for name in try await docker.listContainers(all: true).map(\.name) where name.hasPrefix("molt-lock.") {
                try await docker.removeContainer(name, force: true)
            }
            for (service, image) in standard {
                for name in try await docker.listContainers(all: true).map(\.name) where name.hasPrefix("\(service).molt-") {
                    // A retained standard container while the service runs something else: put it back.
                    let live = try await docker.container(named: service)
                    if name == "\(service).molt-prev", let live, live.configImage != image,
                       let retained = try await docker.container(named: name), retained.configImage == image {
                        // Renames first, removal last: a failure part way loses nothing.
                        _ = try await docker.stopContainer(live.id, timeout: .seconds(2))
                        try await docker.renameContainer(live.id, to: "\(service).molt-reset")
                        try await docker.renameContainer(retained.id, to: service)
                        _ = try await docker.startContainer(retained.id)
                        try await docker.removeContainer(live.id, force: true)
                    } else if name == "\(service).molt-prev", live == nil {
                        // A test stopped part way left only the retained container: put it back.
                        try await docker.renameContainer(name, to: service)
                        _ = try await docker.startContainer(service)
                    } else if name != "\(service).molt-prev" || live != nil {
                        try await docker.removeContainer(name, force: true)
                    }
                }
            }
        }
        for (service, image) in standard.sorted(by: { $0.key < $1.key })
        where try await containers(service).values.contains(where: { $0.configImage != image }) {
            let playbook = try scratch.write("reset-\(service).yml", """
                name: reset-\(service)
                hosts: all
                container: \(service)
                image: \(image)
                health: {interval: 500ms, stable: 1s}
                batches: ["100%"]
                retain: 0
                """)
            let result = try await molt("rollout", playbook, "--yes")
            guard result.status == 0 else { throw LabMissing(message: "could not reset \(service): \(result.stdout)\(result.stderr)") }
        }
        // A db whose data a test broke: back to the release-1.0 file it kept.
        for (host, db) in try await containers("db") where db.state.health?.status == "unhealthy" {
            let docker = try docker(host)
            _ = try await docker.exec(in: db.id, command: ["sh", "-c", "test -e /data/db.format1.bak && cp /data/db.format1.bak /data/db"])
            try await docker.restartContainer(db.id, timeout: .seconds(2))
        }
        let deadline = ContinuousClock.now + .seconds(60)
        func settled() async throws -> Bool {
            let webs = try await webs().values
            let dbs = try await containers("db").values
            return !(webs.contains { $0.state.health?.status != "healthy" } || dbs.contains { $0.state.health?.status != "healthy" })
        }
        while try await !settled() {
            guard ContinuousClock.now < deadline else { throw LabMissing(message: "web or db did not become healthy everywhere") }
            try await Task.sleep(for: .milliseconds(300))
        }
    }

    static func events(_ output: String) throws -> [[String: Any]] {
        try output.split(separator: "\n").map { line in
            guard let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any] else {
                throw LabMissing(message: "not a JSON object: \(line)")
            }
            return object
        }
    }
}

/// A child process whose output is read line by line while it runs.
final class StreamingProcess: @unchecked Sendable {
    private let process = Process()
    private let lock = NSCondition()
    private var buffer = ""

    init(_ arguments: [String], environment overrides: [String: String] = [:]) throws {
        // Through env(1): SIGQUIT back to its default disposition (a test runner started in
        // the background of a script ignores it, and Process passes that on), so that a hang
        // can be asked for every thread's backtrace (see `wait(timeout:)`).
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["--default-signal=QUIT"] + arguments
        var environment = Shell.cleanEnvironment
        // The Swift runtime's backtracer, on SIGQUIT too, to the shared pipe (it shows every
        // thread by default; `threads=all` showed only the first here, Swift 6.3.1).
        environment["SWIFT_BACKTRACE"] = "enable=yes,interactive=no,output-to=stderr"
        environment.merge(overrides) { $1 }
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        pipe.fileHandleForReading.readabilityHandler = { [weak self] handle in
            let data = handle.availableData
            guard let self, !data.isEmpty else { return }
            self.lock.lock()
            self.buffer += String(decoding: data, as: UTF8.self)
            self.lock.broadcast()
            self.lock.unlock()
        }
        try process.run()
    }

    var output: String {
        lock.lock()
        defer { lock.unlock() }
        return buffer
    }

    /// Waits until a line satisfies `predicate`; false on timeout or exit.
    func waitForLine(timeout: TimeInterval, poll: Duration = .milliseconds(100), _ predicate: (Substring) -> Bool) async -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if output.split(separator: "\n").contains(where: predicate) { return true }
            if !process.isRunning { return output.split(separator: "\n").contains(where: predicate) }
            try? await Task.sleep(for: poll)
        }
        return false
    }

    /// Sends a signal (SIGINT, SIGTERM) and returns at once.
    func signal(_ number: Int32) {
        Foundation.kill(process.processIdentifier, number)
    }

    /// SIGKILL, as a crash or an OOM kill would; returns once the process is gone. Waits by
    /// polling, never by blocking a thread the tests' async work shares.
    func kill() async {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, SIGKILL)
        while process.isRunning { try? await Task.sleep(for: .milliseconds(10)) }
    }

    /// The exit status, or -1 on timeout. A process still running then is sent SIGQUIT
    /// first: the Swift runtime prints every thread's backtrace into the output (stderr
    /// shares the pipe), so a hang says where its threads were; it is killed once the
    /// backtrace is written, or after 15 s.
    func wait(timeout: TimeInterval) async -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { try? await Task.sleep(for: .milliseconds(100)) }
        if process.isRunning {
            signal(SIGQUIT)
            // The runtime returns from its handler once done, and the process goes on.
            let backtraced = Date().addingTimeInterval(15)
            while process.isRunning && Date() < backtraced && !output.contains("Backtrace took") {
                try? await Task.sleep(for: .milliseconds(100))
            }
            try? await Task.sleep(for: .milliseconds(300))
            await kill()
            return -1
        }
        try? await Task.sleep(for: .milliseconds(200))
        return process.terminationStatus
    }
}
