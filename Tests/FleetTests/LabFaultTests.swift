import DockerEngine
import Foundation
import MoltTestSupport
import Inventory
import Testing

extension LabFleetTests {
    /// Parts of the lab taken away for real while `molt rollout` rolls web 1.0 → 2.0 (issue 7).
    ///
    /// Each test causes its fault with `scripts/lab` at a chosen moment of the canary's (lab1's)
    /// replacement, then holds molt to what an operator relies on in an emergency: molt exits
    /// within a bound, names the host and the cause, every host ends healthy on its old or its
    /// new release with its data, nothing half-made is left behind, and running the same
    /// rollout again finishes the job. Every test gives the lab back whole (`scripts/lab up`
    /// undoes every fault), whether it passes or not.
    @Suite("Faults on real parts while molt rolls out: no hang, the host and the cause named, nothing lost, a rerun converges")
    struct LabFaultTests {
        @Test("dockerd restarted (down 3 s) while the canary waits for health: molt rides it out or fails lab1 naming the engine; no lock or half-made container is left")
        func dockerdRestartedMidSwap() async throws {
            try await FaultScenario(
                moment: .healthWait,
                causes: ["docker", "engine"],
                hostStaysUnreachable: false,
                canaryMaySucceed: true
            ) { lab in
                try await lab.script("stop-docker", "lab1")
                try await Task.sleep(for: .seconds(3))
                try await lab.script("start-docker", "lab1")
            }.perform()
        }

        @Test("lab1's sshd killed with its sessions: molt fails lab1 at once, naming the lost connection; the rerun takes over the dead run's lock",
              arguments: [FaultMoment.pull, .healthWait])
        func sshdKilled(during moment: FaultMoment) async throws {
            try await FaultScenario(
                moment: moment,
                causes: ["connection lost", "connection", "closed"],
                hostStaysUnreachable: true
            ) { lab in
                try await lab.script("stop-sshd", "lab1")
            }.perform()
        }

        @Test("lab1's link cut: molt gives up on lab1 within its timeouts, naming it; the rerun takes over the dead run's lock",
              arguments: [FaultMoment.pull, .healthWait])
        func linkCut(during moment: FaultMoment) async throws {
            try await FaultScenario(
                moment: moment,
                causes: ["timed out", "no answer", "unreachable", "sent nothing", "connection"],
                hostStaysUnreachable: true
            ) { lab in
                try await lab.script("unplug", "lab1")
            }.perform()
        }

        @Test("the registry gone mid-pull: lab1 fails naming the registry, its old web untouched, its lock released")
        func registryGoneMidPull() async throws {
            try await FaultScenario(
                moment: .pull,
                causes: ["10.247.213.2:5000", "registry", "connection refused"],
                hostStaysUnreachable: false
            ) { lab in
                try await lab.script("stop-registry")
            }.perform()
        }

        @Test("lab4's data root full (FREE bytes left): lab4 fails naming 'no space left on device', its old web untouched and serving; after unfill a rerun converges",
              arguments: ["512k", "0"])
        func fullDataRoot(free: String) async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            let docker = try fixture.docker("lab4")
            try await fixture.removeImage(RolloutFixture.web2, on: "lab4")
            let before = try await docker.inspectContainer("web")
            let playbook = try fixture.playbook(image: RolloutFixture.web2, batches: #"["100%"]"#)

            let result = try await lab.withFault("fill", "lab4", free) {
                let result = try await fixture.molt("rollout", playbook, "--yes", "--limit", "lab4", "--output", "json")
                // Untouched while the disk is still full: same container, never restarted, serving 1.0.
                let web = try await docker.inspectContainer("web")
                #expect(web.id == before.id && web.state.startedAt == before.state.startedAt, "the old web was touched")
                #expect(web.state.running && web.state.health?.status == "healthy")
                let served = try await docker.exec(in: "web", command: ["wget", "-q", "-O", "-", "http://127.0.0.1:8080/version"])
                #expect(served.stdoutText == "1.0\n", "the old web does not serve: \(served.stdoutText)\(served.stderrText)")
                return result
            }

            // One failure, lab4's, with the engine's own words.
            #expect(result.status == 1, "exit \(result.status): \(result.stdout)\(result.stderr)")
            let events = RolloutEvents.events(result.stdout)
            let failure = try #require(RolloutEvents.failure(of: "lab4", in: events), "lab4 is not reported failed: \(result.stdout)\(result.stderr)")
            let cause = (failure["error"] as? String ?? "").lowercased()
            #expect(cause.contains("no space left on device"), "\(cause)")
            if free != "0" {
                // Room for the lock container, not for the image: the pull is what fails.
                #expect(cause.contains("pull") || cause.contains("images/create"), "\(cause)")
            }
            let inspector = try await RolloutFixture(lab)
            defer { inspector.keep() }
            try await inspector.expectNoLeftovers(on: ["lab4"], allowRetained: false)

            let again = try await fixture.molt("rollout", playbook, "--yes", "--limit", "lab4")
            #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
            let web = try await inspector.docker("lab4").inspectContainer("web")
            #expect(web.configImage == RolloutFixture.web2 && web.state.health?.status == "healthy")
            #expect(try await inspector.file("/data/created", in: "web", on: "lab4") == "1.0\n")
            try await inspector.expectNoLeftovers(on: ["lab4"])
            try await inspector.reset()
        }

        @Test("the last batch's pull, run ahead while batch 2 is replaced, fails (lab4's data root full): lab4 fails naming it, its old web untouched; lab1..lab3 are updated")
        func pullAheadFails() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            for host in lab.hosts { try await fixture.removeImage(RolloutFixture.web2, on: host.name) }
            let before = try await fixture.webs()
            // lab1 | lab2 lab3 | lab4; one failed host is allowed, so the run goes on to its end.
            let playbook = try fixture.playbook(image: RolloutFixture.web2, batches: #"[1, "50%", "100%"]"#, stable: "0s", maxFailures: "1")

            // Room for the lock container, not for the image.
            let result = try await lab.withFault("fill", "lab4", "512k") {
                let result = try await fixture.molt("rollout", playbook, "--yes", "--output", "json")
                let web = try await fixture.docker("lab4").inspectContainer("web")
                #expect(web.id == before["lab4"]?.id && web.state.startedAt == before["lab4"]?.state.startedAt, "lab4's old web was touched")
                #expect(web.state.running && web.state.health?.status == "healthy")
                return result
            }

            // Finished with a tolerated failure.
            #expect(result.status == 3, "exit \(result.status): \(result.stdout)\(result.stderr)")
            let events = RolloutEvents.events(result.stdout)
            // lab4 pulled ahead: while batch 2 was replaced, before its own batch started.
            let pulled = events.firstIndex { $0["event"] as? String == "host.step" && $0["host"] as? String == "lab4"
                && ($0["message"] as? String)?.hasPrefix("pulling") == true }
            let batch2Done = events.firstIndex { $0["event"] as? String == "batch.finished" && $0["batch"] as? Int == 2 }
            let pulledAhead = try #require(pulled, "lab4 never pulled: \(result.stdout)")
            #expect(pulledAhead < (try #require(batch2Done, "\(result.stdout)")), "lab4 did not pull while batch 2 ran: \(result.stdout)")
            let failure = try #require(RolloutEvents.failure(of: "lab4", in: events), "lab4 is not reported failed: \(result.stdout)")
            let cause = (failure["error"] as? String ?? "").lowercased()
            #expect(cause.contains("no space left on device"), "\(cause)")
            #expect((failure["message"] as? String ?? "").contains("nothing was touched"), "\(failure)")

            let inspector = try await RolloutFixture(lab)
            defer { inspector.keep() }
            for host in ["lab1", "lab2", "lab3"] {
                let web = try await inspector.docker(host).inspectContainer("web")
                #expect(web.configImage == RolloutFixture.web2 && web.state.health?.status == "healthy", "\(host) runs \(web.configImage)")
                #expect(try await inspector.file("/data/created", in: "web", on: host) == "1.0\n", "\(host) lost its data")
            }
            try await inspector.expectNoLeftovers(on: lab.hosts.map(\.name))
            try await inspector.reset()
        }
    }
}

/// When in the canary's replacement a fault strikes.
enum FaultMoment: String, Sendable, CustomTestStringConvertible {
    /// While the canary pulls web:2.0, slowed to some 45 s by `scripts/lab throttle`.
    case pull
    /// While molt waits for the canary's new web to be healthy and stable (its old one stopped).
    case healthWait

    var testDescription: String {
        switch self {
        case .pull: "during a pull"
        case .healthWait: "during a health wait"
        }
    }
}

/// One fault on lab1, the canary of a rollout of web 1.0 → 2.0 in [1, 50%, 100%], and every
/// check that follows it.
struct FaultScenario {
    var moment: FaultMoment
    /// Words of which lab1's failure must name at least one (compared in lower case).
    var causes: [String]
    /// lab1 stays out of molt's reach until molt exits (sshd killed, link cut): molt cannot
    /// remove its lock there, so the dead run's lock may remain, for the rerun to take over.
    var hostStaysUnreachable: Bool
    /// The part comes back while molt runs, so molt may finish lab1 after all.
    var canaryMaySucceed = false
    /// Causes the fault (and, for a transient one, ends it).
    var inject: @Sendable (Lab) async throws -> Void

    /// The longest molt may take to exit after a fault: its own timeouts (60 s of engine
    /// silence, Docker's retries of a broken download) with room to spare. Longer is a hang.
    static let exitBound: TimeInterval = 180

    func perform() async throws {
        let lab = try Lab.current()
        let fixture = try await RolloutFixture(lab)
        defer { fixture.keep() }
        try await fixture.reset()
        // web:2.0 is pulled for real on lab1: take away what an earlier test pulled.
        try await fixture.removeImage(RolloutFixture.web2, on: "lab1")
        let before = try await fixture.webs()
        let playbook = try fixture.playbook(image: RolloutFixture.web2, batches: #"[1, "50%", "100%"]"#, stable: "6s")

        let status: Int32
        let output: String
        var molt: StreamingProcess?
        do {
            if moment == .pull { try await lab.script("throttle", "lab1") }
            let process = try StreamingProcess([Shell.molt, "rollout", playbook, "--yes", "--output", "json",
                                                "-i", lab.inventoryPath, "--journal", fixture.journal])
            molt = process
            let reached = await process.waitForLine(timeout: 60) { RolloutEvents.isStep(moment, of: "lab1", $0) }
            try #require(reached, "molt never reached the canary's \(moment.testDescription): \(process.output)")
            try await Task.sleep(for: .milliseconds(moment == .pull ? 2000 : 1500))
            let canary = RolloutEvents.events(process.output).filter { $0["host"] as? String == "lab1" }
            try #require(!canary.contains { ($0["event"] as? String)?.hasPrefix("host.") == true && $0["event"] as? String != "host.step" },
                         "lab1 was done before the fault: \(process.output)")
            if moment == .pull {
                let pulled = try await fixture.docker("lab1").inspectImage(RolloutFixture.web2)
                try #require(pulled == nil, "the pull had finished before the fault")
            }
            try await inject(lab)
            status = await process.wait(timeout: Self.exitBound)
            output = process.output
        } catch {
            await molt?.kill()
            try? await lab.restore()
            throw error
        }
        try await lab.restore()

        #expect(status != -1, "molt did not exit within \(Int(Self.exitBound))s of the fault: \(output)")
        let events = RolloutEvents.events(output)
        let run = try #require(events.first { $0["event"] as? String == "run.started" }?["run"] as? String, "\(output)")
        let updated = events.contains { $0["event"] as? String == "host.updated" && $0["host"] as? String == "lab1" }
        if updated {
            #expect(canaryMaySucceed, "lab1 cannot have been updated: \(output)")
            #expect(status == 0, "exit \(status): \(output)")
        } else {
            #expect(status == 1, "exit \(status): \(output)")
            let failure = try #require(RolloutEvents.failure(of: "lab1", in: events), "lab1 is not reported failed: \(output)")
            let cause = (failure["error"] as? String ?? "").lowercased()
            #expect(causes.contains { cause.contains($0) }, "lab1's failure does not name the cause (\(causes.joined(separator: " | "))): \(cause)")
        }

        // Every host healthy on its old or its new release, with its data; nothing half-made —
        // except on a host molt lost mid-swap: it could not undo there, and left molt's own
        // copies (the old container as web.molt-prev, the unconfirmed new one as web.molt-next)
        // for the rerun to repair. No container is named web there that no run saw healthy.
        let inspector = try await RolloutFixture(lab)
        defer { inspector.keep() }
        let lab1Web = try await inspector.docker("lab1").container(named: "web")
        let midSwap = hostStaysUnreachable && lab1Web == nil
        if midSwap {
            let previous = try await inspector.docker("lab1").inspectContainer("web.molt-prev")
            #expect(previous.id == before["lab1"]?.id, "lab1's old web is kept: \(output)")
            let next = try await inspector.docker("lab1").inspectContainer("web.molt-next")
            #expect(next.configImage == RolloutFixture.web2)
            #expect(try await inspector.file("/data/created", in: next.id, on: "lab1") == "1.0\n", "lab1 lost its data")
        }
        let after = try await inspector.settledWebs(except: midSwap ? ["lab1"] : [])
        for host in lab.hosts where !(midSwap && host.name == "lab1") {
            let web = try #require(after[host.name])
            #expect([RolloutFixture.web1, RolloutFixture.web2].contains(web.configImage), "\(host.name) runs \(web.configImage)")
            #expect(try await inspector.file("/data/created", in: "web", on: host.name) == "1.0\n", "\(host.name) lost its data")
            if !updated && host.name != "lab1" {
                #expect(web.id == before[host.name]?.id, "\(host.name) was touched although the canary failed")
            }
        }
        let locked = try await inspector.expectNoLeftovers(on: lab.hosts.map(\.name), deadRunLock: hostStaysUnreachable ? ("lab1", run) : nil,
                                                           midSwap: midSwap ? "lab1" : nil)

        // The same rollout again finishes the job.
        let again = try await fixture.molt("rollout", playbook, "--yes")
        #expect(again.status == 0, "the rerun failed: \(again.stdout)\(again.stderr)")
        if locked { #expect(again.stdout.contains("took over the lock"), "\(again.stdout)") }
        if midSwap { #expect(again.stdout.contains("removed web.molt-next"), "\(again.stdout)") }
        for (name, web) in try await inspector.settledWebs() {
            #expect(web.configImage == RolloutFixture.web2, "\(name) is not on 2.0 after the rerun")
            #expect(try await inspector.file("/data/created", in: "web", on: name) == "1.0\n", "\(name) lost its data")
        }
        try await inspector.expectNoLeftovers(on: lab.hosts.map(\.name))
        try await inspector.reset()
    }
}

/// Reading a rollout's JSON events.
enum RolloutEvents {
    /// The JSON objects among the lines of molt's output (stderr lines are skipped).
    static func events(_ output: String) -> [[String: Any]] {
        output.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("{") else { return nil }
            return try? JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
        }
    }

    /// The step of `host`'s replacement at which a fault strikes. Matched loosely, by the
    /// words of molt's step messages ("pulling IMAGE", "waiting for web to be healthy").
    static func isStep(_ moment: FaultMoment, of host: String, _ line: Substring) -> Bool {
        guard line.hasPrefix("{"), line.contains(#""event":"host.step""#), line.contains(#""host":"\#(host)""#) else { return false }
        let message = line.lowercased()
        switch moment {
        case .pull: return message.contains("pulling")
        case .healthWait: return message.contains("waiting for") && message.contains("healthy") && !message.contains("old")
        }
    }

    /// The event that reports `host` failed, rolled back or degraded, if any.
    static func failure(of host: String, in events: [[String: Any]]) -> [String: Any]? {
        events.last { event in
            event["host"] as? String == host
                && ["host.failed", "host.rolledback", "host.degraded"].contains(event["event"] as? String ?? "")
        }
    }
}

extension Lab {
    /// Undoes every fault `scripts/lab` can cause (plugs hosts in, starts what is stopped,
    /// lifts throttles, removes fill): `up` on a lab that is up repairs it.
    func restore() async throws {
        try await script("up", String(hosts.count))
    }

    /// Runs `body` while the fault `scripts/lab ARGUMENTS` causes is in place, and restores the
    /// lab afterwards whatever happened.
    func withFault<Value>(_ arguments: String..., during body: () async throws -> Value) async throws -> Value {
        let value: Value
        do {
            try await script(arguments)
            value = try await body()
        } catch {
            try? await restore()
            throw error
        }
        try await restore()
        return value
    }
}

extension RolloutFixture {
    /// Every host's web once none of them is still starting (a restarted engine brings its
    /// containers back a moment later); fails when one is not running and healthy in time.
    func settledWebs(within limit: Duration = .seconds(60), except skipped: Set<String> = []) async throws -> [String: ContainerDetails] {
        let deadline = ContinuousClock.now + limit
        while true {
            let webs = try await webs(except: skipped)
            let unsettled = webs.filter { !$0.value.state.running || $0.value.state.health?.status != "healthy" }
            if unsettled.isEmpty { return webs }
            guard ContinuousClock.now < deadline else {
                Issue.record("not running and healthy: \(unsettled.map { "\($0.key) (\($0.value.state.status), \($0.value.state.health?.status ?? "no health"))" }.sorted())")
                return webs
            }
            try await Task.sleep(for: .milliseconds(300))
        }
    }

    /// Nothing a replacement makes on its way is left on these hosts: no `.molt-next`,
    /// `.molt-failed`, `.molt-undone` or trial containers, no locks; `web.molt-prev` only
    /// when `allowRetained`. `deadRunLock` allows one lock: the given run's, on the given
    /// host (one molt could not reach again). Returns whether that lock is there.
    @discardableResult
    func expectNoLeftovers(on hosts: [String], allowRetained: Bool = true, deadRunLock: (host: String, run: String)? = nil,
                           midSwap: String? = nil) async throws -> Bool {
        var deadLockFound = false
        for host in hosts {
            let containers = try await docker(host).listContainers(all: true)
            for container in containers where container.name.contains(".molt-") || container.name.hasPrefix("molt-lock.") {
                if allowRetained && container.name == "web.molt-prev" { continue }
                if host == midSwap && container.name == "web.molt-next" { continue }
                if let deadRunLock, host == deadRunLock.host, container.name == "molt-lock.web" {
                    let lock = try await docker(host).inspectContainer(container.id)
                    #expect(lock.labels["molt.lock.run"] == deadRunLock.run, "\(host)'s lock is not the faulted run's: \(lock.labels)")
                    deadLockFound = true
                    continue
                }
                Issue.record("\(host) has a leftover \(container.name)")
            }
        }
        return deadLockFound
    }
}
