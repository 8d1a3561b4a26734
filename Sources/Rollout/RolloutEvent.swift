public import Foundation

/// Something that happened during a rollout or rollback, as SPEC §5 names it.
///
/// The text reporter prints progress lines from these; `--output json` prints each as one
/// JSON object per line.
public struct RolloutEvent: Sendable, Encodable {
    /// The event names of SPEC §5, plus `host.step` for progress within a host.
    public enum Kind: String, Sendable, Encodable {
        case runStarted = "run.started"
        case batchStarted = "batch.started"
        case hostStep = "host.step"
        case hostSkipped = "host.skipped"
        case hostUpdated = "host.updated"
        case hostFailed = "host.failed"
        case hostRolledBack = "host.rolledback"
        case hostDegraded = "host.degraded"
        case hostInterrupted = "host.interrupted"
        case batchFinished = "batch.finished"
        case runFinished = "run.finished"
        /// A gate's hold began after a batch (SPEC §10).
        case gateStarted = "gate.started"
        /// One reading of a gate's metric check, or of the batch's health, during the hold.
        case gateCheck = "gate.check"
        case gatePassed = "gate.passed"
        case gateFailed = "gate.failed"
        /// The run stopped at a manual gate, waiting for `molt promote` or `molt abort`.
        case runWaiting = "run.waiting"
    }

    public var event: Kind
    public var time: Date
    public var run: String
    public var batch: Int?
    public var host: String?
    public var service: String?
    public var from: String?
    public var to: String?
    public var seconds: Double?
    /// `run.finished`: succeeded, rolledback, paused, partial, failed, interrupted.
    public var result: String?
    /// Why a host was skipped, or what a step is doing.
    public var message: String?
    public var error: String?
    /// The failed container's last log lines.
    public var logs: [String]?
    /// `batch.started` and `run.started`: the hosts.
    public var hosts: [String]?

    public init(_ event: Kind, run: String, time: Date = Date(), batch: Int? = nil, host: String? = nil, service: String? = nil,
                from: String? = nil, to: String? = nil, seconds: Double? = nil, result: String? = nil,
                message: String? = nil, error: String? = nil, logs: [String]? = nil, hosts: [String]? = nil) {
        self.event = event
        self.time = time
        self.run = run
        self.batch = batch
        self.host = host
        self.service = service
        self.from = from
        self.to = to
        self.seconds = seconds
        self.result = result
        self.message = message
        self.error = error
        self.logs = logs
        self.hosts = hosts
    }
}

/// Receives events as they happen; the command line renders them.
public protocol RolloutReporter: Sendable {
    func report(_ event: RolloutEvent)
}

/// A reporter that drops everything (for callers that only want the result).
public struct SilentReporter: RolloutReporter {
    public init() {}
    public func report(_ event: RolloutEvent) {}
}
