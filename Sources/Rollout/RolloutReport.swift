public import Foundation

/// How a run ended (SPEC §5 `run.finished`).
public enum RunResult: String, Sendable, Encodable {
    case succeeded
    case rolledBack = "rolledback"
    case paused
    case partial
    case failed
    /// Stopped by a signal (SPEC §4.9).
    case interrupted
    /// Stopped at a manual gate, its locks held, for `molt promote` or `molt abort` (SPEC §10).
    case waiting
}

/// Everything a rollout or rollback did.
public struct RolloutReport: Sendable {
    public var run: String
    public var result: RunResult
    /// Every service on every host, in batch order.
    public var outcomes: [ServiceOutcome]
    /// What an aborted run put back.
    public var undone: [ServiceOutcome] = []
    /// Set when another run holds a lock: nothing was changed.
    public var lockedBy: LockHeld?
    /// One line on why the run ended as it did.
    public var message: String?
    public var finished = Date()
    /// No host of the run could be reached: exit 5.
    public var noHostReached = false
    /// The signal that stopped the run: exit 128 + its number (130 for SIGINT, 143 for SIGTERM).
    public var interruptedBy: Int32?
    /// Hosts of batches that never started (interrupted, stopped by the policy or the journal).
    public var notStarted: [String] = []
    /// A journal write failed: the run stopped starting batches.
    public var journalFailed = false

    public init(run: String, result: RunResult, outcomes: [ServiceOutcome], lockedBy: LockHeld? = nil) {
        self.run = run
        self.result = result
        self.outcomes = outcomes
        self.lockedBy = lockedBy
    }

    /// The exit code of SPEC §5.
    /// The gate the run waits at (result `waiting`).
    public var waitingAfter: Int?
    /// `molt promote` found the hosts changed since the run stopped at its gate: nothing was
    /// done, and the run still waits.
    public var refused = false
    /// `molt abort`: putting the run's hosts back was what was asked.
    public var aborted = false

    public var exitCode: Int32 {
        if let interruptedBy { return 128 + interruptedBy }
        if lockedBy != nil { return 4 }
        if refused { return 1 }
        if aborted && result == .rolledBack { return 0 }
        if noHostReached { return 5 }
        if outcomes.contains(where: { $0.kind == .degraded }) || undone.contains(where: { $0.kind == .degraded }) { return 1 }
        switch result {
        case .succeeded: return journalFailed ? 1 : 0
        case .partial: return 3
        case .rolledBack, .paused, .failed, .interrupted: return 1
        case .waiting: return 6
        }
    }
}
