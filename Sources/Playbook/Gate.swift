import Durations

/// A decision between two batches (`gates:`): after the batches in `after`, hold the rollout,
/// watch the batch's hosts and the metric checks, then go on by itself or wait for an operator.
///
/// A gate must do something: hold for a while, check a metric, or wait for `molt promote`;
/// a gate that does none of these is refused when the playbook is loaded. The parser cannot
/// know how many batches a rollout will have (that depends on the hosts matched), so a gate
/// after the last batch is accepted here; `molt plan` says that it is never reached.
public struct Gate: Sendable, Hashable {
    /// How the rollout goes on once the hold has passed.
    public enum Promotion: String, Sendable, Hashable, CaseIterable {
        /// Go on with the next batch by itself.
        case auto
        /// Stop, record the run as waiting, and go on only at `molt promote`.
        case manual
    }

    /// The 1-based numbers of the batches this gate follows (`after: 1` or `after: [1, 2]`),
    /// each at least 1, in the order written, without repeats.
    public var after: [Int]
    /// How long to observe the batch before deciding; 0s by default, which runs the metric
    /// checks once and then decides (or, with `promote: manual`, stops at once).
    public var hold: Duration
    /// The metric checks (`http:`) run from the coordinator every `interval` during the hold;
    /// each must pass every time.
    public var checks: [MetricCheck]
    /// Time between two rounds of metric checks (and of health checks on the batch's hosts);
    /// 15s by default, as Prometheus scrapes.
    public var interval: Duration
    /// What happens after the hold; `auto` by default.
    public var promote: Promotion
    /// The line of the gate in the playbook, for errors about it found later.
    public var line: Int?

    /// The interval used when a gate gives none.
    public static let defaultInterval: Duration = .seconds(15)

    /// Creates a gate; the defaults are those of a gate that says only `after:`.
    public init(
        after: [Int], hold: Duration = .zero, checks: [MetricCheck] = [], interval: Duration = Gate.defaultInterval,
        promote: Promotion = .auto, line: Int? = nil
    ) {
        self.after = after
        self.hold = hold
        self.checks = checks
        self.interval = interval
        self.promote = promote
        self.line = line
    }

    /// What the gate does, in one line for plans and progress:
    /// `hold 10m, 1 check every 15s, promote manual`.
    public var summary: String {
        let hold = self.hold == .zero ? "no hold" : "hold \(DurationText.format(self.hold))"
        let checks = switch checks.count {
        case 0: "no metric check"
        case 1: "1 check every \(DurationText.format(interval))"
        default: "\(checks.count) checks every \(DurationText.format(interval))"
        }
        return "\(hold), \(checks), promote \(promote.rawValue)"
    }
}
