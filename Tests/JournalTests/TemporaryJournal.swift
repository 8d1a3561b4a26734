import Foundation
import Logging
import NIOPosix
import PostgresNIO
import Synchronization
import Testing
@testable import Journal

/// Where a test's journal lives: every journal test case runs against each backend.
enum JournalBackend: String, Sendable, CaseIterable, CustomTestStringConvertible {
    case sqlite
    case postgres

    /// The backends to test: SQLite always, PostgreSQL when `MOLT_TEST_POSTGRES` names a
    /// server (`scripts/lab journal up` prints one); ``TestPostgres/notConfigured`` records the skip.
    static var tested: [JournalBackend] { TestPostgres.url == nil ? [.sqlite] : [.sqlite, .postgres] }

    var testDescription: String { rawValue }
}

/// The PostgreSQL server tests use: `MOLT_TEST_POSTGRES`, a `postgres://` URL whose user may
/// create databases. Each test gets a database of its own, dropped at its end.
enum TestPostgres {
    static var url: String? {
        ProcessInfo.processInfo.environment["MOLT_TEST_POSTGRES"].flatMap { $0.isEmpty ? nil : $0 }
    }

    struct NotConfigured: Error, CustomStringConvertible {
        var description: String { "MOLT_TEST_POSTGRES is not a postgres:// URL" }
    }

    private static func configured() throws -> String {
        guard let url, Journal.isServer(url) else { throw NotConfigured() }
        return url
    }

    /// Runs `sql` on the server's own database (statements that cannot run in a transaction,
    /// such as `CREATE DATABASE`).
    static func administer(_ sql: String, database: String? = nil) async throws {
        let server = try PostgresLocation(try configured(), environment: ProcessInfo.processInfo.environment)
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(),
            configuration: PostgresConnection.Configuration(
                host: server.host, port: server.port, username: server.user, password: server.password,
                database: database ?? server.database, tls: .disable),
            id: 1, logger: Logger(label: "molt.tests.postgres"))
        do {
            try await connection.query(PostgresQuery(unsafeSQL: sql), logger: Logger(label: "molt.tests.postgres"))
        } catch {
            try? await connection.close()
            throw error
        }
        try await connection.close()
    }

    /// The certificate authority of the test server's TLS certificate (`scripts/lab journal ca`).
    static var authority: String? {
        ProcessInfo.processInfo.environment["MOLT_TEST_POSTGRES_CA"].flatMap { $0.isEmpty ? nil : $0 }
    }

    /// The PIDs of the server processes serving connections to `database` (others than the
    /// one asking); only those whose connection is encrypted, or is not, when `encrypted` says.
    static func backends(of database: String, encrypted: Bool? = nil) async throws -> [Int32] {
        let server = try PostgresLocation(try configured(), environment: ProcessInfo.processInfo.environment)
        let logger = Logger(label: "molt.tests.postgres")
        let connection = try await PostgresConnection.connect(
            on: MultiThreadedEventLoopGroup.singleton.any(),
            configuration: PostgresConnection.Configuration(
                host: server.host, port: server.port, username: server.user, password: server.password,
                database: server.database, tls: .disable),
            id: 1, logger: logger)
        do {
            let rows = try await connection.query(
                """
                SELECT a.pid FROM pg_stat_activity a JOIN pg_stat_ssl s ON s.pid = a.pid
                WHERE a.datname = \(database) AND a.pid <> pg_backend_pid() AND (\(encrypted)::boolean IS NULL OR s.ssl = \(encrypted))
                """, logger: logger
            ).collect()
            try await connection.close()
            return try rows.map { try $0.makeRandomAccess()["pid"].decode(Int32.self) }
        } catch {
            try? await connection.close()
            throw error
        }
    }

    /// `MOLT_TEST_POSTGRES`'s URL naming `database` instead of its own.
    static func url(database: String) throws -> String {
        guard var components = URLComponents(string: try configured()) else { throw NotConfigured() }
        components.path = "/" + database
        guard let text = components.string else { throw NotConfigured() }
        return text
    }
}

/// A journal of its own for one test: an SQLite file in a directory of its own under the
/// system's temporary directory, or a fresh database on the test PostgreSQL server. Use it
/// through ``withTemporaryJournal(_:_:)``, which removes it (and closes what it opened).
final class TemporaryJournal: Sendable {
    let backend: JournalBackend
    let directory: URL
    /// The SQLite file (the journal's location when the backend is SQLite).
    let path: String
    /// The PostgreSQL database's name.
    let database: String
    private let opened = Mutex<[Journal]>([])

    init(_ backend: JournalBackend = .sqlite) {
        self.backend = backend
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("molt-journal-tests-\(UUID().uuidString)")
        path = directory.appendingPathComponent("state/molt/journal.sqlite").path
        database = "molt_test_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
    }

    /// What `--journal` would say for this journal: the file, or the database's URL.
    func location() throws -> String {
        backend == .sqlite ? path : try TestPostgres.url(database: database)
    }

    /// Opens the journal; every journal opened is closed by ``remove()``.
    func open(observer: ProcessIdentity = .current) async throws -> Journal {
        let journal = try await Journal.open(try location(), observer: observer, environment: ProcessInfo.processInfo.environment)
        opened.withLock { $0.append(journal) }
        return journal
    }

    func create() async throws {
        if backend == .postgres { try await TestPostgres.administer("CREATE DATABASE \(database)") }
    }

    func remove() async {
        for journal in opened.withLock({ $0 }) { await journal.close() }
        removeFiles()
        if backend == .postgres { try? await TestPostgres.administer("DROP DATABASE IF EXISTS \(database) WITH (FORCE)") }
    }
}

extension TemporaryJournal {
    /// Removes an SQLite journal's directory: all an SQLite-only test needs to clean up.
    func removeFiles() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// Runs `body` with a new journal of `backend`, removed afterwards whether `body` threw or not.
func withTemporaryJournal<T>(_ backend: JournalBackend = .sqlite, _ body: (TemporaryJournal) async throws -> T) async throws -> T {
    let temporary = TemporaryJournal(backend)
    do {
        try await temporary.create()
        let value = try await body(temporary)
        await temporary.remove()
        return value
    } catch {
        await temporary.remove()
        throw error
    }
}

/// A fixed instant with whole milliseconds, which the journal keeps exactly.
func instant(_ seconds: Double) -> Date {
    Date(timeIntervalSince1970: 1_795_953_781 + seconds)  // 2026-11-29T12:03:01Z + seconds
}

func runStart(
    id: String, playbook: String = "web", hosts: [String] = ["h1", "h2"],
    coordinator: String = ProcessInfo.processInfo.hostName,
    pid: Int32 = ProcessInfo.processInfo.processIdentifier, process: ProcessIdentity? = .current,
    started: Date = instant(0)
) -> RunStart {
    RunStart(
        id: id, command: "rollout", playbookName: playbook, playbookPath: "playbooks/\(playbook).yml",
        user: "ops", coordinator: coordinator, pid: pid, process: process, started: started, hosts: hosts,
        details: #"{"image":"nginx:1.27"}"#)
}

func outcome(
    run: String, host: String, outcome: String, from: String? = "nginx:1.26", to: String? = "nginx:1.27",
    error: String? = nil, at: Date = instant(10)
) -> HostOutcomeRecord {
    HostOutcomeRecord(
        run: run, host: host, service: "web", container: "web", from: from, to: to, outcome: outcome,
        seconds: 4.5, error: error, previousContainer: outcome == "updated" ? "web.molt-prev" : nil, at: at)
}

/// The PID of a process that has exited and been reaped: no process has it now.
func deadPID() throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/true")
    try process.run()
    process.waitUntilExit()
    return process.processIdentifier
}
