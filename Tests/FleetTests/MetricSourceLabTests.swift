import Foundation
import Playbook
import Rollout
import Testing

extension LabFleetTests {
    @Suite("The lab's metric source, read as a gate reads it")
    struct MetricSourceLabTests {
        private static let prometheusValue = try! ValueSelector(parsing: "$.data.result[0].value[1]")

        @Test("a value set with scripts/lab metrics is what a Prometheus query reads, and flipping it flips the check")
        func flip() async throws {
            let lab = try Lab.current()
            // A name of this test's own: other tests may set theirs meanwhile.
            let name = "molt_test_error_rate_\(UInt32.random(in: 0...UInt32.max))"
            let check = MetricCheck(url: "\(lab.metrics)/api/v1/query?query=\(name)", value: Self.prometheusValue, max: 0.01)
            let probe = MetricProbe()

            try await lab.script("metrics", "set", name, "0.004")
            #expect(await probe.read(check, timeout: .seconds(5)) == MetricReading(value: "0.004", passed: true, reason: "value 0.004 ≤ max 0.01"))

            try await lab.script("metrics", "set", name, "0.02")
            #expect(await probe.read(check, timeout: .seconds(5)) == MetricReading(value: "0.02", passed: false, reason: "value 0.02 > max 0.01"))

            let plain = MetricCheck(url: "\(lab.metrics)/value/\(name)", equals: "0.020")
            #expect(await probe.read(plain, timeout: .seconds(5)).passed)

            try await lab.script("metrics", "unset", name)
            let missing = await probe.read(check, timeout: .seconds(5))
            #expect(!missing.passed && missing.value == nil)
            #expect(missing.reason.hasSuffix("no $.data.result[0].value[1] in the reply: $.data.result has 0 elements"), "\(missing.reason)")

            // Every read was a real request, logged by the source.
            let log = try String(contentsOfFile: lab.metricsLog, encoding: .utf8)
            #expect(log.split(separator: "\n").filter { $0.contains("query=\(name) 200") }.count == 3)
        }

        @Test("a query that is not a metric name is a 400 that the check reports")
        func badQuery() async throws {
            let lab = try Lab.current()
            let url = "\(lab.metrics)/api/v1/query?query=rate(x%5B5m%5D)"
            let reading = await MetricProbe().read(MetricCheck(url: url, value: Self.prometheusValue, max: 1), timeout: .seconds(5))
            #expect(!reading.passed)
            #expect(reading.reason.hasPrefix("\(url) answered 400 Bad Request: "), "\(reading.reason)")
        }
    }
}
