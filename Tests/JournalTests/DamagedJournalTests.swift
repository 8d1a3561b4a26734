import Foundation
import GRDB
import Testing
@testable import Journal

/// A damaged row: the table and column, the SQL value put there, and the words the error has.
struct Damage: Sendable, CustomTestStringConvertible {
    let table: String
    let column: String
    let value: String
    let expected: String

    var testDescription: String { "\(table).\(column) = \(value)" }
}

/// Journals that molt did not write, or whose rows were damaged: each read is a `JournalError`
/// naming the journal and what is wrong, never a crash.
@Suite("Damaged and foreign journals")
struct DamagedJournalTests {
    static let damages: [Damage] = [
        Damage(table: "runs", column: "pid", value: "NULL", expected: "its pid should be an integer, found nothing (NULL)"),
        Damage(table: "runs", column: "pid", value: "'abc'", expected: "its pid should be an integer, found the text 'abc'"),
        Damage(table: "runs", column: "pid", value: "99999999999", expected: "its pid should be an integer, found the integer 99999999999"),
        Damage(table: "runs", column: "id", value: "NULL", expected: "its id should be text, found nothing (NULL)"),
        Damage(table: "runs", column: "started", value: "'yesterday'", expected: "its started should be a date, found the text 'yesterday'"),
        Damage(table: "runs", column: "finished", value: "x'00ff'", expected: "its finished should be a date or nothing, found 2 bytes of binary data"),
        Damage(table: "runs", column: "planned_hosts", value: "'not json'", expected: "its planned_hosts should be a JSON list of host names, found the text 'not json'"),
        Damage(table: "runs", column: "planned_hosts", value: "'{\"a\": 1}'", expected: "its planned_hosts should be a JSON list of host names"),
        Damage(table: "runs", column: "planned_hosts", value: "NULL", expected: "its planned_hosts should be text, found nothing (NULL)"),
        Damage(table: "runs", column: "pid", value: "'\u{1B}[31mred'", expected: "its pid should be an integer, found the text '\\u{1B}[31mred'"),
        Damage(table: "runs", column: "process", value: "'{\"pid\": 1}'", expected: "its process should be a process identity in JSON"),
        Damage(table: "runs", column: "process", value: "'pid 42'", expected: "its process should be a process identity in JSON, found the text 'pid 42'"),
        Damage(table: "outcomes", column: "seconds", value: "'fast'", expected: "its seconds should be a number, found the text 'fast'"),
        Damage(table: "outcomes", column: "host", value: "NULL", expected: "its host should be text, found nothing (NULL)"),
        Damage(table: "outcomes", column: "at", value: "NULL", expected: "its at should be a date, found nothing (NULL)"),
    ]

    @Test("a damaged run or outcome row is an error naming the journal, the row, the column and what is there", arguments: damages)
    func damagedRow(_ damage: Damage) async throws {
        let temporary = try await damagedJournal { db in
            try db.execute(sql: "UPDATE \(damage.table) SET \(damage.column) = \(damage.value)")
        }
        defer { temporary.removeFiles() }
        let journal = try await temporary.open()
        let listing = try await #require(throws: JournalError.self) { try await journal.runs() }
        #expect(listing.code == .damaged)
        #expect(listing.description.hasPrefix("journal \(temporary.path): row 1 of table \(damage.table) is damaged: "), "\(listing)")
        #expect(listing.description.contains(damage.expected), "\(listing)")
        #expect(listing.description.hasSuffix("move the journal aside (molt starts a new one) or delete that row with sqlite3"))
        #expect(!listing.description.contains("\u{1B}"))
        if damage.column != "id" {
            let single = try await #require(throws: JournalError.self) { try await journal.run(id: "20261129T120301-3f9a0c417be25d86") }
            #expect(single == listing)
        }
    }

    @Test("damaged batch and step rows are errors naming the journal")
    func damagedBatchAndStep() async throws {
        let temporary = try await damagedJournal { db in
            try db.execute(sql: "UPDATE batches SET hosts = '[1, 2]'; UPDATE steps SET started = NULL")
        }
        defer { temporary.removeFiles() }
        let journal = try await temporary.open()
        let batches = try await #require(throws: JournalError.self) { try await journal.batches(run: "20261129T120301-3f9a0c417be25d86") }
        #expect(batches.description.hasPrefix("journal \(temporary.path): row 1 of table batches is damaged: its hosts should be a JSON list of host names"))
        let steps = try await #require(throws: JournalError.self) { try await journal.steps(run: "20261129T120301-3f9a0c417be25d86") }
        #expect(steps.description.hasPrefix("journal \(temporary.path): row 1 of table steps is damaged: its started should be a date, found nothing (NULL)"))
    }

    @Test("another program's SQLite database is refused and left untouched")
    func foreignDatabase() async throws {
        let temporary = TemporaryJournal()
        defer { temporary.removeFiles() }
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: temporary.path).deletingLastPathComponent(), withIntermediateDirectories: true)
        try await DatabaseQueue(path: temporary.path).write { db in
            try db.execute(sql: "CREATE TABLE accounts (name TEXT); CREATE TABLE grdb_migrations (identifier TEXT); INSERT INTO grdb_migrations VALUES ('v1')")
        }
        let error = try await #require(throws: JournalError.self) { try await temporary.open() }
        #expect(error.code == .notJournal)
        #expect(error.description == "journal \(temporary.path): this is an SQLite database, but not a molt journal (it holds the tables accounts); molt leaves it as it is: pass --journal PATH to name a molt journal or a new file")
        let tables = try await DatabaseQueue(path: temporary.path).read { db in
            try String.fetchAll(db, sql: "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
        }
        #expect(tables == ["accounts", "grdb_migrations"])
    }

    @Test("a file that is not a database at all is refused, naming the journal")
    func notADatabase() async throws {
        let temporary = TemporaryJournal()
        defer { temporary.removeFiles() }
        try FileManager.default.createDirectory(at: URL(fileURLWithPath: temporary.path).deletingLastPathComponent(), withIntermediateDirectories: true)
        let garbage = Data((0..<8192).map { UInt8(truncatingIfNeeded: $0 &* 7919 &+ 13) })
        try garbage.write(to: URL(fileURLWithPath: temporary.path))
        let error = try await #require(throws: JournalError.self) { try await temporary.open() }
        #expect(error.code == .unopenable)
        #expect(error.description.hasPrefix("journal \(temporary.path): cannot open it as an SQLite journal: "))
        #expect(error.description.hasSuffix("move the file aside or pass --journal PATH"))
        #expect(try Data(contentsOf: URL(fileURLWithPath: temporary.path)) == garbage)
    }

    @Test("a new journal and its -wal and -shm files are readable by their owner only")
    func privateFiles() async throws {
        let temporary = TemporaryJournal()
        defer { temporary.removeFiles() }
        let journal = try await temporary.open()
        try await journal.startRun(runStart(id: "20261129T120301-3f9a0c417be25d86"))
        try withExtendedLifetime(journal) {
            // While the journal is open, SQLite keeps its -wal and -shm files beside it.
            for suffix in ["", "-wal", "-shm"] {
                let mode = try FileManager.default.attributesOfItem(atPath: temporary.path + suffix)[.posixPermissions] as? Int
                #expect(mode == 0o600, "\(temporary.path + suffix)")
            }
        }
    }

    @Test("a directory or a device given as the journal is refused at once, naming it")
    func notAFile() async throws {
        let temporary = TemporaryJournal()
        defer { temporary.removeFiles() }
        try FileManager.default.createDirectory(atPath: temporary.path, withIntermediateDirectories: true)
        let directory = try await #require(throws: JournalError.self) { try await temporary.open() }
        #expect(directory.description == "journal \(temporary.path): is a directory, so it cannot be the journal; pass --journal PATH to name a journal file")
        let clock = ContinuousClock()
        let started = clock.now
        let device = try await #require(throws: JournalError.self) { try await Journal.open(path: "/dev/null") }
        #expect(device.description == "journal /dev/null: is not a regular file, so it cannot be the journal; pass --journal PATH to name a journal file")
        #expect(clock.now - started < .seconds(5), "refused without reading the device")
    }

    /// A journal with one run (one batch, one step, one outcome) whose tables were rebuilt
    /// without their NOT NULL constraints, as a hand edit or another tool might leave them,
    /// and then changed by `damage`.
    private func damagedJournal(_ damage: @escaping @Sendable (Database) throws -> Void) async throws -> TemporaryJournal {
        let temporary = TemporaryJournal()
        let journal = try await temporary.open()
        let id = "20261129T120301-3f9a0c417be25d86"
        try await journal.startRun(runStart(id: id))
        try await journal.startBatch(run: id, index: 1, hosts: ["h1"], started: instant(1))
        try await journal.startStep(run: id, host: "h1", service: "web", step: .replace, started: instant(1))
        try await journal.recordOutcome(outcome(run: id, host: "h1", outcome: "updated"))
        var configuration = Configuration()
        configuration.foreignKeysEnabled = false
        try await DatabaseQueue(path: temporary.path, configuration: configuration).writeWithoutTransaction { db in
            for table in ["runs", "batches", "steps", "outcomes"] {
                try db.execute(sql: "CREATE TABLE loose AS SELECT * FROM \(table); DROP TABLE \(table); ALTER TABLE loose RENAME TO \(table)")
            }
            try damage(db)
        }
        return temporary
    }
}
