public import Foundation
public import JSONShape

/// One batch of a run: which hosts it held and when it ran.
public struct BatchRecord: Sendable, Hashable, Encodable {
    /// The run it belongs to.
    public var run: String
    /// Its number in the run, from 1.
    public var index: Int
    /// Its hosts, in plan order.
    public var hosts: [String]
    /// When it began.
    @Timestamped public var started: Date
    /// When it ended; nil if it never did.
    @Timestamped public var finished: Date?

    /// Creates a record; the journal makes these.
    public init(run: String, index: Int, hosts: [String], started: Date, finished: Date?) {
        self.run = run
        self.index = index
        self.hosts = hosts
        self.started = started
        self.finished = finished
    }

    private enum CodingKeys: String, CodingKey {
        case run, index, hosts, started, finished
    }
}
