import Foundation

/// Where a journal keeps its records: the backend behind ``Journal``.
///
/// Every write is one committed transaction, done when the call returns; every call is awaited
/// and none blocks a thread of Swift's cooperative pool.
protocol JournalStore: Sendable {
    /// The journal as messages and errors name it: a file path, or `user@host:port/db`.
    var location: String { get }

    /// Lets go of a connection; nothing is written after this.
    func close() async

    func startRun(_ run: RunStart) async throws
    func finishRun(id: String, result: String, finished: Date) async throws
    func setDetails(id: String, details: String?) async throws
    func resumeRun(id: String, coordinator: String, pid: Int32, process: ProcessIdentity) async throws -> Bool
    func startBatch(run: String, index: Int, hosts: [String], started: Date) async throws
    func finishBatch(run: String, index: Int, finished: Date) async throws
    func startStep(run: String, host: String, service: String, step: String, started: Date) async throws -> Int64
    func finishStep(id: Int64, finished: Date, outcome: String, detail: String?) async throws
    func recordOutcome(_ outcome: HostOutcomeRecord) async throws

    func runs(limit: Int) async throws -> [RunRecord]
    func run(id: String) async throws -> RunRecord?
    func batches(run: String) async throws -> [BatchRecord]
    func steps(run: String) async throws -> [StepRecord]
    func changes(run: String) async throws -> [HostOutcomeRecord]

    /// Every run's ID, oldest first (by start, then ID).
    func runIDs() async throws -> [String]
    /// The run with exactly this ID and all its records, read in one transaction; nil when none.
    func wholeRun(id: String) async throws -> WholeRun?
    /// Writes a whole run, with its batches, steps (new step IDs, same order) and outcomes, in one
    /// transaction: all of it or nothing. False, writing nothing, when a run with its ID is
    /// already there.
    func importRun(_ run: WholeRun) async throws -> Bool

    /// The tables the journal holds, for tests of the schema.
    func tableNames() async throws -> [String]

    /// The migrations the schema version table records, by identifier, sorted: for tests.
    func migrations() async throws -> [String]
}
