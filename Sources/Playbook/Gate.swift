// TEMPORARY stand-in for the gates branch's model (replaced at merge).
public struct Gate: Sendable, Hashable {
    public enum Promotion: String, Sendable, Hashable { case auto, manual }
    public var after: [Int]
    public var hold: Duration
    public var checks: [MetricCheck]
    public var interval: Duration
    public var promote: Promotion
    public var line: Int?

    public init(after: [Int], hold: Duration = .zero, checks: [MetricCheck] = [], interval: Duration = .seconds(15),
                promote: Promotion = .auto, line: Int? = nil) {
        self.after = after
        self.hold = hold
        self.checks = checks
        self.interval = interval
        self.promote = promote
        self.line = line
    }
}

public struct MetricCheck: Sendable, Hashable {
    public var url: String
    public var min: Double?
    public var max: Double?
    public var equals: String?
    public var line: Int?

    public init(url: String, min: Double? = nil, max: Double? = nil, equals: String? = nil, line: Int? = nil) {
        self.url = url
        self.min = min
        self.max = max
        self.equals = equals
        self.line = line
    }
}
