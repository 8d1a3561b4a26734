import Dispatch
import Foundation
import GRDB

/// The journal in an SQLite file, the embedded default: written as the run goes, so a
/// coordinator killed mid-run leaves a true record of how far it got.
///
/// Every write is its own committed transaction, nothing is buffered. Two molt processes may
/// write the same journal at once (two playbooks rolling out side by side): the file is in WAL
/// mode and a writer waits up to five seconds for the other rather than failing. That wait, and
/// every other SQLite call, happens on the journal's own dispatch queue, never on a thread of
/// Swift's cooperative pool: callers await it.
final class SQLiteJournal: JournalStore {
    /// The journal file.
    let path: String
    /// This process, as runs record theirs: a run with no end whose process is provably gone
    /// as seen from here reads as `interrupted`.
    let observer: ProcessIdentity
    private let database: DatabaseQueue
    /// Where every SQLite call of this journal runs, one at a time.
    private let queue = DispatchQueue(label: "molt.journal.sqlite")

    var location: String { path }

    /// Nothing to do: the file is closed with the last reference to the journal.
    func close() async {}

    /// How long a writer waits for another molt process holding the journal.
    static let busyTimeout: TimeInterval = 5

    private init(path: String, observer: ProcessIdentity, database: DatabaseQueue) {
        self.path = path
        self.observer = observer
        self.database = database
    }

    /// Opens the journal at `path`, creating it and its missing parent directories (mode 0700),
    /// and brings its tables up to this molt's version; see ``Journal/open(path:observer:)``.
    ///
    /// Blocks its thread (file system, SQLite's busy wait): callers run it off the
    /// cooperative pool.
    ///
    /// - Parameter existing: only open a journal that is already there (what a copy reads
    ///   from): a missing file, an empty one or a database without molt's tables is refused
    ///   and nothing is created.
    static func openBlocking(path: String, observer: ProcessIdentity, existing: Bool = false) throws -> SQLiteJournal {
        if existing { try checkExisting(path: path) }
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent().path
        if !FileManager.default.fileExists(atPath: directory) {
            do {
                try FileManager.default.createDirectory(
                    atPath: directory, withIntermediateDirectories: true,
                    attributes: [.posixPermissions: 0o700])
            } catch {
                throw JournalError(
                    path: path, code: .unopenable,
                    message: "cannot create the directory \(directory): \(error.localizedDescription); "
                        + "pass --journal PATH to put the journal elsewhere")
            }
        }
        // SQLite on a directory or a device fails slowly (a busy wait on /dev/null) or oddly.
        if let type = (try? FileManager.default.attributesOfItem(atPath: path))?[.type] as? FileAttributeType,
            type != .typeRegular
        {
            let what = type == .typeDirectory ? "a directory" : "not a regular file"
            throw JournalError(
                path: path, code: .unopenable,
                message: "is \(what), so it cannot be the journal; pass --journal PATH to name a journal file")
        }
        PrivateFile.create(path)
        // Switching a brand-new file to WAL and creating its tables can collide with another
        // molt doing the same, and SQLite reports some of those collisions at once instead of
        // waiting: open again until the busy timeout runs out.
        let deadline = Date().addingTimeInterval(busyTimeout)
        while true {
            do {
                let database = try openDatabase(path: path, existing: existing)
                return SQLiteJournal(path: path, observer: observer, database: database)
            } catch let error as DatabaseError
                where (error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED) && Date() < deadline
            {
                Thread.sleep(forTimeInterval: 0.02)
            } catch let error as DatabaseError {
                throw JournalError(
                    path: path, code: .unopenable,
                    message: "cannot open it as an SQLite journal: \(error.message ?? "\(error)"); "
                        + "move the file aside or pass --journal PATH")
            }
        }
    }

    // MARK: Writing a run as it goes

    /// Records that a run began.
    func startRun(_ run: RunStart) async throws {
        try await write("record the start of run \(run.id)") { db in
            try db.execute(
                sql: """
                    INSERT INTO runs (id, command, playbook, playbook_path, user, coordinator, pid, process,
                                      started, planned_hosts, details)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    run.id, run.command, run.playbookName, run.playbookPath, run.user,
                    run.coordinator, run.pid, run.process?.journalText, run.started, try HostList.text(run.hosts),
                    run.details,
                ])
        }
    }

    /// Records how a run ended: `succeeded`, `rolledback`, `paused`, `partial`, `failed` or
    /// `interrupted`.
    func finishRun(id: String, result: String, finished: Date) async throws {
        try await write("record the end of run \(id)") { [self] db in
            try db.execute(
                sql: "UPDATE runs SET finished = ?, result = ? WHERE id = ?",
                arguments: [finished, result, id])
            try expectChange(db, "no run \(id)")
        }
    }

    /// Replaces the run's details (JSON text): what a run waiting at a gate needs to go on.
    func setDetails(id: String, details: String?) async throws {
        try await write("record the details of run \(id)") { [self] db in
            try db.execute(sql: "UPDATE runs SET details = ? WHERE id = ?", arguments: [details, id])
            try expectChange(db, "no run \(id)")
        }
    }

    /// Takes up a run waiting at a gate (`molt promote`, `molt abort`): its result is cleared,
    /// with the process that goes on. False, changing nothing, when the run is not waiting,
    /// so two coordinators cannot both take it up.
    func resumeRun(id: String, coordinator: String, pid: Int32, process: ProcessIdentity) async throws -> Bool {
        try await write("take up run \(id)") { db in
            try db.execute(
                sql: """
                    UPDATE runs SET result = NULL, finished = NULL, coordinator = ?, pid = ?, process = ?
                    WHERE id = ? AND result = 'waiting'
                    """,
                arguments: [coordinator, pid, process.journalText, id])
            return db.changesCount == 1
        }
    }

    /// Records that batch `index` (from 1) of a run began, with its hosts.
    func startBatch(run: String, index: Int, hosts: [String], started: Date) async throws {
        try await write("record the start of batch \(index) of run \(run)") { db in
            try db.execute(
                sql: "INSERT INTO batches (run, idx, hosts, started) VALUES (?, ?, ?, ?)",
                arguments: [run, index, try HostList.text(hosts), started])
        }
    }

    /// Records that batch `index` of a run ended.
    func finishBatch(run: String, index: Int, finished: Date) async throws {
        try await write("record the end of batch \(index) of run \(run)") { [self] db in
            try db.execute(
                sql: "UPDATE batches SET finished = ? WHERE run = ? AND idx = ?",
                arguments: [finished, run, index])
            try expectChange(db, "no batch \(index) in run \(run)")
        }
    }

    /// Records that a step began, its kind as ``StepRecord/Kind/rawValue`` writes it.
    ///
    /// - Returns: the step's ID, for ``finishStep(id:finished:outcome:detail:)``.
    func startStep(
        run: String, host: String, service: String, step: String, started: Date
    ) async throws -> Int64 {
        try await write("record step \(step) of \(service) on \(host) in run \(run)") { db in
            try db.execute(
                sql: "INSERT INTO steps (run, host, service, step, started) VALUES (?, ?, ?, ?, ?)",
                arguments: [run, host, service, step, started])
            return db.lastInsertedRowID
        }
    }

    /// Records how a step ended (``StepRecord/Outcome/rawValue``), with error text or log lines.
    func finishStep(id: Int64, finished: Date, outcome: String, detail: String?) async throws {
        try await write("record the end of step \(id)") { [self] db in
            try db.execute(
                sql: "UPDATE steps SET finished = ?, outcome = ?, detail = ? WHERE id = ?",
                arguments: [finished, outcome, detail, id])
            try expectChange(db, "no step \(id)")
        }
    }

    /// Records how one service on one host ended in a run.
    func recordOutcome(_ outcome: HostOutcomeRecord) async throws {
        try await write("record the outcome of \(outcome.service) on \(outcome.host) in run \(outcome.run)") { db in
            try db.execute(
                sql: """
                    INSERT INTO outcomes (run, host, service, container, from_image, to_image,
                                          outcome, seconds, error, previous_container, at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    outcome.run, outcome.host, outcome.service, outcome.container, outcome.from,
                    outcome.to, outcome.outcome, outcome.seconds, outcome.error,
                    outcome.previousContainer, outcome.at,
                ])
        }
    }

    // MARK: Reading

    /// The latest runs, newest first, each with its host outcomes.
    func runs(limit: Int = 20) async throws -> [RunRecord] {
        try await read("read the runs") { [self] db in
            try Row.fetchAll(
                db, sql: "SELECT rowid AS journal_row, * FROM runs ORDER BY started DESC, id DESC LIMIT ?",
                arguments: [limit]
            ).map { try runRecord($0, db) }
        }
    }

    /// The run with this ID, or with this unique ID prefix; nil when none matches.
    ///
    /// - Throws: ``JournalError/Code/ambiguousRunID`` naming the candidates when a prefix
    ///   matches several runs.
    func run(id: String) async throws -> RunRecord? {
        guard !id.isEmpty else { return nil }
        return try await read("read run \(id)") { [self] db in
            if let row = try Row.fetchOne(db, sql: "SELECT rowid AS journal_row, * FROM runs WHERE id = ?", arguments: [id]) {
                return try runRecord(row, db)
            }
            let shown = 10
            let candidates = try String.fetchAll(
                db, sql: "SELECT id FROM runs WHERE substr(id, 1, ?) = ? ORDER BY id DESC LIMIT ?",
                arguments: [id.utf8.count, id, shown + 1])
            guard candidates.count <= 1 else {
                let list = candidates.prefix(shown).joined(separator: ", ")
                    + (candidates.count > shown ? ", …" : "")
                throw JournalError(
                    path: path, code: .ambiguousRunID,
                    message: "run ID \(id) matches several runs (\(list)); give more of the ID")
            }
            guard let match = candidates.first,
                let row = try Row.fetchOne(db, sql: "SELECT rowid AS journal_row, * FROM runs WHERE id = ?", arguments: [match])
            else { return nil }
            return try runRecord(row, db)
        }
    }

    /// A run's batches, in order.
    func batches(run: String) async throws -> [BatchRecord] {
        try await read("read the batches of run \(run)") { [self] db in try batches(db, run: run) }
    }

    /// A run's steps, in the order they began.
    func steps(run: String) async throws -> [StepRecord] {
        try await read("read the steps of run \(run)") { [self] db in try steps(db, run: run) }
    }

    /// What a run changed: its `updated` outcomes, which `molt rollback --run ID` undoes.
    func changes(run: String) async throws -> [HostOutcomeRecord] {
        try await read("read the changes of run \(run)") { [self] db in
            try outcomes(db, run: run, only: "updated")
        }
    }

    // MARK: Copying whole runs

    /// Every run's ID, oldest first (by start, then ID).
    func runIDs() async throws -> [String] {
        try await read("read the run IDs") { db in
            try String.fetchAll(db, sql: "SELECT id FROM runs ORDER BY started, id")
        }
    }

    /// The run with exactly this ID and all its records, as recorded; nil when none.
    func wholeRun(id: String) async throws -> WholeRun? {
        try await read("read run \(id)") { [self] db in
            guard let row = try Row.fetchOne(db, sql: "SELECT rowid AS journal_row, * FROM runs WHERE id = ?", arguments: [id])
            else { return nil }
            let fields = JournalRow(row: row, table: "runs", path: path)
            return WholeRun(
                start: try RunStart(fields: fields), finished: try fields.optionalDate("finished"), result: try fields.recordedResult,
                batches: try batches(db, run: id), steps: try steps(db, run: id), outcomes: try outcomes(db, run: id, only: nil))
        }
    }

    /// Writes a whole run in one transaction; false, writing nothing, when its ID is already
    /// here. Dates are written to the millisecond, as SQLite keeps them (see ``stored(_:)``).
    func importRun(_ run: WholeRun) async throws -> Bool {
        try await write("copy run \(run.id) into the journal") { db in
            let start = run.start
            try db.execute(
                sql: """
                    INSERT INTO runs (id, command, playbook, playbook_path, user, coordinator, pid, process, started,
                                      finished, result, planned_hosts, details)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (id) DO NOTHING
                    """,
                arguments: [
                    start.id, start.command, start.playbookName, start.playbookPath, start.user, start.coordinator,
                    start.pid, start.process?.journalText, Self.stored(start.started), run.finished.map(Self.stored), run.result?.rawValue,
                    try HostList.text(start.hosts), start.details,
                ])
            guard db.changesCount == 1 else { return false }
            let batch = try db.cachedStatement(sql: "INSERT INTO batches (run, idx, hosts, started, finished) VALUES (?, ?, ?, ?, ?)")
            for record in run.batches {
                try batch.execute(arguments: [
                    start.id, record.index, try HostList.text(record.hosts), Self.stored(record.started),
                    record.finished.map(Self.stored),
                ])
            }
            let step = try db.cachedStatement(
                sql: "INSERT INTO steps (run, host, service, step, started, finished, outcome, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
            for record in run.steps {
                try step.execute(arguments: [
                    start.id, record.host, record.service, record.step.rawValue, Self.stored(record.started),
                    record.finished.map(Self.stored), record.outcome?.rawValue, record.detail,
                ])
            }
            let outcome = try db.cachedStatement(
                sql: """
                    INSERT INTO outcomes (run, host, service, container, from_image, to_image, outcome, seconds, error,
                                          previous_container, at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """)
            for record in run.outcomes {
                try outcome.execute(arguments: [
                    start.id, record.host, record.service, record.container, record.from, record.to, record.outcome,
                    record.seconds, record.error, record.previousContainer, Self.stored(record.at),
                ])
            }
            return true
        }
    }

    /// `date` in GRDB's stored form (`YYYY-MM-DD HH:MM:SS.SSS`, UTC), cut to its millisecond as
    /// molt's JSON shows it, with integer arithmetic after rounding to the microsecond: a date
    /// read back from this file may sit a hair below its millisecond, and one from PostgreSQL
    /// (which keeps microseconds) must show the same millisecond here as there.
    static func stored(_ date: Date) -> String {
        let microseconds = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let milliseconds = microseconds >= 0 ? microseconds / 1000 : (microseconds - 999) / 1000
        let (seconds, fraction) = (milliseconds.quotientAndRemainder(dividingBy: 1000))
        let whole = fraction < 0 ? seconds - 1 : seconds
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let c = calendar.dateComponents(
            [.year, .month, .day, .hour, .minute, .second], from: Date(timeIntervalSince1970: TimeInterval(whole)))
        return String(
            format: "%04d-%02d-%02d %02d:%02d:%02d.%03d", c.year ?? 0, c.month ?? 0, c.day ?? 0, c.hour ?? 0,
            c.minute ?? 0, c.second ?? 0, Int((fraction + 1000) % 1000))
    }

    // MARK: Internals

    /// The tables the journal holds, for tests of the schema.
    func tableNames() async throws -> [String] {
        try await read("read the schema") { db in
            try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        }
    }

    func migrations() async throws -> [String] {
        try await read("read the schema version") { db in
            try String.fetchAll(db, sql: "SELECT identifier FROM grdb_migrations ORDER BY identifier")
        }
    }

    /// A WAL-mode connection with a busy timeout, its tables migrated.
    private static func openDatabase(path: String, existing: Bool) throws -> DatabaseQueue {
        var configuration = Configuration()
        configuration.label = "molt.journal"
        configuration.journalMode = .wal
        configuration.busyMode = .timeout(busyTimeout)
        let database = try DatabaseQueue(path: path, configuration: configuration)
        // GRDB's WAL setup picks NORMAL; FULL also survives a power cut, and a journal
        // commits rarely enough for the extra fsync not to matter.
        try database.writeWithoutTransaction { try $0.execute(sql: "PRAGMA synchronous = FULL") }
        try checkOwnership(database, path: path, existing: existing)
        let migrator = JournalSchema.migrator
        do {
            try migrator.migrate(database)
        } catch let error as DatabaseError where error.resultCode == .SQLITE_ERROR {
            // Another process created the same tables between our look and our write; each
            // migration is atomic, so a second pass sees them and does nothing.
            try migrator.migrate(database)
        }
        return database
    }

    /// Runs `body` in its own immediate transaction on the journal's queue and commits it: the
    /// write is on disk when this returns, and a second writer waits for the busy timeout
    /// instead of failing.
    private func write<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await BlockingWork.run(on: queue) { try self.writeNow(what, body) }
    }

    /// Runs `body` in a read transaction on the journal's queue.
    private func read<T: Sendable>(_ what: String, _ body: @escaping @Sendable (Database) throws -> T) async throws -> T {
        try await BlockingWork.run(on: queue) { try self.readNow(what, body) }
    }

    private func writeNow<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        do {
            let result: T? = try database.writeWithoutTransaction { db in
                var result: T?
                try db.inTransaction(.immediate) {
                    result = try body(db)
                    return .commit
                }
                return result
            }
            guard let result else {
                throw JournalError(path: path, code: .storage, message: "cannot \(what): SQLite ended the write without running it")
            }
            return result
        } catch let error as DatabaseError {
            throw journalError(error, while: what)
        }
    }

    private func readNow<T>(_ what: String, _ body: (Database) throws -> T) throws -> T {
        do {
            return try database.read(body)
        } catch let error as DatabaseError {
            throw journalError(error, while: what)
        }
    }

    private func expectChange(_ db: Database, _ missing: String) throws {
        if db.changesCount == 0 {
            throw JournalError(path: path, code: .unknownRecord, message: "\(missing) in the journal")
        }
    }

    private func journalError(_ error: DatabaseError, while what: String) -> JournalError {
        let sqlite = error.message ?? "\(error.resultCode)"
        switch error.extendedResultCode {
        case .SQLITE_CONSTRAINT_FOREIGNKEY:
            return JournalError(
                path: path, code: .unknownRecord,
                message: "cannot \(what): its run is not in the journal")
        case .SQLITE_CONSTRAINT_PRIMARYKEY, .SQLITE_CONSTRAINT_UNIQUE:
            return JournalError(
                path: path, code: .storage, message: "cannot \(what): it is already recorded (\(sqlite))")
        default:
            break
        }
        if error.resultCode == .SQLITE_BUSY || error.resultCode == .SQLITE_LOCKED {
            return JournalError(
                path: path, code: .storage,
                message: "cannot \(what): another process held the journal for over "
                    + "\(Int(Self.busyTimeout)) s (\(sqlite)); retry, or pass --journal PATH")
        }
        return JournalError(path: path, code: .storage, message: "cannot \(what): \(sqlite)")
    }

    private func runRecord(_ row: Row, _ db: Database) throws -> RunRecord {
        let fields = JournalRow(row: row, table: "runs", path: path)
        return try RunRecord(fields: fields, observer: observer, hosts: try outcomes(db, run: try fields.text("id"), only: nil))
    }

    private func batches(_ db: Database, run: String) throws -> [BatchRecord] {
        try Row.fetchAll(db, sql: "SELECT rowid AS journal_row, * FROM batches WHERE run = ? ORDER BY idx", arguments: [run])
            .map { try BatchRecord(fields: JournalRow(row: $0, table: "batches", path: path)) }
    }

    private func steps(_ db: Database, run: String) throws -> [StepRecord] {
        try Row.fetchAll(db, sql: "SELECT rowid AS journal_row, * FROM steps WHERE run = ? ORDER BY id", arguments: [run])
            .map { try StepRecord(fields: JournalRow(row: $0, table: "steps", path: path)) }
    }

    private func outcomes(_ db: Database, run: String, only outcome: String?) throws -> [HostOutcomeRecord] {
        let filter = outcome == nil ? "" : " AND outcome = ?"
        var arguments: StatementArguments = [run]
        if let outcome { arguments += [outcome] }
        return try Row.fetchAll(
            db, sql: "SELECT rowid AS journal_row, * FROM outcomes WHERE run = ?\(filter) ORDER BY id", arguments: arguments
        ).map { try HostOutcomeRecord(fields: JournalRow(row: $0, table: "outcomes", path: path)) }
    }


    /// Refuses a database that holds tables but not molt's first migration: another program's
    /// data, which migrating would change.
    /// With `existing`, also refuses a database that holds no tables: it is no journal yet.
    private static func checkOwnership(_ database: DatabaseQueue, path: String, existing: Bool) throws {
        let tables = try database.read { db in
            try String.fetchAll(
                db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name")
        }
        let others = tables.filter { $0 != "grdb_migrations" }
        if others.isEmpty && existing { throw notAJournalYet(path) }
        guard !others.isEmpty else { return }
        let migrated = try tables.contains("grdb_migrations") && database.read { db in
            try Bool.fetchOne(
                db, sql: "SELECT EXISTS (SELECT 1 FROM grdb_migrations WHERE identifier = ?)",
                arguments: [JournalSchema.firstMigration]) ?? false
        }
        guard !migrated else { return }
        let shown = others.prefix(5).joined(separator: ", ") + (others.count > 5 ? ", …" : "")
        throw JournalError(
            path: path, code: .notJournal,
            message: "this is an SQLite database, but not a molt journal (it holds the tables \(shown)); "
                + "molt leaves it as it is: pass --journal PATH to name a molt journal or a new file")
    }

    /// Refuses, before anything is opened or created, a journal that is not there yet.
    private static func checkExisting(path: String) throws {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: path) else {
            throw JournalError(
                path: path, code: .unopenable,
                message: "there is no such file; name the SQLite file of an existing journal")
        }
        if attributes[.type] as? FileAttributeType == .typeRegular, (attributes[.size] as? Int) == 0 {
            throw notAJournalYet(path)
        }
    }

    private static func notAJournalYet(_ path: String) -> JournalError {
        JournalError(
            path: path, code: .notJournal,
            message: "this is not a molt journal (it holds none of its tables); name the SQLite file of an existing journal")
    }
}
