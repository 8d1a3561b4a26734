public import Foundation
public import JSONShape

/// One step of a run, with its timing and how it ended: a service replaced, rolled back, rehearsed
/// or patched on one host, or a gate's check or decision (service `gate`, no host).
public struct StepRecord: Sendable, Hashable, Encodable {
    /// The journal's ID for the step, from ``Journal/startStep(run:host:service:step:started:)``.
    public var id: Int64
    /// The run it belongs to.
    public var run: String
    /// The inventory host name.
    public var host: String
    /// The playbook service.
    public var service: String
    /// What the step did.
    public var step: Kind
    /// When it began.
    @Timestamped public var started: Date
    /// When it ended; nil if it never did (still running, or the coordinator died).
    @Timestamped public var finished: Date?
    /// How it ended; nil until finished.
    @NullWhenNil public var outcome: Outcome?
    /// The error text or log lines worth keeping.
    @NullWhenNil public var detail: String?

    /// Creates a record; the journal makes these.
    public init(
        id: Int64, run: String, host: String, service: String, step: Kind, started: Date,
        finished: Date?, outcome: Outcome?, detail: String?
    ) {
        self.id = id
        self.run = run
        self.host = host
        self.service = service
        self.step = step
        self.started = started
        self.finished = finished
        self.outcome = outcome
        self.detail = detail
    }

    private enum CodingKeys: String, CodingKey {
        case id, run, host, service, step, started, finished, outcome, detail
    }
}
