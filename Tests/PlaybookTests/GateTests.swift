import Playbook
import Testing

/// Four valid lines (name, hosts, container, image) followed by `rest`, which starts at line 5.
private func shorthand(_ rest: String) -> String {
    "name: web\nhosts: web\ncontainer: web\nimage: web:2.0\n" + rest
}

@Suite("Canary gates in playbooks")
struct GateTests {
    @Test("a gate with a hold, a Prometheus check, an interval and a manual promotion reads as written")
    func fullGate() throws {
        let playbook = try Playbook.parse(text: shorthand("""
            batches: [1, "50%", "100%"]
            gates:
              - after: 1
                hold: 10m
                http:
                  - url: http://10.247.213.1:9090/api/v1/query?query=error_rate
                    value: $.data.result[0].value[1]
                    max: 0.01
                  - url: http://metrics.internal/ready
                    equals: ok
                interval: 5s
                promote: manual
              - after: [2, 3]
                hold: 30s
            """), source: "g.yml")
        #expect(playbook.gates.count == 2)
        let canary = playbook.gates[0]
        #expect(canary.after == [1])
        #expect(canary.hold == .seconds(600))
        #expect(canary.interval == .seconds(5))
        #expect(canary.promote == .manual)
        #expect(canary.line == 7)
        #expect(canary.checks == [
            MetricCheck(
                url: "http://10.247.213.1:9090/api/v1/query?query=error_rate",
                value: try ValueSelector(parsing: "$.data.result[0].value[1]"), max: 0.01, line: 10),
            MetricCheck(url: "http://metrics.internal/ready", equals: "ok", line: 13),
        ])
        let later = playbook.gates[1]
        #expect(later == Gate(after: [2, 3], hold: .seconds(30), line: 17))
        #expect(playbook.gate(after: 3) == later)
        #expect(playbook.gate(after: 4) == nil)
    }

    @Test("a playbook without gates has none, and a gate's defaults are 0s hold, 15s interval, auto")
    func defaults() throws {
        #expect(try Playbook.parse(text: shorthand(""), source: "d.yml").gates == [])
        #expect(try Playbook.parse(text: shorthand("gates: []\n"), source: "d.yml").gates == [])
        let gate = try #require(try Playbook.parse(text: shorthand("gates:\n  - after: 1\n    promote: manual\n"), source: "d.yml").gates.first)
        #expect(gate.hold == .zero && gate.interval == .seconds(15) && gate.checks.isEmpty && gate.promote == .manual)
    }

    @Test("equals takes text, numbers as written and booleans as JSON writes them; min and max take integers")
    func comparands() throws {
        let playbook = try Playbook.parse(text: shorthand("""
            gates:
              - after: 1
                http:
                  - {url: "http://m/a", equals: 1.50}
                  - {url: "http://m/b", equals: true}
                  - {url: "http://m/c", min: 1, max: 3}
                  - {url: "http://m/d", min: 2, max: 2}
            """), source: "c.yml")
        let checks = playbook.gates[0].checks
        #expect(checks.map(\.equals) == ["1.50", "true", nil, nil])
        #expect(checks[2].min == 1 && checks[2].max == 3)
        #expect(checks[3].value == nil)
    }

    @Test("a gate sums itself up in one line for plans", arguments: [
        (Gate(after: [1], hold: .seconds(600), checks: [MetricCheck(url: "http://m/x", max: 1)], promote: .manual), "hold 10m, 1 check every 15s, promote manual"),
        (Gate(after: [2], hold: .seconds(90), checks: Array(repeating: MetricCheck(url: "http://m/x", max: 1), count: 2), interval: .milliseconds(500)),
         "hold 1m30s, 2 checks every 500ms, promote auto"),
        (Gate(after: [1], promote: .manual), "no hold, no metric check, promote manual"),
    ])
    func summary(_ gate: Gate, _ text: String) {
        #expect(gate.summary == text)
    }

    static let invalid: [InvalidPlaybook] = [
        .init("gates given as a mapping", shorthand("gates:\n  after: 1\n"), line: 5, "'gates' must be a list of gates"),
        .init("a gate given as a number", shorthand("gates: [1]\n"), line: 5,
            "each entry of 'gates' must be a mapping such as {after: 1, hold: 10m}, found the integer 1"),
        .init("an unknown key in a gate suggests the closest", shorthand("gates:\n  - after: 1\n    hodl: 5m\n"), line: 7,
            "unknown key 'hodl' in a gate; did you mean 'hold'? Allowed keys: after, hold, http, interval, promote"),
        .init("a gate without after", shorthand("gates:\n  - hold: 5m\n"), line: 6, "this gate has no 'after'"),
        .init("after 0", shorthand("gates:\n  - after: 0\n    hold: 1m\n"), line: 6, "'after' counts batches from 1 (the canary batch), found 0"),
        .init("a negative after in a list", shorthand("gates:\n  - after:\n      - 1\n      - -2\n    hold: 1m\n"), line: 8,
            "'after' counts batches from 1 (the canary batch), found -2"),
        .init("after given as text", shorthand("gates:\n  - after: first\n    hold: 1m\n"), line: 6,
            "'after' must be a batch number from 1 (the first, canary batch) or a list of them, e.g. after: 1 or after: [1, 2], found the string 'first'"),
        .init("after given as a fraction", shorthand("gates:\n  - after: 1.5\n    hold: 1m\n"), line: 6, "found the number 1.5"),
        .init("after as an empty list", shorthand("gates:\n  - after: []\n    hold: 1m\n"), line: 6, "'after' is an empty list"),
        .init("a batch named twice in one gate", shorthand("gates:\n  - after: [1, 2, 1]\n    hold: 1m\n"), line: 6, "'after' names batch 1 twice"),
        .init("a batch gated twice", shorthand("gates:\n  - after: 1\n    hold: 1m\n  - after: [2, 1]\n    hold: 1m\n"), line: 8,
            "batch 1 already has a gate (line 6); give each batch at most one gate"),
        .init("a gate that does nothing", shorthand("gates:\n  - after: 1\n"), line: 6,
            "this gate neither holds (hold: 10m), checks a metric (http:) nor waits for an operator (promote: manual)"),
        .init("a gate whose hold is 0s and does nothing else", shorthand("gates:\n  - after: 1\n    hold: 0s\n"), line: 6, "this gate neither holds"),
        .init("a bad hold", shorthand("gates:\n  - after: 1\n    hold: 10 minutes\n"), line: 7,
            "'hold' must be a duration such as 250ms, 10s, 5m, 1h or 1m30s, found the string '10 minutes'"),
        .init("a negative hold", shorthand("gates:\n  - after: 1\n    hold: -5\n"), line: 7, "'hold' must be a duration"),
        .init("a hold longer than a day", shorthand("gates:\n  - after: 1\n    hold: 25h\n"), line: 7, "'hold' must be at most 24h"),
        .init("a zero interval", shorthand("gates:\n  - after: 1\n    hold: 1m\n    interval: 0s\n"), line: 8, "'interval' must be more than 0s"),
        .init("an interval under 100ms", shorthand("gates:\n  - after: 1\n    hold: 1m\n    interval: 10ms\n"), line: 8,
            "'interval' must be at least 100ms, found 10ms"),
        .init("promote not auto or manual", shorthand("gates:\n  - after: 1\n    promote: manuel\n"), line: 7,
            "'promote' must be one of auto, manual; found the string 'manuel'; did you mean 'manual'?"),
        .init("http given as a mapping like a health probe", shorthand("gates:\n  - after: 1\n    http: {port: 80}\n"), line: 7,
            "'http' in a gate must be a list of metric checks"),
        .init("a check given as a URL string", shorthand("gates:\n  - after: 1\n    http: [\"http://m/x\"]\n"), line: 7,
            "each metric check must be a mapping of url, value and a bound (min, max, equals), found the string 'http://m/x'"),
        .init("an unknown key in a check", shorthand("gates:\n  - after: 1\n    http:\n      - url: http://m/x\n        maximum: 1\n"), line: 9,
            "unknown key 'maximum' in a metric check"),
        .init("a check without url", shorthand("gates:\n  - after: 1\n    http:\n      - max: 1\n"), line: 8, "this metric check has no 'url'"),
        .init("a check without a bound", shorthand("gates:\n  - after: 1\n    http:\n      - url: http://m/x\n"), line: 8,
            "this metric check has no bound; add max: (e.g. max: 0.01), min: or equals:"),
        .init("an https URL", shorthand("gates:\n  - after: 1\n    http:\n      - url: https://m/x\n        max: 1\n"), line: 8,
            "'https://m/x' cannot be checked: molt's metric checks speak plain HTTP only, not HTTPS"),
        .init("a URL that is not http", shorthand("gates:\n  - after: 1\n    http:\n      - url: m:9090/x\n        max: 1\n"), line: 8,
            "an http:// URL is needed"),
        .init("a URL with a space", shorthand("gates:\n  - after: 1\n    http:\n      - url: \"http://m/q?query=a b\"\n        max: 1\n"), line: 8,
            "the URL contains a space; percent-encode it (a space is %20)"),
        .init("a URL with a bad port", shorthand("gates:\n  - after: 1\n    http:\n      - url: http://m:99999/x\n        max: 1\n"), line: 8,
            "'99999' is not a port number from 1 to 65535"),
        .init("a URL with a password", shorthand("gates:\n  - after: 1\n    http:\n      - url: http://u:p@m/x\n        max: 1\n"), line: 8,
            "carries a user name or password"),
        .init("a URL without a host", shorthand("gates:\n  - after: 1\n    http:\n      - url: http:///x\n        max: 1\n"), line: 8,
            "the URL names no host"),
        .init("a value selector without $", shorthand("gates:\n  - after: 1\n    http:\n      - url: http://m/x\n        value: data.result\n        max: 1\n"), line: 9,
            "'data.result' is not a value selector: a value selector starts with $"),
        .init("a check's url written directly in the gate", shorthand("gates:\n  - url: x\n"), line: 6, "unknown key 'url' in a gate"),
        .init("a value selector with an unclosed bracket", shorthand("gates:\n  - after: 1\n    http:\n      - url: http://m/x\n        value: \"$.data.result[0\"\n        max: 1\n"), line: 9,
            "'$.data.result[0' is not a value selector: ']' expected (at character 16)"),
        .init("a value selector with a wildcard", shorthand("gates:\n  - after: 1\n    http:\n      - url: http://m/x\n        value: $.data.result[*]\n        max: 1\n"), line: 9,
            "(wildcards, slices and filters) is not supported"),
        .init("max given as text", shorthand("gates:\n  - after: 1\n    http:\n      - url: http://m/x\n        max: \"1%\"\n"), line: 9,
            "'max' must be a number such as 0.01 or 200, found the string '1%'"),
        .init("min given as a quoted number", shorthand("gates:\n  - after: 1\n    http:\n      - url: http://m/x\n        min: \"0.5\"\n"), line: 9,
            "'min' must be a number such as 0.01 or 200, found the string '0.5'"),
        .init("max given as infinity", shorthand("gates:\n  - after: 1\n    http:\n      - url: http://m/x\n        max: .inf\n"), line: 9,
            "'max' must be a number"),
        .init("min above max", shorthand("gates:\n  - after: 1\n    http:\n      - url: http://m/x\n        min: 5\n        max: 1\n"), line: 9,
            "'min' (5) is above 'max' (1): no value could pass"),
        .init("equals given as a list", shorthand("gates:\n  - after: 1\n    http:\n      - url: http://m/x\n        equals: [a]\n"), line: 9,
            "'equals' must be text, a number or a boolean, found a list"),
    ]

    @Test("bad gates are reported at their line", arguments: invalid)
    func invalidGate(_ invalid: InvalidPlaybook) throws {
        let error = try #require(throws: PlaybookError.self) { try Playbook.parse(text: invalid.yaml, source: "bad.yml") }
        #expect(error.line == invalid.line, "\(error)")
        #expect(error.message.contains(invalid.message), "\(error)")
        #expect(error.description.hasPrefix("bad.yml:\(invalid.line ?? 0): "))
    }
}

@Suite("Metric URLs")
struct MetricURLTests {
    @Test("a URL is taken apart into host, port and request target", arguments: [
        ("http://10.247.213.1:9090/api/v1/query?query=up", "10.247.213.1", 9090, "/api/v1/query?query=up", "10.247.213.1:9090"),
        ("http://metrics.internal/ready", "metrics.internal", 80, "/ready", "metrics.internal"),
        ("http://m", "m", 80, "/", "m"),
        ("http://m:8080?x=1", "m", 8080, "/?x=1", "m:8080"),
        ("HTTP://[::1]:9090/q", "::1", 9090, "/q", "[::1]:9090"),
    ])
    func parts(_ url: String, _ host: String, _ port: Int, _ target: String, _ authority: String) throws {
        let parsed = try MetricURL(parsing: url)
        #expect(parsed.host == host && parsed.port == port && parsed.target == target && parsed.authority == authority)
        #expect(MetricCheck(url: url, max: 1).target == parsed)
    }

    @Test("URLs molt cannot send are refused with the reason", arguments: [
        ("https://m/x", "not HTTPS"), ("ftp://m/x", "an http:// URL is needed"), ("http://m/x#top", "fragment"),
        ("http://m/é", "percent-encode"), ("http://[::1/x", "no closing ']'"), ("http://m:/x", "is not a port number"),
    ])
    func refused(_ url: String, _ words: String) {
        #expect(throws: MetricURL.Problem.self) { try MetricURL(parsing: url) }
        do {
            _ = try MetricURL(parsing: url)
        } catch {
            #expect(error.message.contains(words), "\(error)")
        }
    }
}
