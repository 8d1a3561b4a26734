import Durations
import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO
import Synchronization

/// The journal on a PostgreSQL server, which several coordinators share (SPEC §11).
///
/// One connection, used by one call at a time (``SerialAccess``); every write is one committed
/// statement or transaction, so two coordinators writing at once never mix a record, and run
/// IDs (64 random bits) and the server's identity columns keep every key unique. All I/O is
/// SwiftNIO's: nothing blocks a thread of the cooperative pool.
final class PostgresJournal: JournalStore {
    let server: PostgresLocation
    let observer: ProcessIdentity
    private let connection: PostgresConnection
    private let access = SerialAccess()
    private let logger: Logger
    /// Why the server is no longer used, once a call outlived ``patience``.
    private let silence = Mutex<String?>(nil)

    /// How long one call (its turn on the connection included) waits for the server. Past it
    /// the connection is closed and every later call fails at once: a server gone silent
    /// mid-run must not hold the run with it (SPEC §11).
    @TaskLocal static var patience: Duration = .seconds(20)

    var location: String { server.description }

    private init(server: PostgresLocation, observer: ProcessIdentity, connection: PostgresConnection, logger: Logger) {
        self.server = server
        self.observer = observer
        self.connection = connection
        self.logger = logger
    }

    /// Connects, refuses a database that holds another program's tables, and brings the
    /// journal's tables up to this molt's version under an advisory lock, so coordinators
    /// opening a new journal at once migrate it once. With `existing`, a database that holds no
    /// journal yet is refused, and nothing is created in it.
    static func open(_ server: PostgresLocation, observer: ProcessIdentity, existing: Bool = false) async throws -> PostgresJournal {
        var logger = Logger(label: "molt.journal.postgres")
        logger.logLevel = .critical
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(
                on: MultiThreadedEventLoopGroup.singleton.any(), configuration: try configuration(server), id: 1, logger: logger)
        } catch {
            throw JournalError(
                path: server.description, code: .unopenable,
                message: "cannot connect: \(describe(error)); check the server, the user and the password "
                    + "(from the URL, PGPASSWORD or ~/.pgpass), or pass --journal PATH for an SQLite journal")
        }
        let journal = PostgresJournal(server: server, observer: observer, connection: connection, logger: logger)
        do {
            try await journal.migrate(existing: existing)
        } catch {
            try? await connection.close()
            if let error = error as? JournalError { throw error }
            if let error = (error as? PostgresTransactionError)?.closureError as? JournalError { throw error }
            throw JournalError(path: server.description, code: .unopenable, message: "cannot create or migrate the journal's tables: \(describe(error))")
        }
        return journal
    }

    /// Closes the connection; a journal let go without this closes it as it goes.
    func close() async {
        try? await connection.close()
    }

    deinit {
        // The connection must be closed before it goes (postgres-nio checks): it is kept
        // until its channel has closed on the event loop.
        let connection = self.connection
        connection.close().whenComplete { _ in withExtendedLifetime(connection) {} }
    }

    // MARK: Writing

    func startRun(_ run: RunStart) async throws {
        let hosts = try HostList.text(run.hosts)
        try await write("record the start of run \(run.id)") { connection, logger in
            _ = try await connection.query(
                """
                INSERT INTO runs (id, command, playbook, playbook_path, "user", coordinator, pid, process, started,
                                  planned_hosts, details)
                VALUES (\(run.id), \(run.command), \(run.playbookName), \(run.playbookPath), \(run.user), \(run.coordinator),
                        \(run.pid), \(run.process?.journalText), \(run.started), \(hosts), \(run.details))
                """, logger: logger)
        }
    }

    func finishRun(id: String, result: String, finished: Date) async throws {
        try await changeOne("record the end of run \(id)", missing: "no run \(id)",
                            "UPDATE runs SET finished = \(finished), result = \(result) WHERE id = \(id) RETURNING 1")
    }

    func setDetails(id: String, details: String?) async throws {
        try await changeOne("record the details of run \(id)", missing: "no run \(id)",
                            "UPDATE runs SET details = \(details) WHERE id = \(id) RETURNING 1")
    }

    func resumeRun(id: String, coordinator: String, pid: Int32, process: ProcessIdentity) async throws -> Bool {
        try await write("take up run \(id)") { connection, logger in
            let rows = try await connection.query(
                """
                UPDATE runs SET result = NULL, finished = NULL, coordinator = \(coordinator), pid = \(pid),
                                process = \(process.journalText)
                WHERE id = \(id) AND result = 'waiting' RETURNING 1
                """, logger: logger
            ).collect()
            return rows.count == 1
        }
    }

    func startBatch(run: String, index: Int, hosts: [String], started: Date) async throws {
        let list = try HostList.text(hosts)
        try await write("record the start of batch \(index) of run \(run)") { connection, logger in
            _ = try await connection.query(
                "INSERT INTO batches (run, idx, hosts, started) VALUES (\(run), \(index), \(list), \(started))", logger: logger)
        }
    }

    func finishBatch(run: String, index: Int, finished: Date) async throws {
        try await changeOne("record the end of batch \(index) of run \(run)", missing: "no batch \(index) in run \(run)",
                            "UPDATE batches SET finished = \(finished) WHERE run = \(run) AND idx = \(index) RETURNING 1")
    }

    func startStep(run: String, host: String, service: String, step: String, started: Date) async throws -> Int64 {
        try await write("record step \(step) of \(service) on \(host) in run \(run)") { connection, logger in
            let rows = try await connection.query(
                """
                INSERT INTO steps (run, host, service, step, started) VALUES (\(run), \(host), \(service), \(step), \(started))
                RETURNING id
                """, logger: logger
            ).collect()
            guard let row = rows.first else {
                throw JournalError(path: self.location, code: .storage, message: "cannot record step \(step): the server returned no ID")
            }
            return try row.makeRandomAccess()["id"].decode(Int64.self)
        }
    }

    func finishStep(id: Int64, finished: Date, outcome: String, detail: String?) async throws {
        try await changeOne("record the end of step \(id)", missing: "no step \(id)",
                            "UPDATE steps SET finished = \(finished), outcome = \(outcome), detail = \(detail) WHERE id = \(id) RETURNING 1")
    }

    func recordOutcome(_ outcome: HostOutcomeRecord) async throws {
        try await write("record the outcome of \(outcome.service) on \(outcome.host) in run \(outcome.run)") { connection, logger in
            _ = try await connection.query(
                """
                INSERT INTO outcomes (run, host, service, container, from_image, to_image, outcome, seconds, error,
                                      previous_container, at)
                VALUES (\(outcome.run), \(outcome.host), \(outcome.service), \(outcome.container), \(outcome.from),
                        \(outcome.to), \(outcome.outcome), \(outcome.seconds), \(outcome.error), \(outcome.previousContainer),
                        \(outcome.at))
                """, logger: logger)
        }
    }

    // MARK: Reading

    func runs(limit: Int) async throws -> [RunRecord] {
        try await read("read the runs") { connection, logger in
            let rows = try await connection.query(
                "SELECT * FROM runs ORDER BY started DESC, id DESC LIMIT \(limit)", logger: logger
            ).collect()
            var records: [RunRecord] = []
            for row in rows { records.append(try await self.runRecord(row, connection, logger)) }
            return records
        }
    }

    func run(id: String) async throws -> RunRecord? {
        guard !id.isEmpty else { return nil }
        return try await read("read run \(id)") { connection, logger in
            if let row = try await connection.query("SELECT * FROM runs WHERE id = \(id)", logger: logger).collect().first {
                return try await self.runRecord(row, connection, logger)
            }
            let shown = 10
            let candidates = try await connection.query(
                "SELECT id FROM runs WHERE starts_with(id, \(id)) ORDER BY id DESC LIMIT \(shown + 1)", logger: logger
            ).collect().map { try $0.makeRandomAccess()["id"].decode(String.self) }
            guard candidates.count <= 1 else {
                let list = candidates.prefix(shown).joined(separator: ", ") + (candidates.count > shown ? ", …" : "")
                throw JournalError(
                    path: self.location, code: .ambiguousRunID,
                    message: "run ID \(id) matches several runs (\(list)); give more of the ID")
            }
            guard let match = candidates.first,
                let row = try await connection.query("SELECT * FROM runs WHERE id = \(match)", logger: logger).collect().first
            else { return nil }
            return try await self.runRecord(row, connection, logger)
        }
    }

    func batches(run: String) async throws -> [BatchRecord] {
        try await read("read the batches of run \(run)") { connection, logger in
            try await self.batches(connection, logger, run: run)
        }
    }

    func steps(run: String) async throws -> [StepRecord] {
        try await read("read the steps of run \(run)") { connection, logger in
            try await self.steps(connection, logger, run: run)
        }
    }

    func changes(run: String) async throws -> [HostOutcomeRecord] {
        try await read("read the changes of run \(run)") { connection, logger in
            try await self.outcomes(connection, logger, run: run, only: "updated")
        }
    }

    // MARK: Copying whole runs

    func runIDs() async throws -> [String] {
        try await read("read the run IDs") { connection, logger in
            try await connection.query("SELECT id FROM runs ORDER BY started, id", logger: logger)
                .collect().map { try $0.makeRandomAccess()["id"].decode(String.self) }
        }
    }

    func wholeRun(id: String) async throws -> WholeRun? {
        try await read("read run \(id)") { connection, logger in
            guard let row = try await connection.query("SELECT * FROM runs WHERE id = \(id)", logger: logger).collect().first
            else { return nil }
            let fields = PostgresJournalRow(row: row, table: "runs", location: self.location)
            return WholeRun(
                start: try RunStart(fields: fields), finished: try fields.optionalDate("finished"), result: try fields.recordedResult,
                batches: try await self.batches(connection, logger, run: id), steps: try await self.steps(connection, logger, run: id),
                outcomes: try await self.outcomes(connection, logger, run: id, only: nil))
        }
    }

    /// Writes a whole run in one transaction; false, writing nothing, when its ID is already
    /// here. Dates are written to the microsecond, rounded, as PostgreSQL keeps them.
    func importRun(_ run: WholeRun) async throws -> Bool {
        let start = run.start
        let planned = try HostList.text(start.hosts)
        let batchHosts = try run.batches.map { try HostList.text($0.hosts) }
        return try await write("copy run \(run.id) into the journal") { connection, logger in
            try await connection.withTransaction(logger: logger) { connection in
                let inserted = try await connection.query(
                    """
                    INSERT INTO runs (id, command, playbook, playbook_path, "user", coordinator, pid, process, started,
                                      finished, result, planned_hosts, details)
                    VALUES (\(start.id), \(start.command), \(start.playbookName), \(start.playbookPath), \(start.user),
                            \(start.coordinator), \(start.pid), \(start.process?.journalText), \(ExactTimestamp(start.started)), \(run.finished.map(ExactTimestamp.init)),
                            \(run.result?.rawValue), \(planned), \(start.details))
                    ON CONFLICT (id) DO NOTHING RETURNING 1
                    """, logger: logger
                ).collect()
                guard inserted.count == 1 else { return false }
                for (batch, hosts) in zip(run.batches, batchHosts) {
                    try await connection.query(
                        """
                        INSERT INTO batches (run, idx, hosts, started, finished)
                        VALUES (\(start.id), \(batch.index), \(hosts), \(ExactTimestamp(batch.started)),
                                \(batch.finished.map(ExactTimestamp.init)))
                        """, logger: logger)
                }
                for step in run.steps {
                    try await connection.query(
                        """
                        INSERT INTO steps (run, host, service, step, started, finished, outcome, detail)
                        VALUES (\(start.id), \(step.host), \(step.service), \(step.step.rawValue), \(ExactTimestamp(step.started)),
                                \(step.finished.map(ExactTimestamp.init)), \(step.outcome?.rawValue), \(step.detail))
                        """, logger: logger)
                }
                for outcome in run.outcomes {
                    try await connection.query(
                        """
                        INSERT INTO outcomes (run, host, service, container, from_image, to_image, outcome, seconds, error,
                                              previous_container, at)
                        VALUES (\(start.id), \(outcome.host), \(outcome.service), \(outcome.container), \(outcome.from),
                                \(outcome.to), \(outcome.outcome), \(outcome.seconds), \(outcome.error),
                                \(outcome.previousContainer), \(ExactTimestamp(outcome.at)))
                        """, logger: logger)
                }
                return true
            }
        }
    }

    func tableNames() async throws -> [String] {
        try await read("read the schema") { connection, logger in
            try await connection.query(
                """
                SELECT table_name::text AS name FROM information_schema.tables
                WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name
                """, logger: logger
            ).collect().map { try $0.makeRandomAccess()["name"].decode(String.self) }
        }
    }

    func migrations() async throws -> [String] {
        try await read("read the schema version") { connection, logger in
            try await connection.query("SELECT identifier FROM grdb_migrations ORDER BY identifier", logger: logger)
                .collect().map { try $0.makeRandomAccess()["identifier"].decode(String.self) }
        }
    }

    // MARK: Internals

    private static func configuration(_ server: PostgresLocation) throws -> PostgresConnection.Configuration {
        let tls: PostgresConnection.Configuration.TLS
        switch server.tls {
        case .disable:
            tls = .disable
        case .prefer, .require:
            var settings = TLSConfiguration.makeClientConfiguration()
            settings.certificateVerification = .none
            let context = try NIOSSLContext(configuration: settings)
            tls = server.tls == .prefer ? .prefer(context) : .require(context)
        case .verifyFull:
            var settings = TLSConfiguration.makeClientConfiguration()
            if let roots = server.roots {
                do {
                    settings.trustRoots = .certificates(try NIOSSLCertificate.fromPEMFile(roots))
                } catch {
                    throw JournalError(
                        path: server.description, code: .unopenable,
                        message: "cannot read the certificate authorities in \(roots) (sslrootcert): \(error)")
                }
            }
            tls = .require(try NIOSSLContext(configuration: settings))
        }
        var configuration = PostgresConnection.Configuration(
            host: server.host, port: server.port, username: server.user, password: server.password, database: server.database, tls: tls)
        configuration.options.connectTimeout = .seconds(10)
        // The name the certificate must carry; an address is checked against the certificate's
        // IP addresses instead (a name in TLS's SNI cannot be an address).
        if server.tls == .verifyFull, !server.hostIsAddress {
            configuration.options.tlsServerName = server.host
        }
        return configuration
    }

    /// Creates or brings forward the tables, one migration per transaction, under a lock that
    /// every molt opening this database takes.
    private func migrate(existing: Bool) async throws {
        let location = self.location
        try await bounded("create or migrate the journal's tables") { connection, logger in
            try await connection.withTransaction(logger: logger) { connection in
                // The key is molt's own: "molt" in ASCII.
                try await connection.query("SELECT pg_advisory_xact_lock(1836018804)", logger: logger)
                let tables = try await connection.query(
                    """
                    SELECT table_name::text AS name FROM information_schema.tables
                    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name
                    """, logger: logger
                ).collect().map { try $0.makeRandomAccess()["name"].decode(String.self) }
                var done: Set<String> = []
                if tables.contains(JournalSchema.versionTable) {
                    done = Set(try await connection.query("SELECT identifier FROM grdb_migrations", logger: logger).collect()
                        .map { try $0.makeRandomAccess()["identifier"].decode(String.self) })
                }
                let others = tables.filter { $0 != JournalSchema.versionTable }
                if others.isEmpty && existing {
                    throw JournalError(
                        path: location, code: .notJournal,
                        message: "this database is not a molt journal (it holds none of its tables); "
                            + "name the database of an existing journal in the URL")
                }
                if !others.isEmpty && !done.contains(JournalSchema.firstMigration) {
                    let shown = others.prefix(5).joined(separator: ", ") + (others.count > 5 ? ", …" : "")
                    throw JournalError(
                        path: location, code: .notJournal,
                        message: "this database is not a molt journal (it holds the tables \(shown)); "
                            + "molt leaves it as it is: name a database of molt's own in the URL")
                }
                if !tables.contains(JournalSchema.versionTable) {
                    try await connection.query("CREATE TABLE grdb_migrations (identifier TEXT NOT NULL PRIMARY KEY)", logger: logger)
                }
                for migration in JournalSchema.postgresMigrations where !done.contains(migration.identifier) {
                    for statement in migration.sql {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query("INSERT INTO grdb_migrations (identifier) VALUES (\(migration.identifier))", logger: logger)
                }
            }
        }
    }

    /// One statement that must change exactly one row (it ends in `RETURNING 1`).
    private func changeOne(_ what: String, missing: String, _ query: PostgresQuery) async throws {
        try await write(what) { connection, logger in
            let rows = try await connection.query(query, logger: logger).collect()
            if rows.isEmpty {
                throw JournalError(path: self.location, code: .unknownRecord, message: "\(missing) in the journal")
            }
        }
    }

    /// Runs `body` alone on the connection; a single statement commits on its own.
    private func write<T: Sendable>(_ what: String, _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) async throws -> T {
        do {
            return try await bounded(what, body)
        } catch let error as JournalError {
            throw error
        } catch {
            throw journalError(error, while: what)
        }
    }

    /// Runs `body`'s queries in one read-only transaction, so a run reads back whole even while
    /// another coordinator writes.
    private func read<T: Sendable>(_ what: String, _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) async throws -> T {
        do {
            return try await bounded(what) { connection, logger in
                try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: logger)
                do {
                    let value = try await body(connection, logger)
                    try await connection.query("COMMIT", logger: logger)
                    return value
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
        } catch let error as JournalError {
            throw error
        } catch {
            throw journalError(error, while: what)
        }
    }

    /// Runs `body` alone on the connection, waiting at most ``patience`` for its turn and its
    /// answers. It fails at once on a connection the server has closed (postgres-nio 1.33 can
    /// leave a query sent on a closed channel waiting forever) or that an earlier call gave up on.
    private func bounded<T: Sendable>(_ what: String, _ body: @escaping @Sendable (PostgresConnection, Logger) async throws -> T) async throws -> T {
        if let silence = silence.withLock({ $0 }) {
            throw JournalError(path: location, code: .storage, message: "cannot \(what): \(silence)")
        }
        let limit = Self.patience
        let outcome = await TimeLimit.run(limit) { [access, connection, logger] () async -> Result<T, any Error> in
            do {
                return .success(try await access.run {
                    if connection.isClosed { throw ConnectionGone() }
                    return try await body(connection, logger)
                })
            } catch {
                return .failure(error)
            }
        }
        guard let outcome else {
            let reason = "the server did not answer within \(DurationText.format(limit)), so molt stopped using it"
            silence.withLock { $0 = $0 ?? reason }
            connection.close().whenComplete { _ in }
            throw JournalError(path: location, code: .storage, message: "cannot \(what): \(reason)")
        }
        return try outcome.get()
    }

    private struct ConnectionGone: Error {}

    private func journalError(_ error: any Error, while what: String) -> JournalError {
        let state = (error as? PSQLError)?.serverInfo?[.sqlState]
        switch state {
        case "23503":
            return JournalError(path: location, code: .unknownRecord, message: "cannot \(what): its run is not in the journal")
        case "23505":
            return JournalError(path: location, code: .storage, message: "cannot \(what): it is already recorded (\(Self.describe(error)))")
        default:
            return JournalError(path: location, code: .storage, message: "cannot \(what): \(Self.describe(error))")
        }
    }

    /// What went wrong, in words: the server's message, or the connection's failure. Never
    /// `String(reflecting:)` of the error, which may hold the query and its values.
    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] {
                return message + (error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? "")
            }
            switch error.code {
            case .authMechanismRequiresPassword:
                return "the server asks for a password and none was given (in the URL, PGPASSWORD or ~/.pgpass)"
            case .sslUnsupported:
                return "the server does not offer TLS, which sslmode=require and verify-full need"
            case .connectionError:
                return error.underlying.map(describe) ?? "the connection failed"
            case .serverClosedConnection, .uncleanShutdown:
                return "the server closed the connection" + (error.underlying.map { " (\(describe($0)))" } ?? "")
            default:
                return "\(error.code)" + (error.underlying.map { ": \(describe($0))" } ?? "")
            }
        }
        if let error = error as? PostgresTransactionError {
            return [error.beginError, error.closureError, error.commitError].compactMap { $0 }.first.map(describe) ?? "the transaction failed"
        }
        if let error = error as? JournalError { return error.message }
        if case NIOSSLError.handshakeFailed(let failure)? = error as? NIOSSLError {
            if "\(failure)".contains("CERTIFICATE_VERIFY_FAILED") {
                return "the server's TLS certificate is not signed by an authority molt trusts "
                    + "(sslrootcert=PATH in the URL, else ~/.postgresql/root.crt, else the system's)"
            }
            return "the TLS handshake failed (\(failure))"
        }
        if let error = error as? NIOSSLExtraError, error == .failedToValidateHostname {
            return "the server's TLS certificate does not name the host in the URL"
        }
        if error is ConnectionGone { return "the server closed the connection" }
        if let error = error as? PostgresDecodingError { return "a value of column \(error.columnName) could not be read (\(error.code))" }
        return "\(error)"
    }

    private func runRecord(_ row: PostgresRow, _ connection: PostgresConnection, _ logger: Logger) async throws -> RunRecord {
        let fields = PostgresJournalRow(row: row, table: "runs", location: location)
        let hosts = try await outcomes(connection, logger, run: try fields.text("id"), only: nil)
        return try RunRecord(fields: fields, observer: observer, hosts: hosts)
    }

    private func batches(_ connection: PostgresConnection, _ logger: Logger, run: String) async throws -> [BatchRecord] {
        try await connection.query("SELECT * FROM batches WHERE run = \(run) ORDER BY idx", logger: logger).collect().map {
            try BatchRecord(fields: PostgresJournalRow(row: $0, table: "batches", location: location))
        }
    }

    private func steps(_ connection: PostgresConnection, _ logger: Logger, run: String) async throws -> [StepRecord] {
        try await connection.query("SELECT * FROM steps WHERE run = \(run) ORDER BY id", logger: logger).collect().map {
            try StepRecord(fields: PostgresJournalRow(row: $0, table: "steps", location: location))
        }
    }

    private func outcomes(_ connection: PostgresConnection, _ logger: Logger, run: String, only outcome: String?) async throws -> [HostOutcomeRecord] {
        let query: PostgresQuery = if let outcome {
            "SELECT * FROM outcomes WHERE run = \(run) AND outcome = \(outcome) ORDER BY id"
        } else {
            "SELECT * FROM outcomes WHERE run = \(run) ORDER BY id"
        }
        return try await connection.query(query, logger: logger).collect().map {
            try HostOutcomeRecord(fields: PostgresJournalRow(row: $0, table: "outcomes", location: location))
        }
    }

}

/// One row read back from a PostgreSQL journal, its columns checked as they are read: a value
/// of the wrong kind is a `JournalError` naming the table and column, never a crash.
struct PostgresJournalRow: JournalFields {
    let row: PostgresRow
    let table: String
    let location: String

    func text(_ column: String) throws -> String { try value(column, "text") }
    func optionalText(_ column: String) throws -> String? { try optional(column, "text") }
    func integer(_ column: String) throws -> Int64 { try value(column, "an integer") }
    func number(_ column: String) throws -> Double { try value(column, "a number") }
    func date(_ column: String) throws -> Date { try value(column, "a date") }
    func optionalDate(_ column: String) throws -> Date? { try optional(column, "a date") }

    func damaged(_ column: String, expected: String) -> JournalError {
        JournalError(
            path: location, code: .damaged,
            message: "a row of table \(table) is damaged: its \(column) should be \(expected); delete that row with psql")
    }

    private func value<Value: PostgresDecodable>(_ column: String, _ expected: String) throws -> Value {
        do {
            return try row.makeRandomAccess()[column].decode(Value.self)
        } catch {
            throw damaged(column, expected: expected)
        }
    }

    private func optional<Value: PostgresDecodable>(_ column: String, _ expected: String) throws -> Value? {
        do {
            let cell = row.makeRandomAccess()[column]
            return cell.bytes == nil ? nil : try cell.decode(Value.self)
        } catch {
            throw damaged(column, expected: expected + " or nothing")
        }
    }
}

/// A date sent to PostgreSQL as a `timestamptz` rounded to the nearest microsecond.
///
/// postgres-nio truncates, so a date read back from a journal (microseconds, or SQLite's
/// milliseconds, held in a `Double`) can land one microsecond early, and then one millisecond
/// early once copied back into SQLite.
struct ExactTimestamp: PostgresNonThrowingEncodable {
    static var psqlType: PostgresDataType { .timestamptz }
    static var psqlFormat: PostgresFormat { .binary }

    /// Microseconds since PostgreSQL's epoch, 2000-01-01 00:00:00 UTC.
    let microseconds: Int64

    init(_ date: Date) {
        // From Foundation's own reference date (2001-01-01), 366 days after PostgreSQL's.
        microseconds = Int64(((date.timeIntervalSinceReferenceDate + 31_622_400) * 1_000_000).rounded())
    }

    func encode<JSONEncoder: PostgresJSONEncoder>(into byteBuffer: inout ByteBuffer, context: PostgresEncodingContext<JSONEncoder>) {
        byteBuffer.writeInteger(microseconds)
    }
}
