/// How long a run waits, at most, for work on one host on its way to releasing its locks.
///
/// A host whose work never ends (a dead link whose calls were not stopped, a cancellation
/// that was lost) must not hold every other host's locks with it: past the limit the work is
/// cancelled and left behind, the operator is warned, naming the host, and the run goes on.
enum HostDeadline {
    /// A pull started ahead for a batch that will not run: cancelled, it ends at once.
    @TaskLocal static var pullAbandon: Duration = .seconds(10)
    /// Removing one host's locks, an engine that is away waited for (``EngineAway/patience``).
    @TaskLocal static var lockRelease: Duration = .seconds(60)
}
