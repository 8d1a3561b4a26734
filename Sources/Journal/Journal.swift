public import Foundation

/// The record of every rollout, rollback and trial this machine ran, written as the run goes,
/// so a coordinator killed mid-run leaves a true record of how far it got.
///
/// The records live in an SQLite file (``SQLiteJournal``), the embedded default, or on a
/// PostgreSQL server that a team's coordinators share (``PostgresJournal``): the same records,
/// tables and migrations. Every call is awaited: no backend holds a thread of Swift's
/// cooperative pool.
public final class Journal: Sendable {
    /// The journal as messages name it: its file, or `user@host:port/db` (never a password).
    public let path: String
    let store: any JournalStore

    init(store: any JournalStore) {
        self.path = store.location
        self.store = store
    }

    /// Opens the journal at `path`, creating it and its missing parent directories (mode 0700),
    /// and brings its tables up to this molt's version.
    ///
    /// A new journal file is created readable by its owner only (0600), and SQLite gives its
    /// `-wal` and `-shm` files the same mode: runs record users, hosts and errors. A file that
    /// is not an SQLite database, or is another program's database, is refused untouched.
    ///
    /// - Parameter observer: this process, from which runs with no end are judged gone or not.
    public static func open(
        path: String, observer: ProcessIdentity = .current
    ) async throws -> Journal {
        let store = try await BlockingWork.run(on: .global()) {
            try SQLiteJournal.openBlocking(path: path, observer: observer)
        }
        return Journal(store: store)
    }

    /// Opens the journal `location` names: a `postgres://` URL (SPEC §11), else an SQLite file
    /// path as ``open(path:observer:)`` opens it.
    ///
    /// A PostgreSQL journal's password comes from the URL, `PGPASSWORD` or `~/.pgpass` in
    /// `environment`; its tables are created or migrated before this returns.
    public static func open(
        _ location: String, observer: ProcessIdentity = .current,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> Journal {
        guard PostgresLocation.isURL(location) else { return try await open(path: location, observer: observer) }
        let server = try PostgresLocation(location, environment: environment)
        return Journal(store: try await PostgresJournal.open(server, observer: observer))
    }

    /// Opens the journal `location` names as ``open(_:observer:environment:)`` does, but only
    /// one that is already there: nothing is created. A missing SQLite file, an empty one, or a
    /// file or database that holds none of a journal's tables is refused
    /// (``JournalError/Code/unopenable``, ``JournalError/Code/notJournal``).
    public static func openExisting(
        _ location: String, observer: ProcessIdentity = .current,
        environment: [String: String] = ProcessInfo.processInfo.environment
    ) async throws -> Journal {
        guard PostgresLocation.isURL(location) else {
            let store = try await BlockingWork.run(on: .global()) {
                try SQLiteJournal.openBlocking(path: location, observer: observer, existing: true)
            }
            return Journal(store: store)
        }
        let server = try PostgresLocation(location, environment: environment)
        return Journal(store: try await PostgresJournal.open(server, observer: observer, existing: true))
    }

    /// Whether `location` names a PostgreSQL server rather than an SQLite file.
    public static func isServer(_ location: String) -> Bool {
        PostgresLocation.isURL(location)
    }

    /// `location` as it may be shown: a URL's password left out (PGPASSWORD or ~/.pgpass then
    /// supplies it), a path as it is.
    public static func withoutPassword(_ location: String) -> String {
        PostgresLocation.isURL(location) ? PostgresLocation.withoutPassword(location) : location
    }

    /// Lets go of the journal's connection, if it has one. Nothing is written after this.
    public func close() async {
        await store.close()
    }

    /// Where the journal lives unless `--journal` says otherwise:
    /// `$XDG_STATE_HOME/molt/journal.sqlite`, else `$HOME/.local/state/molt/journal.sqlite`.
    ///
    /// Like the XDG spec, ignores an empty or relative `XDG_STATE_HOME`.
    public static func defaultPath(environment: [String: String]) -> String {
        if let state = environment["XDG_STATE_HOME"], state.hasPrefix("/") {
            return URL(fileURLWithPath: state).appendingPathComponent("molt/journal.sqlite").path
        }
        let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 }
            ?? FileManager.default.homeDirectoryForCurrentUser.path
        return URL(fileURLWithPath: home).appendingPathComponent(".local/state/molt/journal.sqlite").path
    }

    /// A new run ID such as `20261129T120301-3f9a0c417be25d86`: the UTC start time, so IDs sort
    /// by age, and 64 random bits (16 hex digits) from the system's secure generator, so runs
    /// started in the same second on any number of coordinators never share an ID, and an ID
    /// cannot be guessed from the time alone. Any unique prefix still names a run.
    public static func newRunID(now: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = .gmt
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: now)
        var generator = SystemRandomNumberGenerator()
        let random = String(generator.next(), radix: 16)
        return String(
            format: "%04d%02d%02dT%02d%02d%02d-", c.year ?? 0, c.month ?? 0, c.day ?? 0,
            c.hour ?? 0, c.minute ?? 0, c.second ?? 0)
            + String(repeating: "0", count: 16 - random.count) + random
    }

    // MARK: Writing a run as it goes

    /// Records that a run began.
    public func startRun(_ run: RunStart) async throws {
        try await store.startRun(run)
    }

    /// Records how a run ended (never ``RunRecord/Result/running``: that is how a run with no
    /// end reads).
    public func finishRun(id: String, result: RunRecord.Result, finished: Date) async throws {
        try await store.finishRun(id: id, result: result.rawValue, finished: finished)
    }

    /// Replaces the run's details (JSON text): what a run waiting at a gate needs to go on.
    public func setDetails(id: String, details: String?) async throws {
        try await store.setDetails(id: id, details: details)
    }

    /// Takes up a run waiting at a gate (`molt promote`, `molt abort`): its result is cleared,
    /// with the process that goes on. False, changing nothing, when the run is not waiting,
    /// so two coordinators cannot both take it up.
    public func resumeRun(id: String, coordinator: String, pid: Int32, process: ProcessIdentity) async throws -> Bool {
        try await store.resumeRun(id: id, coordinator: coordinator, pid: pid, process: process)
    }

    /// Records that batch `index` of a run began, with its hosts. Batches are numbered from 1,
    /// as progress lines and `molt history` number them.
    public func startBatch(run: String, index: Int, hosts: [String], started: Date) async throws {
        try await store.startBatch(run: run, index: index, hosts: hosts, started: started)
    }

    /// Records that batch `index` of a run ended.
    public func finishBatch(run: String, index: Int, finished: Date) async throws {
        try await store.finishBatch(run: run, index: index, finished: finished)
    }

    /// Records that a step began: one service of one host replaced, rolled back, rehearsed or
    /// patched, or a gate's check or decision (service `gate`, host empty).
    ///
    /// - Returns: the step's ID, for ``finishStep(id:finished:outcome:detail:)``.
    @discardableResult
    public func startStep(
        run: String, host: String, service: String, step: StepRecord.Kind, started: Date
    ) async throws -> Int64 {
        try await store.startStep(run: run, host: host, service: service, step: step.rawValue, started: started)
    }

    /// Records how a step ended, with error text or log lines.
    public func finishStep(id: Int64, finished: Date, outcome: StepRecord.Outcome, detail: String?) async throws {
        try await store.finishStep(id: id, finished: finished, outcome: outcome.rawValue, detail: detail)
    }

    /// Records how one service on one host ended in a run.
    public func recordOutcome(_ outcome: HostOutcomeRecord) async throws {
        try await store.recordOutcome(outcome)
    }

    // MARK: Reading

    /// The latest runs, newest first, each with its host outcomes.
    public func runs(limit: Int = 20) async throws -> [RunRecord] {
        try await store.runs(limit: limit)
    }

    /// The run with this ID, or with this unique ID prefix; nil when none matches.
    ///
    /// - Throws: ``JournalError/Code/ambiguousRunID`` naming the candidates when a prefix
    ///   matches several runs.
    public func run(id: String) async throws -> RunRecord? {
        try await store.run(id: id)
    }

    /// A run's batches, in order.
    public func batches(run: String) async throws -> [BatchRecord] {
        try await store.batches(run: run)
    }

    /// A run's steps, in the order they began.
    public func steps(run: String) async throws -> [StepRecord] {
        try await store.steps(run: run)
    }

    /// What a run changed: its `updated` outcomes, which `molt rollback --run ID` undoes.
    public func changes(run: String) async throws -> [HostOutcomeRecord] {
        try await store.changes(run: run)
    }

    // MARK: Copying whole runs

    /// Every run's ID, oldest first.
    public func runIDs() async throws -> [String] {
        try await store.runIDs()
    }

    /// The run with exactly this ID and every record of it, as recorded; nil when none.
    public func wholeRun(id: String) async throws -> WholeRun? {
        try await store.wholeRun(id: id)
    }

    /// Writes a whole run read from another journal, in one transaction: all of it or nothing.
    /// Its steps get new IDs here, in the same order.
    ///
    /// - Returns: false, writing nothing, when a run with its ID is already in this journal.
    public func importRun(_ run: WholeRun) async throws -> Bool {
        try await store.importRun(run)
    }

    /// The tables the journal holds, for tests of the schema.
    func tableNames() async throws -> [String] {
        try await store.tableNames()
    }
}
