// TEMPORARY stand-in for the gates branch's MetricProbe (replaced at merge).
import Playbook

public struct MetricReading: Sendable {
    public var value: String?
    public var passed: Bool
    public var reason: String

    public init(value: String?, passed: Bool, reason: String) {
        self.value = value
        self.passed = passed
        self.reason = reason
    }
}

struct MetricProbe {
    func read(_ check: MetricCheck, timeout: Duration) async -> MetricReading {
        MetricReading(value: nil, passed: false, reason: "not built yet")
    }
}
