import Foundation
import MoltTestSupport
import Playbook
import Rollout
import Testing

/// Prometheus's answer to an instant query whose one series has `value`.
private func prometheus(_ value: String) -> String {
    #"{"status":"success","data":{"resultType":"vector","result":[{"metric":{"job":"web"},"value":[1712.3,"\#(value)"]}]}}"#
}

private let prometheusValue = try! ValueSelector(parsing: "$.data.result[0].value[1]")

@Suite("Metric checks over real HTTP")
struct MetricProbeTests {
    @Test("a Prometheus value within its bound passes, and the request is a plain GET of the URL's target")
    func passes() async throws {
        let server = try LoopbackHTTPServer { _ in .status(200, prometheus("0.004")) }
        defer { server.stop() }
        let check = MetricCheck(url: "\(server.baseURL)/api/v1/query?query=error_rate", value: prometheusValue, max: 0.01)
        let reading = await MetricProbe().read(check, timeout: .seconds(5))
        #expect(reading == MetricReading(value: "0.004", passed: true, reason: "value 0.004 ≤ max 0.01"))
        let head = try #require(server.requests.first)
        #expect(head.hasPrefix("GET /api/v1/query?query=error_rate HTTP/1.1\r\n"))
        #expect(head.contains("Host: 127.0.0.1:\(server.port)\r\n"))
    }

    @Test("a value past a bound fails and says which", arguments: [
        (MetricCheck(url: "", value: prometheusValue, max: 0.01), "0.02", "value 0.02 > max 0.01"),
        (MetricCheck(url: "", value: prometheusValue, min: 0.5), "0.02", "value 0.02 < min 0.5"),
        (MetricCheck(url: "", value: prometheusValue, min: 0, max: 200), "+Inf", "value +Inf > max 200"),
        (MetricCheck(url: "", value: prometheusValue, max: 1), "NaN", "value NaN is not a number, and the check has max 1"),
        (MetricCheck(url: "", value: prometheusValue, max: 1), "busy", "value 'busy' is not a number, and the check has max 1"),
        (MetricCheck(url: "", value: prometheusValue, equals: "ok"), "degraded", "value 'degraded' ≠ 'ok' (equals)"),
    ])
    func fails(_ template: MetricCheck, _ value: String, _ reason: String) async throws {
        let server = try LoopbackHTTPServer { _ in .status(200, prometheus(value)) }
        defer { server.stop() }
        var check = template
        check.url = "\(server.baseURL)/api/v1/query?query=x"
        let reading = await MetricProbe().read(check, timeout: .seconds(5))
        #expect(reading == MetricReading(value: value, passed: false, reason: reason))
    }

    @Test("equals compares numbers as numbers and other values as text; booleans and JSON numbers are read as JSON writes them", arguments: [
        (#"{"v":"1"}"#, "1.0", true), (#"{"v":1}"#, "1", true), (#"{"v":0.25}"#, "0.250", true), (#"{"v":"ok"}"#, "ok", true),
        (#"{"v":"OK"}"#, "ok", false), (#"{"v":true}"#, "true", true), (#"{"v":"1"}"#, "2", false),
    ])
    func equals(_ body: String, _ expected: String, _ passes: Bool) async throws {
        let server = try LoopbackHTTPServer { _ in .status(200, body) }
        defer { server.stop() }
        let check = MetricCheck(url: "\(server.baseURL)/v", value: try ValueSelector(parsing: "$.v"), equals: expected)
        let reading = await MetricProbe().read(check, timeout: .seconds(5))
        #expect(reading.passed == passes, "\(reading)")
    }

    @Test("without a selector the plain body, trimmed, is the value")
    func plainBody() async throws {
        let server = try LoopbackHTTPServer { _ in .status(200, "  42\n", contentType: "text/plain") }
        defer { server.stop() }
        let reading = await MetricProbe().read(MetricCheck(url: "\(server.baseURL)/count", min: 40, max: 50), timeout: .seconds(5))
        #expect(reading == MetricReading(value: "42", passed: true, reason: "value 42 ≥ min 40, ≤ max 50"))
    }

    @Test("a reply the selector cannot read fails with what is missing", arguments: [
        (#"{"status":"success","data":{"resultType":"vector","result":[]}}"#, #"no $.data.result[0].value[1] in the reply: $.data.result has 0 elements"#),
        (#"{"status":"success"}"#, #"no $.data.result[0].value[1] in the reply: $ has no member "data""#),
        (#"{"data":{"result":"x"}}"#, "no $.data.result[0].value[1] in the reply: $.data.result is a string, not a list"),
        (#"{"data":{"result":[{"value":[1, null]}]}}"#, "$.data.result[0].value[1] in the reply is null, not a single value"),
        (#"{"data":{"result":[{"value":[1, [2]]}]}}"#, "$.data.result[0].value[1] in the reply is a list, not a single value"),
        ("<html>oops</html>", #"the reply is not JSON, so $.data.result[0].value[1] cannot be read: "<html>oops</html>""#),
        (#"{"data": "#, "the reply is not JSON"),
    ])
    func unreadable(_ body: String, _ reason: String) async throws {
        let server = try LoopbackHTTPServer { _ in .status(200, body) }
        defer { server.stop() }
        let url = "\(server.baseURL)/api/v1/query?query=x"
        let reading = await MetricProbe().read(MetricCheck(url: url, value: prometheusValue, max: 1), timeout: .seconds(5))
        #expect(reading.value == nil)
        #expect(!reading.passed)
        #expect(reading.reason.hasPrefix("\(url): "), "\(reading.reason)")
        #expect(reading.reason.contains(reason), "\(reading.reason)")
    }

    @Test("a status other than 2xx fails, naming the status and the start of the body")
    func badStatus() async throws {
        let server = try LoopbackHTTPServer { _ in
            .status(400, #"{"status":"error","errorType":"bad_data","error":"parse error"}"#)
        }
        defer { server.stop() }
        let url = "\(server.baseURL)/api/v1/query?query=("
        let reading = await MetricProbe().read(MetricCheck(url: url, value: prometheusValue, max: 1), timeout: .seconds(5))
        #expect(!reading.passed && reading.value == nil)
        #expect(reading.reason == #"\#(url) answered 400 Bad Request: "{"status":"error","errorType":"bad_data","error":"parse error"}""#)
    }

    @Test("a reply over the body limit fails, whether announced or sent without a length")
    func tooLarge() async throws {
        let big = String(repeating: "9", count: 2 << 20)
        let announced = try LoopbackHTTPServer { _ in .status(200, big, contentType: "text/plain") }
        defer { announced.stop() }
        let unannounced = try LoopbackHTTPServer { _ in .raw(Array("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n\(big)".utf8)) }
        defer { unannounced.stop() }
        for server in [announced, unannounced] {
            let reading = await MetricProbe().read(MetricCheck(url: "\(server.baseURL)/big", max: 1), timeout: .seconds(10))
            #expect(!reading.passed)
            #expect(reading.reason == "\(server.baseURL)/big: the reply is larger than 1 MiB")
        }
    }

    @Test("a port where nothing listens fails at once: connection refused")
    func refused() async throws {
        let server = try LoopbackHTTPServer { _ in .silent }
        let port = server.port
        server.stop()
        let url = "http://127.0.0.1:\(port)/api/v1/query?query=x"
        let start = ContinuousClock.now
        let reading = await MetricProbe().read(MetricCheck(url: url, max: 1), timeout: .seconds(5))
        #expect(reading == MetricReading(value: nil, passed: false, reason: "\(url): connection refused"))
        #expect(ContinuousClock.now - start < .seconds(4))
    }

    @Test("a server that accepts and never answers fails at the timeout")
    func timeout() async throws {
        let server = try LoopbackHTTPServer { _ in .silent }
        defer { server.stop() }
        let url = "\(server.baseURL)/slow"
        let start = ContinuousClock.now
        let reading = await MetricProbe().read(MetricCheck(url: url, max: 1), timeout: .milliseconds(300))
        let elapsed = ContinuousClock.now - start
        #expect(reading == MetricReading(value: nil, passed: false, reason: "\(url): no answer within 300ms"))
        #expect(elapsed >= .milliseconds(300))
        // Not a benchmark: a loaded 2-core machine may be slow, but never hangs.
        #expect(elapsed < .seconds(10))
    }

    @Test("a host name that does not resolve fails, naming it")
    func unresolvable() async {
        let url = "http://no-such-host.invalid/x"
        let reading = await MetricProbe().read(MetricCheck(url: url, max: 1), timeout: .seconds(5))
        #expect(!reading.passed)
        #expect(reading.reason.hasPrefix("\(url): cannot resolve no-such-host.invalid: "), "\(reading.reason)")
    }
}
