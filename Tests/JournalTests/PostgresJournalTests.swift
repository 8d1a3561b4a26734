import Foundation
import Testing
@testable import Journal

/// The PostgreSQL journal's URL, its password sources, and what it says when it cannot open.
@Suite("PostgreSQL journal")
struct PostgresJournalTests {
    @Test("a full URL gives user, password, host, port, database and sslmode; messages name the server without the password")
    func fullURL() throws {
        let server = try PostgresLocation("postgres://ops:s3cr%3At@db.example:6543/molt?sslmode=verify-full", environment: [:])
        #expect(server.user == "ops")
        #expect(server.password == "s3cr:t")
        #expect(server.host == "db.example")
        #expect(server.port == 6543)
        #expect(server.database == "molt")
        #expect(server.tls == .verifyFull)
        #expect(server.description == "ops@db.example:6543/molt")
    }

    @Test("without port or sslmode: 5432 and prefer, as libpq; postgresql:// is the same")
    func defaults() throws {
        let server = try PostgresLocation("postgresql://ops@127.0.0.1/journal", environment: [:])
        #expect(server.port == 5432)
        #expect(server.tls == .prefer)
        #expect(server.password == nil)
        #expect(try PostgresLocation("postgres://ops@[::1]:5433/j?sslmode=disable", environment: [:]).host == "::1")
    }

    @Test(
        "a URL missing a part, or with an unknown sslmode or parameter, is refused without its password",
        arguments: [
            ("postgres://127.0.0.1/molt", "names no user"),
            ("postgres://ops:pw1234@/molt", "names no host"),
            ("postgres://ops:pw1234@127.0.0.1", "names no database"),
            ("postgres://ops:pw1234@127.0.0.1/molt?sslmode=sometimes", "sslmode sometimes is not one of"),
            ("postgres://ops:pw1234@127.0.0.1/molt?application_name=x", "does not know the URL parameter application_name"),
        ])
    func badURL(_ url: String, _ expected: String) throws {
        let error = try #require(throws: JournalError.self) { try PostgresLocation(url, environment: [:]) }
        #expect(error.code == .unopenable)
        #expect(error.description.contains(expected), "\(error)")
        #expect(!error.description.contains("pw1234"), "\(error)")
    }

    @Test("the password comes from the URL, else PGPASSWORD, else the password file")
    func passwordSources() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("molt-pgpass-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let file = directory.appendingPathComponent("pgpass").path
        try """
            # comment
            other:5432:molt:ops:wrong
            db.example:5432:*:ops:from\\:file
            *:*:*:*:fallback
            """.write(toFile: file, atomically: true, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        let url = "postgres://ops@db.example/molt"
        #expect(try PostgresLocation("postgres://ops:inurl@db.example/molt", environment: ["PGPASSWORD": "env", "PGPASSFILE": file]).password == "inurl")
        #expect(try PostgresLocation(url, environment: ["PGPASSWORD": "env", "PGPASSFILE": file]).password == "env")
        #expect(try PostgresLocation(url, environment: ["PGPASSFILE": file]).password == "from:file")
        #expect(try PostgresLocation("postgres://dev@elsewhere:7/x", environment: ["PGPASSFILE": file]).password == "fallback")
        // Like libpq, a password file others may read is ignored.
        try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
        #expect(try PostgresLocation(url, environment: ["PGPASSFILE": file]).password == nil)
        // ~/.pgpass when PGPASSFILE is not set.
        try FileManager.default.setAttributes([.posixPermissions: 0o600], ofItemAtPath: file)
        try FileManager.default.moveItem(atPath: file, toPath: directory.appendingPathComponent(".pgpass").path)
        #expect(try PostgresLocation(url, environment: ["HOME": directory.path]).password == "from:file")
    }

    @Test("a --journal value is a server only when it is a postgres:// URL")
    func serverOrFile() {
        #expect(Journal.isServer("postgres://ops@h/db"))
        #expect(Journal.isServer("postgresql://ops@h/db"))
        #expect(!Journal.isServer("/var/lib/molt/journal.sqlite"))
        #expect(!Journal.isServer("postgres.sqlite"))
    }

    @Test("a wrong password is an unopenable journal naming the server, never the password",
          .enabled(if: TestPostgres.url != nil, "needs MOLT_TEST_POSTGRES"))
    func wrongPassword() async throws {
        let configured = try #require(TestPostgres.url)
        var components = try #require(URLComponents(string: configured))
        components.password = "not-the-password-4711"
        let url = try #require(components.string)
        let error = try await #require(throws: JournalError.self) {
            try await Journal.open(url, environment: [:])
        }
        #expect(error.code == .unopenable)
        #expect(error.description.hasPrefix("journal \(components.user ?? "")@\(components.host ?? ""):\(components.port ?? 5432)\(components.path): cannot connect: "), "\(error)")
        #expect(error.description.contains("password authentication failed"), "\(error)")
        #expect(!error.description.contains("not-the-password-4711"))
    }

    @Test("a server that does not answer is an unopenable journal naming it, at once")
    func unreachable() async throws {
        // Port 9 on loopback: nothing listens there, the connection is refused.
        let clock = ContinuousClock()
        let started = clock.now
        let error = try await #require(throws: JournalError.self) {
            try await Journal.open("postgres://ops:pw5678@127.0.0.1:9/molt?sslmode=disable", environment: [:])
        }
        #expect(clock.now - started < .seconds(5))
        #expect(error.code == .unopenable)
        #expect(error.description.hasPrefix("journal ops@127.0.0.1:9/molt: cannot connect: "), "\(error)")
        #expect(!error.description.contains("pw5678"))
    }

    @Test("a database holding another program's tables is refused and left untouched",
          .enabled(if: TestPostgres.url != nil, "needs MOLT_TEST_POSTGRES"))
    func foreignDatabase() async throws {
        try await withTemporaryJournal(.postgres) { temporary in
            try await TestPostgres.administer("CREATE TABLE accounts (name TEXT)", database: temporary.database)
            let error = try await #require(throws: JournalError.self) { try await temporary.open() }
            #expect(error.code == .notJournal)
            #expect(error.description.contains("not a molt journal (it holds the tables accounts)"), "\(error)")
        }
    }
}

/// What a run sees when the PostgreSQL server goes away under it.
@Suite("PostgreSQL journal outage")
struct PostgresOutageTests {
    @Test("once the server drops the connection, each write fails at once with an error naming the server",
          .enabled(if: TestPostgres.url != nil, "needs MOLT_TEST_POSTGRES"))
    func serverGone() async throws {
        try await withTemporaryJournal(.postgres) { temporary in
            let journal = try await temporary.open()
            try await journal.startRun(runStart(id: "r1"))
            try await TestPostgres.administer(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '\(temporary.database)' AND pid <> pg_backend_pid()")
            let clock = ContinuousClock()
            let started = clock.now
            let error = try await #require(throws: JournalError.self) {
                try await journal.startBatch(run: "r1", index: 1, hosts: ["h1"], started: instant(1))
            }
            #expect(clock.now - started < .seconds(5))
            #expect(error.code == .storage)
            #expect(error.description.hasPrefix("journal \(journal.path): cannot record the start of batch 1 of run r1: "), "\(error)")
            let next = try await #require(throws: JournalError.self) { try await journal.finishRun(id: "r1", result: .failed, finished: instant(2)) }
            #expect(next.code == .storage)
        }
    }

    @Test("a server gone silent fails a call after the patience, and every later call at once, naming why",
          .enabled(if: TestPostgres.url != nil, "needs MOLT_TEST_POSTGRES"))
    func silentServer() async throws {
        try await withTemporaryJournal(.postgres) { temporary in
            let journal = try await temporary.open()
            try await journal.startRun(runStart(id: "silent-1"))
            // The journal's own server process stops answering (SIGSTOP), its socket still open.
            let backends = try await TestPostgres.backends(of: temporary.database)
            try #require(!backends.isEmpty)
            for pid in backends { kill(pid, SIGSTOP) }
            defer { for pid in backends { kill(pid, SIGCONT) } }
            let clock = ContinuousClock()
            let started = clock.now
            let error = try await #require(throws: JournalError.self) {
                try await PostgresJournal.$patience.withValue(.seconds(1)) {
                    try await journal.finishRun(id: "silent-1", result: .succeeded, finished: instant(5))
                }
            }
            #expect(clock.now - started < .seconds(5))
            #expect(error.code == .storage)
            #expect(error.description.contains("cannot record the end of run silent-1: the server did not answer within 1s"), "\(error)")
            // Nothing later waits for the silent server again.
            let again = clock.now
            let later = try await #require(throws: JournalError.self) {
                try await journal.startBatch(run: "silent-1", index: 1, hosts: ["h1"], started: instant(6))
            }
            #expect(clock.now - again < .seconds(1))
            #expect(later.description.contains("did not answer within 1s, so molt stopped using it"), "\(later)")
        }
    }
}

/// sslmode against the test server, which speaks TLS with a certificate for localhost and
/// 127.0.0.1 from an authority of its own (`scripts/lab journal up`).
@Suite("PostgreSQL journal over TLS", .enabled(if: TestPostgres.url != nil && TestPostgres.authority != nil, "needs MOLT_TEST_POSTGRES and MOLT_TEST_POSTGRES_CA"))
struct PostgresTLSTests {
    /// The temporary journal's URL on `host`, with `parameters` instead of the configured ones.
    private func url(_ temporary: TemporaryJournal, host: String = "127.0.0.1", _ parameters: [String: String]) throws -> String {
        var components = try #require(URLComponents(string: try temporary.location()))
        components.host = host
        components.queryItems = parameters.sorted { $0.key < $1.key }.map { URLQueryItem(name: $0.key, value: $0.value) }
        return try #require(components.string)
    }

    private func openedEncrypted(_ url: String, _ temporary: TemporaryJournal) async throws -> Bool {
        let journal = try await Journal.open(url, environment: [:])
        do {
            _ = try await journal.runs()
        } catch {
            await journal.close()
            throw error
        }
        let encrypted = try await TestPostgres.backends(of: temporary.database, encrypted: true)
        let plain = try await TestPostgres.backends(of: temporary.database, encrypted: false)
        await journal.close()
        #expect(encrypted.count + plain.count == 1, "one connection: \(encrypted) \(plain)")
        return !encrypted.isEmpty
    }

    @Test("sslmode=require encrypts without checking the certificate; disable does not encrypt")
    func requireAndDisable() async throws {
        try await withTemporaryJournal(.postgres) { temporary in
            let required = try await openedEncrypted(try url(temporary, ["sslmode": "require"]), temporary)
            #expect(required)
            let disabled = try await openedEncrypted(try url(temporary, ["sslmode": "disable"]), temporary)
            #expect(!disabled)
        }
    }

    @Test("verify-full trusts sslrootcert's authority, for a host name and for an address in the certificate",
          arguments: ["localhost", "127.0.0.1"])
    func verifyFull(_ host: String) async throws {
        let authority = try #require(TestPostgres.authority)
        try await withTemporaryJournal(.postgres) { temporary in
            let verified = try await openedEncrypted(try url(temporary, host: host, ["sslmode": "verify-full", "sslrootcert": authority]), temporary)
            #expect(verified)
        }
    }

    @Test("verify-full refuses a certificate from an authority it does not trust: exit 2's error, naming the server")
    func verifyFullUntrusted() async throws {
        try await withTemporaryJournal(.postgres) { temporary in
            let refused = try url(temporary, host: "localhost", ["sslmode": "verify-full", "sslrootcert": "system"])
            let error = try await #require(throws: JournalError.self) {
                try await Journal.open(refused, environment: [:])
            }
            #expect(error.code == .unopenable)
            #expect(error.description.hasPrefix("journal molt@localhost:"), "\(error)")
            #expect(error.description.contains("cannot connect: the server's TLS certificate is not signed by an authority molt trusts"), "\(error)")
            let connected = try await TestPostgres.backends(of: temporary.database)
            #expect(connected.isEmpty)
        }
    }

    @Test("sslrootcert naming a file that is not there is refused before connecting")
    func missingAuthority() async throws {
        try await withTemporaryJournal(.postgres) { temporary in
            let missing = try url(temporary, host: "localhost", ["sslmode": "verify-full", "sslrootcert": "/nonexistent/molt-ca.crt"])
            let error = try await #require(throws: JournalError.self) {
                try await Journal.open(missing, environment: [:])
            }
            #expect(error.code == .unopenable)
            #expect(error.description.contains("cannot read the certificate authorities in /nonexistent/molt-ca.crt (sslrootcert)"), "\(error)")
        }
    }
}
