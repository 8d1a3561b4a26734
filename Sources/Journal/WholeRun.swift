public import Foundation

/// One run with every record the journal holds of it, as it was recorded: what
/// `molt journal copy` reads from one journal and writes whole into another.
///
/// Unlike ``RunRecord``, the result is the recorded one: a run with no end has none (its
/// reader decides whether it is `running` or `interrupted`), so a copy says the same.
public struct WholeRun: Sendable, Hashable {
    /// The run as it began, with its current details, coordinator and PID (a promoted run's
    /// are those of the process that took it up).
    public var start: RunStart
    /// When the run ended; nil while it runs, or when its coordinator died.
    public var finished: Date?
    /// The result as recorded; nil for a run with no end, or one taken up from a gate.
    public var result: RunRecord.Result?
    /// Its batches, in order.
    public var batches: [BatchRecord]
    /// Its steps, in the order they began; their IDs are the journal's own.
    public var steps: [StepRecord]
    /// Each host and service's outcome, in the order they were recorded.
    public var outcomes: [HostOutcomeRecord]

    /// The run's ID.
    public var id: String { start.id }

    /// Creates a whole run; journals make these.
    public init(
        start: RunStart, finished: Date?, result: RunRecord.Result?, batches: [BatchRecord], steps: [StepRecord],
        outcomes: [HostOutcomeRecord]
    ) {
        self.start = start
        self.finished = finished
        self.result = result
        self.batches = batches
        self.steps = steps
        self.outcomes = outcomes
    }
}
