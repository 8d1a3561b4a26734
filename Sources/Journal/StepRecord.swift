public import Foundation

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
    public var started: Date
    /// When it ended; nil if it never did (still running, or the coordinator died).
    public var finished: Date?
    /// How it ended; nil until finished.
    public var outcome: Outcome?
    /// The error text or log lines worth keeping.
    public var detail: String?

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

    /// Writes every key, dates as ISO 8601 strings in UTC and `null` for what is missing.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(run, forKey: .run)
        try container.encode(host, forKey: .host)
        try container.encode(service, forKey: .service)
        try container.encode(step.rawValue, forKey: .step)
        try container.encode(Timestamp.string(started), forKey: .started)
        try container.encode(Timestamp.string(finished), forKey: .finished)
        try container.encode(outcome?.rawValue, forKey: .outcome)
        try container.encode(detail, forKey: .detail)
    }
}
