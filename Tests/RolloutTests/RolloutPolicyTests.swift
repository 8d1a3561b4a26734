import Playbook
import Rollout
import Testing

@Suite("The failure policy after each batch")
struct RolloutPolicyTests {
    @Test("no failures always goes on", arguments: [FailurePolicy.rollback, .pause, .continue])
    func noFailures(policy: FailurePolicy) {
        #expect(RolloutPolicy.verdict(failedHosts: 0, totalHosts: 4, maxFailures: .count(0), onFailure: policy) == .goOn)
    }

    @Test("one failure beyond max_failures: 0 rolls back, pauses or goes on as on_failure says")
    func beyondAllowance() {
        #expect(RolloutPolicy.verdict(failedHosts: 1, totalHosts: 4, maxFailures: .count(0), onFailure: .rollback) == .rollBack)
        #expect(RolloutPolicy.verdict(failedHosts: 1, totalHosts: 4, maxFailures: .count(0), onFailure: .pause) == .pause)
        #expect(RolloutPolicy.verdict(failedHosts: 1, totalHosts: 4, maxFailures: .count(0), onFailure: .continue) == .goOn)
    }

    @Test("failures within max_failures go on", arguments: [(1, 1), (2, 2)])
    func withinCount(failed: Int, allowed: Int) {
        #expect(RolloutPolicy.verdict(failedHosts: failed, totalHosts: 10, maxFailures: .count(allowed), onFailure: .rollback) == .goOn)
    }

    @Test("a percentage allowance is of all hosts, rounded down")
    func percentAllowance() {
        // 10% of 20 hosts allows 2 failures, not 3.
        #expect(RolloutPolicy.verdict(failedHosts: 2, totalHosts: 20, maxFailures: .percent(10), onFailure: .rollback) == .goOn)
        #expect(RolloutPolicy.verdict(failedHosts: 3, totalHosts: 20, maxFailures: .percent(10), onFailure: .rollback) == .rollBack)
        // 10% of 5 hosts allows none.
        #expect(RolloutPolicy.verdict(failedHosts: 1, totalHosts: 5, maxFailures: .percent(10), onFailure: .pause) == .pause)
    }
}
