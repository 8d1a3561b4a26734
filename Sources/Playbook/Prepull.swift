/// When images are pulled relative to stopping containers (`prepull`), so that the time a
/// service is down does not include a download.
public enum Prepull: String, Sendable, Hashable, CaseIterable {
    /// Pull on every host of a batch before stopping any container in that batch.
    case batch
    /// Pull on every host of the rollout before the first batch starts.
    case all
    /// Pull on each host just before its container is replaced.
    case none
}
