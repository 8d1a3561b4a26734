public import Foundation
public import JSONShape

/// How one service on one host ended in a run: the `hosts` entries of `molt history`.
///
/// Encodes as SPEC §5's `{"host","service","container","from","to","outcome","seconds","error"}`;
/// `previousContainer` and `at` are kept in the journal for `molt rollback --run` but not printed.
public struct HostOutcomeRecord: Sendable, Hashable, Encodable {
    /// The run this outcome belongs to.
    public var run: String
    /// The inventory host name.
    public var host: String
    /// The playbook service.
    public var service: String
    /// The live container's name.
    public var container: String
    /// The image the container ran before, when there was one.
    @NullWhenNil public var from: String?
    /// The image the run put in place (or meant to).
    @NullWhenNil public var to: String?
    /// A rollout's or rollback's `updated`, `uptodate`, `skipped`, `failed`, `rolledback`,
    /// `degraded` or `interrupted`; a trial's `passed`, `failed`, `skipped` or `interrupted`; a
    /// patch's `patched` or `failed`: the text of the service's step outcome (``StepRecord/Outcome``).
    public var outcome: String
    /// How long the host took, in seconds.
    public var seconds: Double
    /// What went wrong, for `failed`, `rolledback` and `degraded`.
    @NullWhenNil public var error: String?
    /// The retained old container (`NAME.molt-prev`), when one was kept.
    public var previousContainer: String?
    /// When the outcome was recorded.
    public var at: Date

    /// Creates an outcome.
    public init(
        run: String, host: String, service: String, container: String, from: String?, to: String?,
        outcome: String, seconds: Double, error: String? = nil, previousContainer: String? = nil,
        at: Date
    ) {
        self.run = run
        self.host = host
        self.service = service
        self.container = container
        self.from = from
        self.to = to
        self.outcome = outcome
        self.seconds = seconds
        self.error = error
        self.previousContainer = previousContainer
        self.at = at
    }

    private enum CodingKeys: String, CodingKey {
        case host, service, container, from, to, outcome, seconds, error
    }
}
