import Playbook
import Testing

@Suite("How many failed hosts a rollout tolerates")
struct FailureAllowanceTests {
    static let cases: [(FailureAllowance, failures: Int, total: Int, allowed: Bool)] = [
        (.count(0), 0, 10, true),
        (.count(0), 1, 10, false),
        (.count(1), 1, 10, true),
        (.count(1), 2, 10, false),
        (.percent(10), 2, 20, true),
        (.percent(10), 3, 20, false),
        (.percent(10), 0, 5, true),
        (.percent(10), 1, 5, false),
        (.percent(100), 5, 5, true),
        (.percent(0), 1, 100, false),
    ]

    @Test("failures up to the allowance are tolerated, one more is not", arguments: cases)
    func allows(allowance: FailureAllowance, failures: Int, total: Int, allowed: Bool) {
        #expect(allowance.allows(failures: failures, of: total) == allowed)
    }

    @Test("a percentage is of all hosts, rounded down")
    func limits() {
        #expect(FailureAllowance.percent(10).limit(of: 20) == 2)
        #expect(FailureAllowance.percent(10).limit(of: 5) == 0)
        #expect(FailureAllowance.percent(25).limit(of: 7) == 1)
        #expect(FailureAllowance.count(3).limit(of: 1) == 3)
    }
}
