import Fleet
import Journal
import Synchronization

/// The journal as a run writes it (SPEC §6): written as the run goes, and never silently
/// wrong. The first write that fails is reported at once, loudly; the run then starts no new
/// batch (the hosts in flight finish) and ends failed, so the record and the fleet never part
/// ways unnoticed.
final class RunJournal: Sendable {
    private let journal: Journal?
    private let reporter: any RolloutReporter
    private let run: String
    var runID: String { run }
    private let firstFailure = Mutex<String?>(nil)

    init(journal: Journal?, reporter: any RolloutReporter, run: String) {
        self.journal = journal
        self.reporter = reporter
        self.run = run
    }

    /// Why the journal could not be written, once a write has failed.
    var failure: String? { firstFailure.withLock { $0 } }

    /// Runs one write, awaited before the caller goes on (so the journal's order is the run's);
    /// a failure is reported (the first one loudly) and nil returned.
    @discardableResult
    func write<Value>(_ body: (Journal) async throws -> Value) async -> Value? {
        guard let journal else { return nil }
        do {
            return try await body(journal)
        } catch {
            let text = ErrorText.oneLine(error, besideHost: true)
            let first = firstFailure.withLock { failure -> Bool in
                defer { failure = failure ?? text }
                return failure == nil
            }
            if first {
                reporter.report(RolloutEvent(.hostStep, run: run,
                                             message: "ERROR: the journal \(journal.path) cannot be written: \(text); no new batch will start"))
            }
            return nil
        }
    }
}
