public import Playbook

/// What a run does after each batch (SPEC §3 `max_failures`, `on_failure`).
public enum RolloutPolicy {
    public enum Verdict: Sendable, Equatable {
        /// Within `max_failures`, or `on_failure: continue`.
        case goOn
        /// Put back every host this run changed, newest first, and stop.
        case rollBack
        /// Stop where it is.
        case pause
    }

    /// - Parameters:
    ///   - failedHosts: hosts failed so far in this run (rolled back and degraded count).
    ///   - totalHosts: every host the run selected (percentages are of these).
    public static func verdict(failedHosts: Int, totalHosts: Int, maxFailures: FailureAllowance, onFailure: FailurePolicy) -> Verdict {
        if maxFailures.allows(failures: failedHosts, of: totalHosts) { return .goOn }
        switch onFailure {
        case .continue: return .goOn
        case .pause: return .pause
        case .rollback: return .rollBack
        }
    }
}
