import Playbook
import Testing

/// Batch sizes applied to hosts 1...hosts, and the batches expected.
struct BatchCase: Sendable, CustomTestStringConvertible {
    let sizes: [BatchSize]
    let hosts: Int
    let expected: [[Int]]

    var testDescription: String { "\(sizes) on \(hosts) hosts" }
}

@Suite("Cutting hosts into batches")
struct BatchPlannerTests {
    static let cases: [BatchCase] = [
        // SPEC §5: a percentage is of all hosts, rounded down, at least 1.
        BatchCase(sizes: [.count(1), .percent(50), .percent(100)], hosts: 4, expected: [[1], [2, 3], [4]]),
        // The last size repeats.
        BatchCase(sizes: [.count(2)], hosts: 5, expected: [[1, 2], [3, 4], [5]]),
        BatchCase(sizes: [.count(3), .count(1)], hosts: 6, expected: [[1, 2, 3], [4], [5], [6]]),
        // 25% of 3 hosts rounds down to 0, and a batch has at least 1 host.
        BatchCase(sizes: [.percent(25)], hosts: 3, expected: [[1], [2], [3]]),
        BatchCase(sizes: [.count(1), .percent(25), .percent(100)], hosts: 10, expected: [[1], [2, 3], [4, 5, 6, 7, 8, 9, 10]]),
        BatchCase(sizes: [.percent(50), .percent(100)], hosts: 5, expected: [[1, 2], [3, 4, 5]]),
        // Percentages that overshoot what remains take the rest.
        BatchCase(sizes: [.percent(60)], hosts: 5, expected: [[1, 2, 3], [4, 5]]),
        BatchCase(sizes: [.percent(100), .percent(100)], hosts: 3, expected: [[1, 2, 3]]),
        // Counts bigger than what remains take the rest.
        BatchCase(sizes: [.count(10)], hosts: 3, expected: [[1, 2, 3]]),
        BatchCase(sizes: [.count(1), .count(5)], hosts: 3, expected: [[1], [2, 3]]),
        // Sizes left over when the hosts run out are not used.
        BatchCase(sizes: [.count(1), .count(1), .count(1)], hosts: 2, expected: [[1], [2]]),
        BatchCase(sizes: [.count(1), .percent(100)], hosts: 1, expected: [[1]]),
        // The default, and no sizes at all: one batch of everything.
        BatchCase(sizes: Playbook.defaultBatches, hosts: 4, expected: [[1], [2, 3, 4]]),
        BatchCase(sizes: [], hosts: 3, expected: [[1, 2, 3]]),
        // No hosts, no batches.
        BatchCase(sizes: [.count(1), .percent(100)], hosts: 0, expected: []),
    ]

    @Test("batches follow Ansible's serial arithmetic", arguments: cases)
    func batches(_ batchCase: BatchCase) {
        let hosts = Array(1...max(1, batchCase.hosts)).prefix(batchCase.hosts)
        #expect(BatchPlanner.batches(Array(hosts), sizes: batchCase.sizes) == batchCase.expected)
    }

    @Test("every host is placed exactly once, in order", arguments: [1, 2, 3, 7, 20, 101])
    func everyHostOnce(hosts: Int) {
        let items = Array(1...hosts)
        let batches = BatchPlanner.batches(items, sizes: [.count(1), .percent(10), .percent(33), .percent(100)])
        #expect(batches.flatMap { $0 } == items)
        #expect(batches.allSatisfy { !$0.isEmpty })
    }

    @Test("batch sizes read as written in a playbook")
    func descriptions() {
        #expect(BatchSize.count(3).description == "3")
        #expect(BatchSize.percent(25).description == "25%")
    }
}
