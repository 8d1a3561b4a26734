import DockerEngine
import Fleet
import Foundation
import Inventory
import Journal
import MoltTestSupport
import Playbook
@testable import Rollout
import Testing

/// `molt patch` on scripted hosts: a canary first, a failure stops the run, the record inside
/// each patched container, the journal, and a dry run that changes nothing.
@Suite("A patch over several scripted hosts")
struct PatchActionTests {
    static let upgrade = ["apt-get", "install", "-y", "libssl3=3.0.15-1~deb12u1"]

    /// Four scripted hosts with `web` running, a journal in a scratch directory.
    final class Patchlet: @unchecked Sendable {
        let scenes: [String: Scene]
        let names: [String]
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("molt-patch-\(UUID().uuidString)").path
        let journal: Journal
        let events = EventLog()

        init(hosts: Int = 4, behaviour: (String) -> ScriptedDocker.Behaviour = { _ in Patchlet.healthy() }) async throws {
            names = (1...hosts).map { "h\($0)" }
            var scenes: [String: Scene] = [:]
            for name in names { scenes[name] = try await Scene.make(v1Behaviour: behaviour(name)) }
            self.scenes = scenes
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            journal = try await Journal.open(path: directory + "/journal.sqlite")
        }

        deinit { try? FileManager.default.removeItem(atPath: directory) }

        static func healthy(exec: [String: Int] = [:], breaks: Set<String> = [], contents: [String: String] = [:]) -> ScriptedDocker.Behaviour {
            var behaviour = ScriptedDocker.Behaviour(health: .healthyAfter(1), http: [8080: 200], exec: exec)
            behaviour.execBreaksHealth = breaks
            behaviour.contents = contents
            return behaviour
        }

        func docker(_ host: String) -> ScriptedDocker { scenes[host]!.docker }

        func action(_ command: [String] = PatchActionTests.upgrade, selection: PatchAction.Selection = .init(container: "web"),
                    dryRun: Bool = false, timeout: Duration = .milliseconds(200), forks: Int = 5,
                    connector: (any HostConnector)? = nil, interruption: Interruption = Interruption(),
                    identity: RunIdentity = Scene.identity()) throws -> PatchAction {
            let hosts = try names.map { try InventoryHost(name: $0) }
            let fleet = Fleet(hosts: hosts, settings: ConnectionSettings(defaultUser: "tester", homeDirectory: directory, forks: forks))
            return PatchAction(fleet: fleet, selection: selection, command: command, timeout: timeout, dryRun: dryRun,
                               identity: identity, reporter: events, journal: journal,
                               connector: connector ?? self.connector(), interruption: interruption)
        }

        func connector() -> ScriptedConnector { ScriptedConnector(hosts: scenes.mapValues(\.docker)) }

        /// The hosts where the command ran in `web`.
        func patched() async -> [String] {
            var found: [String] = []
            for name in names where await !docker(name).execs.filter({ $0.container == "web" }).isEmpty { found.append(name) }
            return found
        }

        func records(_ host: String) async -> [PatchRecord] {
            PatchRecord.parse(await docker(host).file(PatchRecord.path, in: "web") ?? "")
        }

        func locks() async -> [String] {
            var found: [String] = []
            for name in names where await docker(name).container("molt-lock.web") != nil { found.append(name) }
            return found
        }
    }

    @Test("a succeeding command: the canary alone, then the rest; each web records the patch; locks gone; the journal has the run")
    func success() async throws {
        let fleet = try await Patchlet()
        let report = try await fleet.action().perform()
        #expect(report.result == .succeeded && report.exitCode == 0, "\(report)")
        #expect(await fleet.patched() == fleet.names)
        let batches = fleet.events.events.filter { $0.event == .batchStarted }.map { $0.hosts ?? [] }
        #expect(batches == [["h1/web"], ["h2/web", "h3/web", "h4/web"]])
        for name in fleet.names {
            let records = await fleet.records(name)
            #expect(records.count == 1)
            #expect(records.first?.run == report.run)
            #expect(records.first?.user == "tester")
            #expect(records.first?.command == "apt-get install -y 'libssl3=3.0.15-1~deb12u1'")
            #expect(records.first?.exitCode == 0)
            #expect(await fleet.docker(name).execs.first?.command == PatchActionTests.upgrade)
        }
        #expect(await fleet.locks().isEmpty)
        let run = try #require(try await fleet.journal.run(id: report.run))
        #expect(run.command == "patch" && run.result == .succeeded)
        #expect(try await fleet.journal.batches(run: report.run).count == 2)
        #expect(run.hosts.map(\.outcome) == ["patched", "patched", "patched", "patched"])
        #expect(run.hosts.map(\.host).sorted() == fleet.names)
        let steps = try await fleet.journal.steps(run: report.run)
        #expect(steps.map { "\($0.host)/\($0.service)" }.sorted() == fleet.names.map { "\($0)/web" })
        #expect(steps.allSatisfy { $0.step == .patch && $0.outcome == .patched && $0.finished != nil }, "\(steps)")
        // Not `updated`: `molt rollback --run` has nothing of a patch run to undo.
        #expect(try await fleet.journal.changes(run: report.run).isEmpty)
    }

    @Test("12 hosts with --forks 2: at most 4 sessions at once (a batch's and the next one's), every web patched, every lock and session gone")
    func boundedSessions() async throws {
        let fleet = try await Patchlet(hosts: 12)
        let connector = RolloutSessionTests.CountingConnector(fleet.connector())
        let report = try await fleet.action(forks: 2, connector: connector).perform()
        #expect(report.result == .succeeded, "\(report)")
        #expect(await fleet.patched() == fleet.names)
        #expect(await fleet.locks().isEmpty)
        // Held for the whole run, as before, this would be 12.
        #expect(connector.peak <= 4, "\(connector.peak) sessions were open at once")
        #expect(connector.live == 0, "\(connector.live) sessions left open")
    }

    @Test("a lock removed while the host's session was closed is taken again when molt reconnects, and the host is patched")
    func lockRetakenOnReconnect() async throws {
        let fleet = try await Patchlet(hosts: 6)
        // h6 is reached to select, to lock, then for its batch: before the batch, its lock goes.
        let connector = RolloutSessionTests.CountingConnector(fleet.connector()) { host, count, docker in
            if host == "h6" && count == 3 { try? await docker.remove("molt-lock.web") }
        }
        let report = try await fleet.action(forks: 1, connector: connector).perform()
        #expect(report.result == .succeeded, "\(report)")
        #expect(await fleet.patched() == fleet.names)
        #expect(fleet.events.events.contains { $0.host == "h6" && $0.message?.contains("took it again") == true })
        #expect(await fleet.locks().isEmpty)
    }

    @Test("the watch lasts as long as the HEALTHCHECK needs to call a container unhealthy (Interval × Retries) when --timeout is shorter")
    func watchOutlastsHealthcheck() async throws {
        let fleet = try await Patchlet(hosts: 1)
        let started = ContinuousClock.now
        let report = try await fleet.action(timeout: .milliseconds(10)).perform()
        #expect(report.result == .succeeded, "\(report)")
        // The scripted HEALTHCHECK: every 100 ms, unhealthy after 2 failures.
        #expect(ContinuousClock.now - started >= .milliseconds(200))
        #expect(fleet.events.events.contains { $0.message?.contains("its HEALTHCHECK calls it unhealthy only after that long") == true })

        func details(_ healthcheck: JSONValue?) throws -> ContainerDetails {
            var config: JSONValue = ["Image": "web"]
            config["Healthcheck"] = healthcheck
            return try ContainerDetails(raw: ["Id": "c1", "Name": "/web", "Config": config, "State": ["Status": "running", "Running": true]])
        }
        #expect(PatchAction.timeToUnhealthy(try details(["Test": ["CMD", "check"], "Interval": 10_000_000_000, "Retries": 5])) == .seconds(50))
        #expect(PatchAction.timeToUnhealthy(try details(["Test": ["CMD", "check"]])) == .seconds(90), "Docker's defaults: 30 s × 3")
        #expect(PatchAction.timeToUnhealthy(try details(["Test": ["NONE"]])) == nil)
        #expect(PatchAction.timeToUnhealthy(try details(nil)) == nil)
    }

    @Test("a signal while the canary's command runs: the command finishes and is recorded, no later batch starts, locks gone, 128 + signal")
    func signalDuringCommand() async throws {
        let fleet = try await Patchlet()
        let interruption = Interruption()
        await fleet.docker("h1").inject(.init(.exec, target: "web", effect: .none) { interruption.escalate(signal: SIGINT) })
        let report = try await fleet.action(interruption: interruption).perform()
        #expect(report.result == .interrupted && report.exitCode == 128 + SIGINT, "\(report)")
        #expect(await fleet.patched() == ["h1"])
        #expect(await fleet.records("h1").map(\.exitCode) == [0], "the command ran: the container says so")
        #expect(report.outcomes.first?.error?.contains("health is not confirmed") == true, "\(report.outcomes)")
        #expect(report.notStarted == ["h2/web", "h3/web", "h4/web"])
        #expect(await fleet.locks().isEmpty)
        #expect(try await fleet.journal.run(id: report.run)?.result == .interrupted)
    }

    @Test("a signal while the canary is watched ends the watch at once, well before --timeout")
    func signalDuringWatch() async throws {
        let fleet = try await Patchlet()
        let interruption = Interruption()
        let started = ContinuousClock.now
        // The signal comes once the canary's watch has begun (its step says so), not after a
        // fixed pause that a loaded machine can outrun.
        let signal = Task { [events = fleet.events] in
            let giveUp = ContinuousClock.now + .seconds(10)
            while !events.events.contains(where: { $0.host == "h1" && $0.message?.hasPrefix("watching") == true }), ContinuousClock.now < giveUp {
                try await Task.sleep(for: .milliseconds(5))
            }
            interruption.escalate(signal: SIGTERM)
        }
        let report = try await fleet.action(timeout: .seconds(30), interruption: interruption).perform()
        _ = try? await signal.value
        #expect(report.exitCode == 128 + SIGTERM, "\(report)")
        #expect(ContinuousClock.now - started < .seconds(10))
        #expect(await fleet.patched() == ["h1"])
        #expect(await fleet.locks().isEmpty)
    }

    @Test("a lock whose removal never ends holds no other host's: the run ends within the bound, the host named with its lock")
    func lockReleaseStuck() async throws {
        let fleet = try await Patchlet()
        await fleet.docker("h3").inject(.init(.remove, target: "molt-lock.web", effect: .stuck))
        let started = ContinuousClock.now
        let action = try fleet.action()
        let report = await HostDeadline.$lockRelease.withValue(.milliseconds(300)) {
            await action.perform()
        }
        #expect(ContinuousClock.now - started < .seconds(20))
        #expect(report.exitCode == 0, "\(report)")
        #expect(await fleet.patched() == ["h1", "h2", "h3", "h4"])
        let warnings = fleet.events.events.filter { $0.message?.contains("could not remove the lock") == true }
        #expect(warnings.map(\.host) == ["h3"], "\(warnings)")
        #expect(warnings.first?.message?.contains("molt unlock") == true)
        #expect(await fleet.locks() == ["h3"])
    }

    @Test("a failing command: only the canary ran it, its record says exit 1, the rest untouched, exit 1")
    func failingCommand() async throws {
        let fleet = try await Patchlet { _ in Patchlet.healthy(exec: ["apt-get upgrade -y": 100]) }
        let report = try await fleet.action(["apt-get", "upgrade", "-y"]).perform()
        #expect(report.result == .failed && report.exitCode == 1, "\(report)")
        #expect(await fleet.patched() == ["h1"])
        #expect(await fleet.records("h1").map(\.exitCode) == [100])
        for name in ["h2", "h3", "h4"] { #expect(await fleet.docker(name).file(PatchRecord.path, in: "web") == nil) }
        #expect(report.notStarted == ["h2/web", "h3/web", "h4/web"])
        #expect(report.outcomes.map(\.exitCode) == [100])
        #expect(await fleet.locks().isEmpty)
        #expect(try await fleet.journal.run(id: report.run)?.result == .failed)
    }

    @Test("a command that makes the canary unhealthy: the run stops after the canary, exit 1")
    func unhealthyAfterPatch() async throws {
        let fleet = try await Patchlet { _ in Patchlet.healthy(breaks: ["apt-get upgrade -y"]) }
        let report = try await fleet.action(["apt-get", "upgrade", "-y"]).perform()
        #expect(report.exitCode == 1, "\(report)")
        #expect(await fleet.patched() == ["h1"])
        #expect(report.outcomes.first?.exitCode == 0)
        #expect(report.outcomes.first?.error?.contains("not healthy") == true, "\(report.outcomes)")
        #expect(report.notStarted.count == 3)
        #expect(await fleet.locks().isEmpty)
    }

    @Test("a container that exits after the patch fails it, like an unhealthy one")
    func exitedAfterPatch() async throws {
        let fleet = try await Patchlet()
        let docker = fleet.docker("h1")
        // The command kills the container as it runs: what a bad library upgrade may do.
        await docker.inject(.init(.exec, target: "web", effect: .none, action: { Task { await docker.kill("web", exitCode: 137) } }))
        let report = try await fleet.action().perform()
        #expect(report.exitCode == 1, "\(report)")
        #expect(report.outcomes.count == 1)
        #expect(await fleet.patched() == ["h1"])
    }

    @Test("--dry-run lists the containers and changes nothing: no exec, no record, no lock, no journal run")
    func dryRun() async throws {
        let fleet = try await Patchlet()
        var before: [String: [String]] = [:]
        for name in fleet.names { before[name] = await fleet.docker(name).names }
        let report = try await fleet.action(dryRun: true).perform()
        #expect(report.exitCode == 0)
        #expect(report.targets.map(\.label) == ["h1/web", "h2/web", "h3/web", "h4/web"])
        #expect(await fleet.patched().isEmpty)
        for name in fleet.names {
            let docker = fleet.docker(name)
            #expect(await docker.names == before[name])
            #expect(await docker.file(PatchRecord.path, in: "web") == nil)
            #expect(await docker.calls.allSatisfy { !$0.hasPrefix("create") && !$0.hasPrefix("putArchive") && !$0.hasPrefix("exec") })
        }
        #expect(try await fleet.journal.run(id: report.run) == nil)
    }

    @Test("the record is appended: lines already in /etc/molt-patches stay, a second patch adds a second line")
    func appended() async throws {
        let fleet = try await Patchlet()
        await fleet.docker("h1").write(container: "web", file: PatchRecord.path, "an earlier line without its newline")
        _ = try await fleet.action(["true"]).perform()
        let second = try await fleet.action(["sh", "-c", "echo 'a\tb' > /tmp/x"]).perform()
        #expect(second.exitCode == 0, "\(second)")
        let text = try #require(await fleet.docker("h1").file(PatchRecord.path, in: "web"))
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        #expect(lines.count == 4 && lines.last == "", "\(text)")
        #expect(lines.first == "an earlier line without its newline")
        #expect(lines[1].hasSuffix("\ttrue\t0"))
        #expect(lines[2].split(separator: "\t").count == 5)
        #expect(PatchRecord(line: lines[2])?.command == "sh -c $'echo \\'a\\tb\\' > /tmp/x'")
        #expect(PatchRecord(line: lines[2])?.run == second.run)
    }

    @Test("--package with --below selects only the containers with an older version")
    func packageSelection() async throws {
        func status(_ version: String) -> [String: String] {
            ["/var/lib/dpkg/status": "Package: libssl3\nStatus: install ok installed\nArchitecture: amd64\nVersion: \(version)\n\n"]
        }
        let fleet = try await Patchlet { name in
            Patchlet.healthy(contents: status(name == "h2" || name == "h4" ? "3.0.11-1~deb12u2" : "3.0.15-1~deb12u1"))
        }
        let selection = PatchAction.Selection(package: "libssl3", below: try VersionBounds(["3.0.15-1~deb12u1"]))
        let report = try await fleet.action(selection: selection).perform()
        #expect(report.exitCode == 0, "\(report)")
        #expect(report.targets.map(\.label) == ["h2/web", "h4/web"])
        #expect(await fleet.patched() == ["h2", "h4"])
    }

    @Test("--below with only a dpkg bound: an Alpine container is left alone, said so, and the Debian ones on the same host are patched")
    func otherFormatLeftAlone() async throws {
        let fleet = try await Patchlet { name in
            name == "h3"
                ? Patchlet.healthy(contents: ["/lib/apk/db/installed": "P:libssl3\nV:3.1.4-r5\n\n"])
                : Patchlet.healthy(contents: ["/var/lib/dpkg/status": "Package: libssl3\nStatus: install ok installed\nVersion: 3.0.11-1~deb12u2\n\n"])
        }
        let selection = PatchAction.Selection(package: "libssl3", below: try VersionBounds(["dpkg:3.0.15-1~deb12u1"]))
        let report = try await fleet.action(selection: selection).perform()
        #expect(report.exitCode == 0, "\(report)")
        #expect(report.targets.map(\.label) == ["h1/web", "h2/web", "h4/web"])
        #expect(report.unreachable.isEmpty)
        #expect(await fleet.patched() == ["h1", "h2", "h4"])
        let skipped = fleet.events.events.filter { $0.event == .hostSkipped }
        #expect(skipped.map(\.host) == ["h3"])
        #expect(skipped.first?.message?.contains("no --below bound applies to apk") == true, "\(skipped)")
    }

    @Test("another run's lock stops the patch before any command runs, exit 4")
    func locked() async throws {
        let fleet = try await Patchlet()
        let other = Scene.identity("other-run")
        _ = try await ServiceLock.acquire(on: fleet.docker("h3").engine(), host: "h3", service: "web", image: Scene.v1,
                                          playbook: "web", identity: other)
        let report = try await fleet.action().perform()
        #expect(report.exitCode == 4, "\(report)")
        #expect(await fleet.patched().isEmpty)
        #expect(await fleet.locks() == ["h3"])
    }

    @Test("another run holding the first container's lock: no other lock is taken, nothing runs, exit 4")
    func lockedFirst() async throws {
        let fleet = try await Patchlet()
        _ = try await ServiceLock.acquire(on: fleet.docker("h1").engine(), host: "h1", service: "web", image: Scene.v1,
                                          playbook: "web", identity: Scene.identity("other-run"))
        let report = try await fleet.action().perform()
        #expect(report.exitCode == 4, "\(report)")
        #expect(await fleet.patched().isEmpty)
        #expect(await fleet.locks() == ["h1"])
        for name in ["h2", "h3", "h4"] {
            #expect(await fleet.docker(name).calls.allSatisfy { !$0.hasPrefix("create") }, "\(name) was not touched")
        }
    }

    @Test("shell quoting keeps every word one field, with no tab or newline")
    func quoting() {
        #expect(PatchRecord.quote(["apt-get", "install", "-y", "openssl"]) == "apt-get install -y openssl")
        #expect(PatchRecord.quote(["sh", "-c", "apk upgrade && echo it's done"]) == "sh -c 'apk upgrade && echo it'\\''s done'")
        #expect(PatchRecord.quote(["printf", "a\nb", ""]) == "printf $'a\\nb' ''")
        let record = PatchRecord(time: Date(timeIntervalSince1970: 1_795_953_781), run: "r1", user: "ann\tb", command: "x", exitCode: 2)
        #expect(record.line == "2026-11-29T12:03:01Z\tr1\tann b\tx\t2\n")
        #expect(PatchRecord(line: record.line.dropLast()) == PatchRecord(time: record.time, run: "r1", user: "ann b", command: "x", exitCode: 2))
    }
}
