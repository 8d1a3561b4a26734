import Foundation
import GRDB
import Testing
@testable import Journal

@Suite("Journal")
struct JournalTests {
    @Test("opening a fresh journal creates every table, and the schema version table records the migrations", arguments: JournalBackend.tested)
    func freshJournalIsMigrated(_ backend: JournalBackend) async throws {
        try await withTemporaryJournal(backend) { temporary in
            let journal = try await temporary.open()
            #expect(try await journal.tableNames() == ["batches", "grdb_migrations", "outcomes", "runs", "steps"])
            #expect(try await journal.store.migrations() == JournalSchema.postgresMigrations.map(\.identifier).sorted())
            #expect(try await journal.runs().isEmpty)
        }
    }

    @Test("a fresh SQLite journal's directory is private")
    func freshFileDirectoryIsPrivate() async throws {
        try await withTemporaryJournal(.sqlite) { temporary in
            _ = try await temporary.open()
            let directory = URL(fileURLWithPath: temporary.path).deletingLastPathComponent().path
            let mode = try FileManager.default.attributesOfItem(atPath: directory)[.posixPermissions] as? Int
            #expect(mode == 0o700)
        }
    }

    @Test("a journal an earlier molt wrote (v1) gains the process column when opened; its runs read back, with no end as running")
    func v1JournalIsMigrated() async throws {
        try await withTemporaryJournal(.sqlite) { temporary in
            try FileManager.default.createDirectory(
                atPath: URL(fileURLWithPath: temporary.path).deletingLastPathComponent().path, withIntermediateDirectories: true)
            let earlier = try DatabaseQueue(path: temporary.path)
            try JournalSchema.migrator.migrate(earlier, upTo: JournalSchema.firstMigration)
            try await earlier.write { db in
                try db.execute(
                    sql: """
                        INSERT INTO runs (id, command, playbook, playbook_path, user, coordinator, pid, started, planned_hosts)
                        VALUES ('old', 'rollout', 'web', 'web.yml', 'ops', ?, ?, '2026-11-29 12:03:01.000', '["h1"]')
                        """,
                    arguments: [ProcessInfo.processInfo.hostName, try deadPID()])
            }
            let journal = try await temporary.open()
            #expect(try await journal.store.migrations() == JournalSchema.postgresMigrations.map(\.identifier).sorted())
            let run = try #require(try await journal.run(id: "old"))
            #expect(run.result == .running, "an old row names no process, so nothing proves it gone")
            #expect(run.plannedHosts == ["h1"])
            try await journal.startRun(runStart(id: "new", process: .current))
            #expect(try await journal.wholeRun(id: "new")?.start.process == .current)
        }
    }

    @Test("both backends know the same migrations, in the same order")
    func sameMigrations() {
        #expect(JournalSchema.migrator.migrations == JournalSchema.postgresMigrations.map(\.identifier))
    }

    @Test(
        "the journal cases run against PostgreSQL too",
        .enabled(if: TestPostgres.url != nil, "skipped: set MOLT_TEST_POSTGRES to a postgres:// URL (scripts/lab journal up prints one) to run every journal case against PostgreSQL")
    )
    func postgresIsTested() {
        #expect(JournalBackend.tested.contains(.postgres))
    }

    @Test("opening an existing journal again keeps what it holds", arguments: JournalBackend.tested)
    func reopeningKeepsRecords(_ backend: JournalBackend) async throws {
        try await withTemporaryJournal(backend) { temporary in
            try await temporary.open().startRun(runStart(id: "20261129T120301-3f9a"))
            let reopened = try await temporary.open()
            #expect(try await reopened.runs().map(\.id) == ["20261129T120301-3f9a"])
        }
    }

    @Test("a run written step by step reads back with its batches, steps and outcomes in order", arguments: JournalBackend.tested)
    func runReadsBackInOrder(_ backend: JournalBackend) async throws {
        try await withTemporaryJournal(backend) { temporary in
            let journal = try await temporary.open()
            let id = "20261129T120301-3f9a"
            try await journal.startRun(runStart(id: id, hosts: ["h1", "h2", "h3"]))
            try await journal.startBatch(run: id, index: 1, hosts: ["h1"], started: instant(1))
            let replace = try await journal.startStep(run: id, host: "h1", service: "web", step: .replace, started: instant(1.25))
            try await journal.finishStep(id: replace, finished: instant(2), outcome: .updated, detail: "healthy after 0.5s")
            try await journal.recordOutcome(outcome(run: id, host: "h1", outcome: "updated", at: instant(2)))
            try await journal.finishBatch(run: id, index: 1, finished: instant(2))
            let gate = try await journal.startStep(run: id, host: "", service: "gate", step: .gate(afterBatch: 1), started: instant(2))
            let check = try await journal.startStep(run: id, host: "", service: "gate", step: .check, started: instant(2.5))
            try await journal.finishStep(id: check, finished: instant(2.5), outcome: .ok, detail: "http://prom/q: 0 (≤ 0.01)")
            try await journal.finishStep(id: gate, finished: instant(3), outcome: .passed, detail: nil)
            try await journal.startBatch(run: id, index: 2, hosts: ["h2", "h3"], started: instant(4))
            let failing = try await journal.startStep(run: id, host: "h2", service: "web", step: .replace, started: instant(4))
            try await journal.finishStep(id: failing, finished: instant(5), outcome: .failed, detail: "manifest unknown")
            try await journal.recordOutcome(outcome(run: id, host: "h2", outcome: "failed", error: "manifest unknown", at: instant(5)))
            let current = try await journal.startStep(run: id, host: "h3", service: "web", step: .replace, started: instant(4))
            try await journal.finishStep(id: current, finished: instant(4.5), outcome: .upToDate, detail: nil)
            try await journal.recordOutcome(outcome(run: id, host: "h3", outcome: "uptodate", from: "nginx:1.27", at: instant(5)))
            try await journal.finishBatch(run: id, index: 2, finished: instant(5))
            try await journal.finishRun(id: id, result: .partial, finished: instant(6))

            let run = try #require(try await journal.run(id: id))
            #expect(run.command == "rollout")
            #expect(run.playbook == "web")
            #expect(run.playbookPath == "playbooks/web.yml")
            #expect(run.user == "ops")
            #expect(run.pid == ProcessInfo.processInfo.processIdentifier)
            #expect(run.started == instant(0))
            #expect(run.finished == instant(6))
            #expect(run.result == .partial)
            #expect(run.plannedHosts == ["h1", "h2", "h3"])
            #expect(run.details == #"{"image":"nginx:1.27"}"#)
            #expect(run.hosts.map(\.host) == ["h1", "h2", "h3"])
            #expect(run.hosts.map(\.outcome) == ["updated", "failed", "uptodate"])
            #expect(run.hosts[0] == outcome(run: id, host: "h1", outcome: "updated", at: instant(2)))
            #expect(run.hosts[1].error == "manifest unknown")

            let batches = try await journal.batches(run: id)
            #expect(batches.map(\.hosts) == [["h1"], ["h2", "h3"]])
            #expect(batches.map(\.index) == [1, 2])
            #expect(batches.map(\.finished) == [instant(2), instant(5)])

            let steps = try await journal.steps(run: id)
            #expect(steps.map(\.id) == [replace, gate, check, failing, current])
            #expect(steps.map { "\($0.host)/\($0.service) \($0.step) \($0.outcome?.rawValue ?? "-")" } == [
                "h1/web replace updated", "/gate gate after batch 1 passed", "/gate check ok", "h2/web replace failed", "h3/web replace uptodate",
            ])
            #expect(steps.map(\.step) == [.replace, .gate(afterBatch: 1), .check, .replace, .replace])
            #expect(steps.map(\.outcome) == [.updated, .passed, .ok, .failed, .upToDate])
            #expect(steps[0].detail == "healthy after 0.5s")
            #expect(steps[3].started == instant(4))
            #expect(steps[3].finished == instant(5))
        }
    }

    @Test("a step that never finished reads back without an outcome", arguments: JournalBackend.tested)
    func unfinishedStep(_ backend: JournalBackend) async throws {
        try await withTemporaryJournal(backend) { temporary in
            let journal = try await temporary.open()
            try await journal.startRun(runStart(id: "r1"))
            try await journal.startStep(run: "r1", host: "h1", service: "web", step: .replace, started: instant(1))
            let step = try #require(try await journal.steps(run: "r1").first)
            #expect(step.finished == nil)
            #expect(step.outcome == nil)
        }
    }

    @Test("runs are listed newest first and limited", arguments: JournalBackend.tested)
    func runsNewestFirst(_ backend: JournalBackend) async throws {
        try await withTemporaryJournal(backend) { temporary in
            let journal = try await temporary.open()
            for (index, id) in ["a", "b", "c"].enumerated() {
                try await journal.startRun(runStart(id: id, started: instant(Double(index))))
            }
            #expect(try await journal.runs().map(\.id) == ["c", "b", "a"])
            #expect(try await journal.runs(limit: 2).map(\.id) == ["c", "b"])
        }
    }

    /// A process that was seen here and is gone: this machine, boot and PID namespace, and a PID
    /// no process has now.
    private func goneProcess() throws -> ProcessIdentity {
        var process = ProcessIdentity.current
        process.pid = try deadPID()
        process.startTime = 12_345
        return process
    }

    @Test("an unfinished run whose process is provably gone reads as interrupted", arguments: JournalBackend.tested)
    func deadRunIsInterrupted(_ backend: JournalBackend) async throws {
        try await withTemporaryJournal(backend) { temporary in
            let journal = try await temporary.open()
            let gone = try goneProcess()
            try await journal.startRun(runStart(id: "dead", pid: gone.pid, process: gone))
            let run = try #require(try await journal.run(id: "dead"))
            #expect(run.result == .interrupted)
            #expect(run.finished == nil)
        }
    }

    @Test("an unfinished run whose process lives reads as running", arguments: JournalBackend.tested)
    func liveRunIsRunning(_ backend: JournalBackend) async throws {
        try await withTemporaryJournal(backend) { temporary in
            let journal = try await temporary.open()
            try await journal.startRun(runStart(id: "live", process: .current))
            #expect(try await journal.run(id: "live")?.result == .running)
        }
    }

    @Test("an unfinished run whose PID now belongs to another process reads as interrupted: the start time tells them apart",
          arguments: JournalBackend.tested)
    func reusedPIDIsInterrupted(_ backend: JournalBackend) async throws {
        try await withTemporaryJournal(backend) { temporary in
            let journal = try await temporary.open()
            var earlier = ProcessIdentity.current
            earlier.startTime -= 1
            try await journal.startRun(runStart(id: "reused", process: earlier))
            #expect(try await journal.run(id: "reused")?.result == .interrupted)
        }
    }

    @Test("an unfinished run from another machine, boot or PID namespace reads as running: its PID means nothing here",
          arguments: JournalBackend.tested)
    func otherCoordinatorIsRunning(_ backend: JournalBackend) async throws {
        try await withTemporaryJournal(backend) { temporary in
            let journal = try await temporary.open()
            let gone = try goneProcess()
            var elsewhere = [gone, gone, gone]
            elsewhere[0].machineID = "another machine"
            elsewhere[1].bootID = "an earlier boot"
            elsewhere[2].pidNamespace = "pid:[1]"
            for (index, process) in elsewhere.enumerated() {
                // The same host name as this machine's: two containers may well share one.
                try await journal.startRun(runStart(id: "elsewhere-\(index)", pid: process.pid, process: process))
                #expect(try await journal.run(id: "elsewhere-\(index)")?.result == .running)
            }
        }
    }

    @Test("an unfinished run recorded without its process identity reads as running: nothing proves it gone",
          arguments: JournalBackend.tested)
    func unknownProcessIsRunning(_ backend: JournalBackend) async throws {
        try await withTemporaryJournal(backend) { temporary in
            let journal = try await temporary.open()
            try await journal.startRun(runStart(id: "old", pid: try deadPID(), process: nil))
            #expect(try await journal.run(id: "old")?.result == .running)
        }
    }

    @Test("a finished run keeps its recorded result even though its process is gone", arguments: JournalBackend.tested)
    func finishedRunKeepsResult(_ backend: JournalBackend) async throws {
        try await withTemporaryJournal(backend) { temporary in
            let journal = try await temporary.open()
            try await journal.startRun(runStart(id: "done", process: try goneProcess()))
            try await journal.finishRun(id: "done", result: .succeeded, finished: instant(9))
            #expect(try await journal.run(id: "done")?.result == .succeeded)
        }
    }

    @Test("a unique prefix of a run ID finds the run", arguments: JournalBackend.tested)
    func uniquePrefix(_ backend: JournalBackend) async throws {
        try await withTemporaryJournal(backend) { temporary in
            let journal = try await temporary.open()
            try await journal.startRun(runStart(id: "20261129T120301-3f9a"))
            try await journal.startRun(runStart(id: "20261130T080000-0b1c"))
            #expect(try await journal.run(id: "20261129")?.id == "20261129T120301-3f9a")
            #expect(try await journal.run(id: "20261130T080000-0b1c")?.id == "20261130T080000-0b1c")
            #expect(try await journal.run(id: "2025") == nil)
            #expect(try await journal.run(id: "") == nil)
        }
    }

    @Test("a prefix matching several runs is an error naming them", arguments: JournalBackend.tested)
    func ambiguousPrefix(_ backend: JournalBackend) async throws {
        try await withTemporaryJournal(backend) { temporary in
            let journal = try await temporary.open()
            try await journal.startRun(runStart(id: "20261129T120301-3f9a"))
            try await journal.startRun(runStart(id: "20261129T130000-77aa"))
            let error = try await #require(throws: JournalError.self) { try await journal.run(id: "20261129T1") }
            #expect(error.code == .ambiguousRunID)
            #expect(error.description.contains("20261129T120301-3f9a"))
            #expect(error.description.contains("20261129T130000-77aa"))
        }
    }

    @Test("a run ID that is itself a prefix of another still finds its own run", arguments: JournalBackend.tested)
    func exactIDBeatsPrefix(_ backend: JournalBackend) async throws {
        try await withTemporaryJournal(backend) { temporary in
            let journal = try await temporary.open()
            try await journal.startRun(runStart(id: "run"))
            try await journal.startRun(runStart(id: "run-2"))
            #expect(try await journal.run(id: "run")?.id == "run")
        }
    }

    @Test("changes are only the hosts the run updated", arguments: JournalBackend.tested)
    func changesAreUpdatedHosts(_ backend: JournalBackend) async throws {
        try await withTemporaryJournal(backend) { temporary in
            let journal = try await temporary.open()
            try await journal.startRun(runStart(id: "r1", hosts: ["h1", "h2", "h3", "h4", "h5"]))
            try await journal.startRun(runStart(id: "r2"))
            for (host, result) in [("h1", "updated"), ("h2", "uptodate"), ("h3", "rolledback"), ("h4", "updated"), ("h5", "failed")] {
                try await journal.recordOutcome(outcome(run: "r1", host: host, outcome: result))
            }
            try await journal.recordOutcome(outcome(run: "r2", host: "h9", outcome: "updated"))
            let changes = try await journal.changes(run: "r1")
            #expect(changes.map(\.host) == ["h1", "h4"])
            #expect(changes.allSatisfy { $0.previousContainer == "web.molt-prev" && $0.from == "nginx:1.26" })
        }
    }

    @Test("writing for a run, batch or step the journal does not hold is an error", arguments: JournalBackend.tested)
    func unknownRecords(_ backend: JournalBackend) async throws {
        try await withTemporaryJournal(backend) { temporary in
            let journal = try await temporary.open()
            let codes = [
                try await #require(throws: JournalError.self) { try await journal.finishRun(id: "nope", result: .failed, finished: instant(1)) },
                try await #require(throws: JournalError.self) { try await journal.startBatch(run: "nope", index: 0, hosts: [], started: instant(1)) },
                try await #require(throws: JournalError.self) { try await journal.finishBatch(run: "nope", index: 0, finished: instant(1)) },
                try await #require(throws: JournalError.self) { try await journal.startStep(run: "nope", host: "h", service: "s", step: .replace, started: instant(1)) },
                try await #require(throws: JournalError.self) { try await journal.finishStep(id: 42, finished: instant(1), outcome: .updated, detail: nil) },
                try await #require(throws: JournalError.self) { try await journal.recordOutcome(outcome(run: "nope", host: "h1", outcome: "updated")) },
            ].map(\.code)
            #expect(codes == Array(repeating: .unknownRecord, count: 6))
        }
    }

    @Test("starting the same run twice is an error", arguments: JournalBackend.tested)
    func duplicateRun(_ backend: JournalBackend) async throws {
        try await withTemporaryJournal(backend) { temporary in
            let journal = try await temporary.open()
            try await journal.startRun(runStart(id: "r1"))
            let error = try await #require(throws: JournalError.self) { try await journal.startRun(runStart(id: "r1")) }
            #expect(error.description.hasPrefix("journal \(journal.path): cannot record the start of run r1: it is already recorded"), "\(error)")
        }
    }

    @Test("two journals on one file or server writing at once lose nothing", arguments: JournalBackend.tested)
    func concurrentWriters(_ backend: JournalBackend) async throws {
        try await withTemporaryJournal(backend) { temporary in
            let first = try await temporary.open()
            let second = try await temporary.open()
            let stepsPerWriter = 200
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (journal, run) in [(first, "run-a"), (second, "run-b")] {
                    group.addTask {
                        try await journal.startRun(runStart(id: run))
                        for index in 0..<stepsPerWriter {
                            let step = try await journal.startStep(
                                run: run, host: "h\(index)", service: "web", step: .replace, started: instant(Double(index)))
                            try await journal.finishStep(id: step, finished: instant(Double(index) + 0.5), outcome: .updated, detail: nil)
                        }
                        try await journal.finishRun(id: run, result: .succeeded, finished: instant(1000))
                    }
                }
                try await group.waitForAll()
            }
            let reader = try await temporary.open()
            for run in ["run-a", "run-b"] {
                let steps = try await reader.steps(run: run)
                #expect(steps.count == stepsPerWriter)
                #expect(steps.map(\.host) == (0..<stepsPerWriter).map { "h\($0)" })
                #expect(steps.allSatisfy { $0.outcome == .updated })
                #expect(try await reader.run(id: run)?.result == .succeeded)
            }
        }
    }

    @Test("several processes opening one fresh journal at once all get it, migrated once", arguments: JournalBackend.tested)
    func concurrentFirstOpen(_ backend: JournalBackend) async throws {
        try await withTemporaryJournal(backend) { temporary in
            let tables = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<4 {
                    group.addTask { try await temporary.open().tableNames() }
                }
                return try await group.reduce(into: []) { $0.append($1) }
            }
            #expect(tables.count == 4)
            #expect(tables.allSatisfy { $0 == ["batches", "grdb_migrations", "outcomes", "runs", "steps"] })
        }
    }

    @Test(
        "the default path follows XDG_STATE_HOME, else HOME",
        arguments: [
            (["XDG_STATE_HOME": "/var/state", "HOME": "/home/ops"], "/var/state/molt/journal.sqlite"),
            (["XDG_STATE_HOME": "/var/state/", "HOME": "/home/ops"], "/var/state/molt/journal.sqlite"),
            (["HOME": "/home/ops"], "/home/ops/.local/state/molt/journal.sqlite"),
            (["XDG_STATE_HOME": "", "HOME": "/home/ops"], "/home/ops/.local/state/molt/journal.sqlite"),
            (["XDG_STATE_HOME": "relative/state", "HOME": "/home/ops"], "/home/ops/.local/state/molt/journal.sqlite"),
        ])
    func defaultPath(environment: [String: String], expected: String) {
        #expect(Journal.defaultPath(environment: environment) == expected)
    }

    @Test("without HOME the default path is still under the user's home directory")
    func defaultPathWithoutHome() {
        let path = Journal.defaultPath(environment: [:])
        #expect(path.hasPrefix("/"))
        #expect(path.hasSuffix("/.local/state/molt/journal.sqlite"))
    }

    @Test("run IDs are the UTC time and 64 random bits in 16 hex digits, and sort by time")
    func runIDs() async throws {
        let id = Journal.newRunID(now: Date(timeIntervalSince1970: 1_795_953_781))  // 2026-11-29T12:03:01Z
        #expect(id.hasPrefix("20261129T120301-"))
        let suffix = id.dropFirst("20261129T120301-".count)
        #expect(suffix.count == 16)
        #expect(suffix.allSatisfy { $0.isHexDigit && !$0.isUppercase })
        let later = Journal.newRunID(now: Date(timeIntervalSince1970: 1_795_953_782))
        #expect(id < later)
        let many = Set((0..<1000).map { _ in Journal.newRunID(now: Date(timeIntervalSince1970: 1_795_953_781)) })
        #expect(many.count == 1000)
        // Every hex digit position varies: the randomness fills all 64 bits, leading zeros kept.
        let positions = (0..<16).map { index in Set(many.map { Array($0.suffix(16))[index] }).count }
        #expect(positions.allSatisfy { $0 > 8 })
    }

    @Test("a run is found by a unique prefix of its long ID, as molt rollback --run PREFIX does", arguments: JournalBackend.tested)
    func longIDPrefix(_ backend: JournalBackend) async throws {
        try await withTemporaryJournal(backend) { temporary in
            let journal = try await temporary.open()
            let id = Journal.newRunID(now: instant(0))
            try await journal.startRun(runStart(id: id))
            try await journal.startRun(runStart(id: Journal.newRunID(now: instant(3600))))
            #expect(try await journal.run(id: String(id.prefix(19)))?.id == id)
            #expect(try await journal.run(id: id)?.id == id)
        }
    }
}
