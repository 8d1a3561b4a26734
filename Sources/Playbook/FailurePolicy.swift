/// What a rollout does once more hosts failed than `max_failures` allows (`on_failure`).
public enum FailurePolicy: String, Sendable, Hashable, CaseIterable {
    /// Put the previous image back on every host this run changed.
    case rollback
    /// Stop where it is and leave the updated hosts updated, for an operator to decide.
    case pause
    /// Carry on with the remaining batches regardless.
    case `continue`
}
