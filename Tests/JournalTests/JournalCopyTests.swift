import Foundation
import GRDB
import Testing
@testable import Journal

/// `molt journal copy`'s action: every run moves whole between SQLite and PostgreSQL, and back.
@Suite("Journal copy")
struct JournalCopyTests {
    @Test(
        "SQLite to each backend and back to a new SQLite file keeps every run, batch, step and outcome, field by field",
        arguments: JournalBackend.tested)
    func roundTrip(_ backend: JournalBackend) async throws {
        try await withTemporaryJournal(.sqlite) { original in
            try await withTemporaryJournal(backend) { middle in
                try await withTemporaryJournal(.sqlite) { back in
                    let ids = try await fillWithRuns(try await original.open())
                    let there = try await JournalCopy(from: original.location(), to: middle.location()).perform()
                    #expect(there.runs == ids.count)
                    #expect(there.batches == 4)
                    #expect(there.steps == 6)
                    #expect(there.outcomes == 5)
                    #expect(there.alreadyThere == 0)
                    let returned = try await JournalCopy(from: middle.location(), to: back.location()).perform()
                    #expect(returned.runs == ids.count && returned.steps == 6 && returned.outcomes == 5)

                    let source = try await original.open()
                    try await expectSameRecords(try await middle.open(), source, ids: ids, exact: backend == .sqlite)
                    try await expectSameRecords(try await back.open(), source, ids: ids, exact: true)
                }
            }
        }
    }

    @Test("copying again skips the runs already there; a copy left part way is finished", arguments: JournalBackend.tested)
    func copyingAgainSkips(_ backend: JournalBackend) async throws {
        try await withTemporaryJournal(.sqlite) { original in
            try await withTemporaryJournal(backend) { target in
                let source = try await original.open()
                let ids = try await fillWithRuns(source)
                // A copy that stopped after the first run: that run is there, the rest is not.
                let first = try #require(try await source.wholeRun(id: ids[0]))
                #expect(try await target.open().importRun(first))
                #expect(try await target.open().importRun(first) == false)

                let copy = JournalCopy(from: try original.location(), to: try target.location())
                let finishing = try await copy.perform()
                #expect(finishing.runs == ids.count - 1)
                #expect(finishing.alreadyThere == 1)
                #expect(finishing.steps == 6 - first.steps.count)
                let again = try await copy.perform()
                #expect(again.runs == 0 && again.batches == 0 && again.steps == 0 && again.outcomes == 0)
                #expect(again.alreadyThere == ids.count)
                #expect(again.description == "copied 0 runs (0 batches, 0 steps, 0 outcomes) from \(source.path) to \(again.to); \(ids.count) already there")
                try await expectSameRecords(try await target.open(), source, ids: ids)
            }
        }
    }

    @Test("a FROM that is missing, empty or another program's database is refused, created nowhere, and TO is unchanged",
          arguments: JournalBackend.tested)
    func notAJournal(_ backend: JournalBackend) async throws {
        try await withTemporaryJournal(backend) { target in
            let before = try await target.open()
            try await before.startRun(runStart(id: "20261129T120301-0000"))
            let scratch = target.directory.appendingPathComponent("from")
            try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
            let missing = scratch.appendingPathComponent("state/none.sqlite").path
            let empty = scratch.appendingPathComponent("empty.sqlite").path
            #expect(FileManager.default.createFile(atPath: empty, contents: Data()))
            let foreign = scratch.appendingPathComponent("app.sqlite").path
            try await DatabaseQueue(path: foreign).write { db in try db.execute(sql: "CREATE TABLE accounts (name TEXT)") }
            let cases: [(String, JournalError.Code, String)] = [
                (missing, .unopenable, "there is no such file"),
                (empty, .notJournal, "this is not a molt journal (it holds none of its tables)"),
                (foreign, .notJournal, "this is an SQLite database, but not a molt journal (it holds the tables accounts)"),
            ]
            for (from, code, message) in cases {
                let error = try await #require(throws: JournalError.self) {
                    try await JournalCopy(from: from, to: try target.location()).perform()
                }
                #expect(error.code == code, "\(error)")
                #expect(error.description.hasPrefix("journal \(from): \(message)"), "\(error)")
            }
            #expect(!FileManager.default.fileExists(atPath: missing))
            #expect(!FileManager.default.fileExists(atPath: URL(fileURLWithPath: missing).deletingLastPathComponent().path))
            #expect(try Data(contentsOf: URL(fileURLWithPath: empty)).isEmpty)
            #expect(try await DatabaseQueue(path: foreign).read { db in try String.fetchAll(db, sql: "SELECT name FROM sqlite_master") } == ["accounts"])
            #expect(try await target.open().runIDs() == ["20261129T120301-0000"])
        }
    }

    @Test("a PostgreSQL FROM that holds no journal is refused and nothing is created in it",
          .enabled(if: TestPostgres.url != nil, "needs MOLT_TEST_POSTGRES"))
    func emptyServerDatabase() async throws {
        try await withTemporaryJournal(.postgres) { empty in
            try await withTemporaryJournal(.sqlite) { target in
                let password = try #require(URLComponents(string: try empty.location())?.password)
                let error = try await #require(throws: JournalError.self) {
                    try await JournalCopy(from: try empty.location(), to: target.path).perform()
                }
                #expect(error.code == .notJournal)
                #expect(error.description.contains("this database is not a molt journal (it holds none of its tables)"), "\(error)")
                #expect(!error.description.contains(password))
                #expect(!FileManager.default.fileExists(atPath: target.path), "TO is opened only once FROM is a journal")
                // Opening it as a journal now finds it empty: the refused copy made no table.
                #expect(try await empty.open().tableNames() == ["batches", "grdb_migrations", "outcomes", "runs", "steps"])
                #expect(try await empty.open().runs().isEmpty)
            }
        }
    }

    @Test("FROM and TO naming the same journal are refused, by path, through a link, or by server and database")
    func sameJournal() async throws {
        try await withTemporaryJournal(.sqlite) { temporary in
            let journal = try await temporary.open()
            try await journal.startRun(runStart(id: "r1"))
            let link = temporary.directory.appendingPathComponent("link.sqlite").path
            try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: temporary.path)
            let hard = temporary.directory.appendingPathComponent("hard.sqlite").path
            try FileManager.default.linkItem(atPath: temporary.path, toPath: hard)
            let dotted = URL(fileURLWithPath: temporary.path).deletingLastPathComponent().path + "/./journal.sqlite"
            for other in [temporary.path, link, hard, dotted] {
                let error = try await #require(throws: JournalError.self) {
                    try await JournalCopy(from: temporary.path, to: other).perform()
                }
                #expect(error.description.contains("FROM and TO are the same journal"), "\(error)")
            }
            let server = try await #require(throws: JournalError.self) {
                try await JournalCopy(
                    from: "postgres://ops:pw-one@db.example:5433/molt", to: "postgres://dev:pw-two@DB.example:5433/molt"
                ).perform()
            }
            #expect(server.description == "journal ops@db.example:5433/molt: FROM and TO are the same journal (the database molt on db.example:5433); name two different journals")
            #expect(try await journal.runIDs() == ["r1"])
        }
    }

    @Test("a run TO refuses part of is not written at all; the runs before it stay copied and the error says so",
          arguments: JournalBackend.tested)
    func oneTransactionPerRun(_ backend: JournalBackend) async throws {
        try await withTemporaryJournal(.sqlite) { original in
            try await withTemporaryJournal(backend) { target in
                let ids = try await fillWithRuns(try await original.open())
                _ = try await target.open()
                // TO refuses the one outcome recorded `rolledback`: the third run's last record.
                switch backend {
                case .sqlite:
                    try await DatabaseQueue(path: target.path).write { db in
                        try db.execute(sql: """
                            CREATE TRIGGER refuse BEFORE INSERT ON outcomes WHEN NEW.outcome = 'rolledback'
                            BEGIN SELECT RAISE(ABORT, 'refused by test'); END
                            """)
                    }
                case .postgres:
                    try await TestPostgres.administer(
                        """
                        CREATE FUNCTION refuse() RETURNS trigger LANGUAGE plpgsql AS $$
                        BEGIN IF NEW.outcome = 'rolledback' THEN RAISE EXCEPTION 'refused by test'; END IF; RETURN NEW; END $$
                        """, database: target.database)
                    try await TestPostgres.administer(
                        "CREATE TRIGGER refuse BEFORE INSERT ON outcomes FOR EACH ROW EXECUTE FUNCTION refuse()", database: target.database)
                }
                let error = try await #require(throws: JournalError.self) {
                    try await JournalCopy(from: try original.location(), to: try target.location()).perform()
                }
                let copy = try await target.open()
                #expect(error.path == copy.path)
                #expect(error.description.contains("cannot copy run \(ids[2]) into the journal"), "\(error)")
                #expect(error.description.contains("refused by test"), "\(error)")
                #expect(error.description.hasSuffix("; 2 runs were copied before this: run the copy again to finish it"), "\(error)")
                #expect(try await copy.runIDs() == Array(ids.prefix(2)))
                #expect(try await copy.batches(run: ids[2]).isEmpty)
                #expect(try await copy.steps(run: ids[2]).isEmpty)
            }
        }
    }
}

/// Writes five runs as molt writes them, oldest first, and returns their IDs: a rollout that
/// succeeded over two batches, one that failed and rolled back with errors, a rollout waiting at
/// its gate with details, one promoted from its gate and finished, and one still running
/// elsewhere (no end). Times carry milliseconds that binary fractions do not hold exactly.
func fillWithRuns(_ journal: Journal) async throws -> [String] {
    let ids = ["20261129T120301-00000000000000a1", "20261129T120401-00000000000000b2", "20261129T120501-00000000000000c3",
               "20261129T120601-00000000000000d4", "20261129T120701-00000000000000e5"]
    // Succeeded: two batches, steps with and without detail.
    try await journal.startRun(runStart(id: ids[0], hosts: ["h1", "h2", "h3"], started: instant(0.123)))
    try await journal.startBatch(run: ids[0], index: 1, hosts: ["h1"], started: instant(0.301))
    let replace = try await journal.startStep(run: ids[0], host: "h1", service: "web", step: .replace, started: instant(0.457))
    try await journal.finishStep(id: replace, finished: instant(2.7), outcome: .updated, detail: "healthy after 0.7s\nline two")
    try await journal.recordOutcome(outcome(run: ids[0], host: "h1", outcome: "updated", at: instant(2.701)))
    try await journal.finishBatch(run: ids[0], index: 1, finished: instant(2.702))
    try await journal.startBatch(run: ids[0], index: 2, hosts: ["h2", "h3"], started: instant(3.01))
    let current = try await journal.startStep(run: ids[0], host: "h3", service: "web", step: .replace, started: instant(3.011))
    try await journal.finishStep(id: current, finished: instant(3.332), outcome: .upToDate, detail: nil)
    try await journal.recordOutcome(outcome(run: ids[0], host: "h3", outcome: "uptodate", from: "nginx:1.27", at: instant(3.333)))
    try await journal.recordOutcome(outcome(run: ids[0], host: "h2", outcome: "updated", at: instant(4.444)))
    try await journal.finishBatch(run: ids[0], index: 2, finished: instant(4.5))
    try await journal.finishRun(id: ids[0], result: .succeeded, finished: instant(4.567))

    // Failed, with errors, on a coordinator whose process is gone.
    try await journal.startRun(runStart(
        id: ids[1], hosts: ["h1"], coordinator: "laptop-7", pid: 31337,
        process: ProcessIdentity(machineID: "m-laptop-7", bootID: "b-1", pidNamespace: "pid:[4026531836]", pid: 31337, startTime: 777),
        started: instant(60.001)))
    try await journal.startBatch(run: ids[1], index: 1, hosts: ["h1"], started: instant(60.002))
    let failing = try await journal.startStep(run: ids[1], host: "h1", service: "web", step: .replace, started: instant(60.003))
    try await journal.finishStep(id: failing, finished: instant(61.789), outcome: .failed, detail: "manifest unknown: nginx:9")
    try await journal.recordOutcome(
        outcome(run: ids[1], host: "h1", outcome: "failed", to: "nginx:9", error: "manifest unknown: nginx:9", at: instant(61.79)))
    try await journal.finishRun(id: ids[1], result: .failed, finished: instant(61.8))

    // Rolled back (the outcome JournalCopyTests' refusing trigger looks for).
    try await journal.startRun(runStart(id: ids[2], hosts: ["h2"], started: instant(120.5)))
    let undone = try await journal.startStep(run: ids[2], host: "h2", service: "web", step: .replace, started: instant(120.6))
    try await journal.finishStep(id: undone, finished: instant(121.0), outcome: .rolledBack, detail: "unhealthy: exit 1")
    try await journal.recordOutcome(
        outcome(run: ids[2], host: "h2", outcome: "rolledback", error: "unhealthy: exit 1", at: instant(125.25)))
    try await journal.finishRun(id: ids[2], result: .rolledBack, finished: instant(125.3))

    // Waiting at its gate, with the details a promote needs.
    try await journal.startRun(runStart(id: ids[3], hosts: ["h1", "h2"], started: instant(180.042)))
    try await journal.startBatch(run: ids[3], index: 1, hosts: ["h1"], started: instant(180.043))
    let gate = try await journal.startStep(run: ids[3], host: "", service: "gate", step: .gate(afterBatch: 1), started: instant(181.5))
    try await journal.finishStep(id: gate, finished: instant(191.5), outcome: .waiting, detail: "error ratio 0.001 ≤ 0.01")
    try await journal.setDetails(id: ids[3], details: #"{"gate":0,"containers":{"h1":"abc123"},"image":"nginx:1.27"}"#)
    try await journal.finishRun(id: ids[3], result: .waiting, finished: instant(191.6))

    // Still running on another coordinator: no end, a step not finished, taken up from a gate
    // (its coordinator and PID those of the process that went on).
    try await journal.startRun(runStart(id: ids[4], hosts: ["h1"], started: instant(240.999)))
    try await journal.finishRun(id: ids[4], result: .waiting, finished: instant(241))
    let runner = ProcessIdentity(machineID: "m-ci-runner-3", bootID: "b-9", pidNamespace: "pid:[4026531836]", pid: 4242, startTime: 99)
    #expect(try await journal.resumeRun(id: ids[4], coordinator: "ci-runner-3", pid: 4242, process: runner))
    _ = try await journal.startStep(run: ids[4], host: "h1", service: "web", step: .replace, started: Date())
    return ids
}

/// Every record of each run in `copy` equals the one in `original`, all but the steps' IDs,
/// which are the copy's own but in the same order; and both read back the same through the
/// journal's ordinary reads. Times are compared to the millisecond, all SQLite keeps (with
/// `exact`, to the bit: an SQLite copy of an SQLite journal reads back the very same dates).
func expectSameRecords(_ copy: Journal, _ original: Journal, ids: [String], exact: Bool = false) async throws {
    #expect(try await copy.runIDs() == ids)
    for id in ids {
        let want = try #require(try await original.wholeRun(id: id)).comparable(exact: exact)
        let got = try #require(try await copy.wholeRun(id: id), "run \(id) is missing from \(copy.path)").comparable(exact: exact)
        #expect(got.start == want.start)
        #expect(got.finished == want.finished)
        #expect(got.result == want.result)
        #expect(got.batches == want.batches)
        #expect(got.outcomes == want.outcomes)
        #expect(got.steps.count == want.steps.count)
        for (gotStep, wantStep) in zip(got.steps, want.steps) {
            var renumbered = wantStep
            renumbered.id = gotStep.id
            #expect(gotStep == renumbered)
        }
        #expect(got.steps.map(\.id) == got.steps.map(\.id).sorted())
        #expect(try await copy.run(id: id)?.comparable(exact: exact) == original.run(id: id)?.comparable(exact: exact))
        #expect(try await copy.changes(run: id).map { $0.comparable(exact: exact) } == original.changes(run: id).map { $0.comparable(exact: exact) })
    }
    #expect(try await copy.runs(limit: 100).map { $0.comparable(exact: exact) } == original.runs(limit: 100).map { $0.comparable(exact: exact) })
}

/// `date` to the nearest millisecond, unless `exact`.
private func millisecond(_ date: Date, exact: Bool) -> Date {
    exact ? date : Date(timeIntervalSince1970: (date.timeIntervalSince1970 * 1000).rounded() / 1000)
}

extension WholeRun {
    fileprivate func comparable(exact: Bool) -> WholeRun {
        var run = self
        run.start.started = millisecond(start.started, exact: exact)
        run.finished = finished.map { millisecond($0, exact: exact) }
        for index in run.batches.indices {
            run.batches[index].started = millisecond(batches[index].started, exact: exact)
            run.batches[index].finished = batches[index].finished.map { millisecond($0, exact: exact) }
        }
        for index in run.steps.indices {
            run.steps[index].started = millisecond(steps[index].started, exact: exact)
            run.steps[index].finished = steps[index].finished.map { millisecond($0, exact: exact) }
        }
        run.outcomes = outcomes.map { $0.comparable(exact: exact) }
        return run
    }
}

extension RunRecord {
    fileprivate func comparable(exact: Bool) -> RunRecord {
        var run = self
        run.started = millisecond(started, exact: exact)
        run.finished = finished.map { millisecond($0, exact: exact) }
        run.hosts = hosts.map { $0.comparable(exact: exact) }
        return run
    }
}

extension HostOutcomeRecord {
    fileprivate func comparable(exact: Bool) -> HostOutcomeRecord {
        var outcome = self
        outcome.at = millisecond(at, exact: exact)
        return outcome
    }
}
