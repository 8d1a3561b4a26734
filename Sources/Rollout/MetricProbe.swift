import DockerEngine
import Durations
import Fleet
import Foundation
public import Playbook

/// One reading of a gate's metric check: the value found, whether every bound held, and why.
public struct MetricReading: Sendable, Hashable {
    /// The value as read (a number's text as the server wrote it, or the plain body trimmed);
    /// nil when none could be read.
    public var value: String?
    /// Whether the value was read and every bound of the check held.
    public var passed: Bool
    /// One line for the operator: `value 0.02 > max 0.01`, `value 0.004 ≤ max 0.01`, or
    /// `http://…: connection refused`.
    public var reason: String

    /// A reading; probes make them, tests and reporters compare them.
    public init(value: String?, passed: Bool, reason: String) {
        self.value = value
        self.passed = passed
        self.reason = reason
    }
}

/// Reads a gate's metric checks from the coordinator: a real HTTP GET over TCP, the value
/// picked out of the reply, and the bounds compared.
///
/// Never throws: every way a check can fail (no connection, a non-2xx status, a reply too
/// large, not JSON, no value at the selector, not a number) is a failed reading that says so,
/// since the gate treats them all alike: the batch fails.
public struct MetricProbe: Sendable {
    /// The largest reply read: a metric is a few hundred bytes, and a gate must not hold a
    /// runaway reply in memory.
    public static let defaultBodyLimit = 1 << 20

    /// The largest reply body accepted, in bytes.
    public var bodyLimit: Int

    /// A probe that reads replies of up to `bodyLimit` bytes.
    public init(bodyLimit: Int = MetricProbe.defaultBodyLimit) {
        self.bodyLimit = bodyLimit
    }

    /// GETs the check's URL within `timeout` (connecting included) and judges the value.
    public func read(_ check: MetricCheck, timeout: Duration) async -> MetricReading {
        let url = check.url
        let target: MetricURL
        do {
            target = try MetricURL(parsing: url)
        } catch {
            return MetricReading(value: nil, passed: false, reason: "\(url): \(error.message)")
        }
        let client = HTTPClient(
            connector: TCPConnector(host: target.host, port: target.port, connectTimeout: timeout),
            configuration: HTTPClient.Configuration(host: target.authority, userAgent: "molt-gate", maxBodySize: bodyLimit))
        let response: HTTPResponse
        do {
            response = try await client.send(HTTPRequest(.get, target.target, headers: ["Accept": "application/json, text/plain"]), timeout: timeout)
        } catch {
            return MetricReading(value: nil, passed: false, reason: "\(url): \(describe(error, timeout: timeout))")
        }
        guard response.isSuccess else {
            let reason = response.reason.isEmpty ? "" : " \(response.reason)"
            return MetricReading(value: nil, passed: false, reason: "\(url) answered \(response.status)\(reason)\(Self.excerpt(response.body))")
        }
        switch value(in: response.body, selector: check.value) {
        case .failure(let problem):
            return MetricReading(value: nil, passed: false, reason: "\(url): \(problem.message)")
        case .success(let value):
            return judge(value, against: check)
        }
    }

    // MARK: - Reading the value

    private struct Problem: Error {
        var message: String
    }

    /// The value the check looks at: the selected member of a JSON reply, or the plain body.
    private func value(in body: [UInt8], selector: ValueSelector?) -> Result<String, Problem> {
        guard let selector else {
            guard let text = String(validating: body, as: UTF8.self) else {
                return .failure(Problem(message: "the reply is not text (and the check has no 'value' selector for JSON)"))
            }
            let value = text.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !value.isEmpty else { return .failure(Problem(message: "the reply is empty")) }
            return .success(value)
        }
        let document: JSONValue
        do {
            document = try JSONValue(json: body)
        } catch {
            return .failure(Problem(message: "the reply is not JSON, so \(selector) cannot be read\(Self.excerpt(body))"))
        }
        var node = document
        var path = ValueSelector(steps: [])
        for step in selector.steps {
            // (`JSONValue` takes `nil` as a literal for JSON null, so absence is tested with
            // `guard let`, never compared with nil.)
            switch step {
            case .key(let name):
                guard case .object(let members) = node else {
                    return .failure(Problem(message: "no \(selector) in the reply: \(path) is \(Self.kind(node)), not an object"))
                }
                guard let member = members[name] else {
                    return .failure(Problem(message: "no \(selector) in the reply: \(path) has no member \"\(name)\""))
                }
                node = member
            case .index(let index):
                guard case .array(let elements) = node else {
                    return .failure(Problem(message: "no \(selector) in the reply: \(path) is \(Self.kind(node)), not a list"))
                }
                let position = index < 0 ? elements.count + index : index
                guard elements.indices.contains(position) else {
                    let count = elements.count == 1 ? "1 element" : "\(elements.count) elements"
                    return .failure(Problem(message: "no \(selector) in the reply: \(path) has \(count)"))
                }
                node = elements[position]
            }
            path.steps.append(step)
        }
        switch node {
        case .string(let text): return .success(text)
        case .integer(let number): return .success(String(number))
        case .number(let number): return .success(Self.format(number))
        case .bool(let flag): return .success(flag ? "true" : "false")
        case .null, .array, .object:
            return .failure(Problem(message: "\(selector) in the reply is \(Self.kind(node)), not a single value"))
        }
    }

    // MARK: - Judging it

    private func judge(_ value: String, against check: MetricCheck) -> MetricReading {
        let shown = value.count > 80 ? "'\(value.prefix(80))…'" : value
        let number = Self.number(value)
        var held: [String] = []
        func failed(_ reason: String) -> MetricReading {
            MetricReading(value: value, passed: false, reason: "value \(reason)")
        }
        if check.min != nil || check.max != nil {
            guard let number, !number.isNaN else {
                let bounds = [check.min.map { "min \(Self.format($0))" }, check.max.map { "max \(Self.format($0))" }].compactMap { $0 }
                return failed("\(number == nil ? "'\(shown)'" : shown) is not a number, and the check has \(bounds.joined(separator: ", "))")
            }
            if let min = check.min {
                guard number >= min else { return failed("\(shown) < min \(Self.format(min))") }
                held.append("≥ min \(Self.format(min))")
            }
            if let max = check.max {
                guard number <= max else { return failed("\(shown) > max \(Self.format(max))") }
                held.append("≤ max \(Self.format(max))")
            }
        }
        if let expected = check.equals {
            let equal: Bool
            if let number, let wanted = Self.number(expected) {
                equal = number == wanted
            } else {
                equal = value == expected
            }
            guard equal else { return failed("'\(shown)' ≠ '\(expected)' (equals)") }
            held.append("= \(expected)")
        }
        return MetricReading(value: value, passed: true, reason: "value \(shown) \(held.joined(separator: ", "))")
    }

    /// A number written in decimal (`0.02`, `-1`, `1e-3`) or as Prometheus writes special values
    /// (`NaN`, `+Inf`, `-Inf`); nil for anything else, such as hexadecimal.
    private static func number(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        switch trimmed {
        case "NaN": return .nan
        case "+Inf", "Inf": return .infinity
        case "-Inf": return -.infinity
        default: break
        }
        guard let first = trimmed.unicodeScalars.first, "+-.0123456789".unicodeScalars.contains(first),
            trimmed.unicodeScalars.allSatisfy({ "+-.0123456789eE".unicodeScalars.contains($0) })
        else { return nil }
        return Double(trimmed)
    }

    /// `200` rather than `200.0`; other numbers as Swift writes them (`0.01`, `1e-05`).
    private static func format(_ number: Double) -> String {
        if number == number.rounded(), abs(number) < 1e15 { return String(Int64(number)) }
        return String(number)
    }

    private static func kind(_ node: JSONValue) -> String {
        switch node {
        case .null: "null"
        case .bool: "a boolean"
        case .integer, .number: "a number"
        case .string: "a string"
        case .array: "a list"
        case .object: "an object"
        }
    }

    /// `: "first 120 characters of the body"` on one line, or nothing for an empty body.
    private static func excerpt(_ body: [UInt8]) -> String {
        let text = String(decoding: body.prefix(240), as: UTF8.self)
            .split(whereSeparator: \.isNewline).joined(separator: " ")
            .trimmingCharacters(in: .whitespaces)
        guard !text.isEmpty else { return "" }
        return ": \"\(text.count > 120 ? text.prefix(120) + "…" : text)\""
    }

    private func describe(_ error: any Error, timeout: Duration) -> String {
        if error is CancellationError { return "interrupted" }
        guard let http = error as? HTTPError else { return ErrorText.oneLine(error, besideHost: true) }
        switch http.code {
        case .timeout:
            return "no answer within \(DurationText.format(timeout))"
        case .bodyTooLarge:
            return "the reply is larger than \(bodyLimit >= 1 << 20 && bodyLimit % (1 << 20) == 0 ? "\(bodyLimit >> 20) MiB" : "\(bodyLimit) bytes")"
        case .transport:
            if let tcp = http.underlying as? TCPError {
                if tcp.operation == "connect to", let first = tcp.reason.first {
                    return first.lowercased() + tcp.reason.dropFirst()
                }
                return tcp.description
            }
            return ErrorText.oneLine(http.underlying ?? http, besideHost: true)
        default:
            return "not an HTTP reply: \(http.message)"
        }
    }
}
