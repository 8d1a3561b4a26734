import Foundation
import MoltTestSupport
import Playbook
import Testing

/// Four valid lines (name, hosts, container, image) followed by `rest`, which starts at line 5.
private func shorthand(_ rest: String) -> String {
    "name: web\nhosts: web\ncontainer: web\nimage: web:2.0\n" + rest
}

/// Numbers and structures made to overflow or to exhaust memory: each is an error at its line
/// that states the limit, never a trap or a hang.
@Suite("Hostile playbooks")
struct HostilePlaybookTests {
    static let outOfRange: [InvalidPlaybook] = [
        .init("a stop_timeout of 1.0e+300 seconds", shorthand("stop_timeout: 1.0e+300\n"), line: 5,
            "'stop_timeout' must be at most 24h, the longest molt waits for anything, found 1.0e+300"),
        .init("a health timeout of 1.0e+30 seconds", shorthand("health:\n  timeout: 1.0e+30\n"), line: 6,
            "'timeout' must be at most 24h, the longest molt waits for anything, found 1.0e+30"),
        .init("a pause of Int.max seconds", shorthand("pause: 9223372036854775807\n"), line: 5,
            "'pause' must be at most 24h, the longest molt waits for anything, found 9223372036854775807"),
        .init("a pause of infinity", shorthand("pause: .inf\n"), line: 5,
            "'pause' must be at most 24h, the longest molt waits for anything, found .inf"),
        .init("a stable time as text past a day", shorthand("health:\n  stable: 25h\n"), line: 6,
            "'stable' must be at most 24h, the longest molt waits for anything, found 25h"),
        .init("a trial's health timeout past a day", shorthand("trial:\n  health:\n    timeout: 86401\n"), line: 7,
            "'timeout' must be at most 24h, the longest molt waits for anything, found 86401"),
        .init("a health interval below 10ms", shorthand("health:\n  interval: 1ms\n"), line: 6,
            "'interval' must be at least 10ms, found 1ms"),
        .init("a health interval past a day", shorthand("health:\n  interval: 100000\n"), line: 6,
            "'interval' must be at most 24h"),
        .init("a batch of Int.max hosts", shorthand("batches: [1, 9223372036854775807]\n"), line: 5,
            "a batch may have at most 1000000 hosts, found 9223372036854775807; write \"100%\" for all hosts"),
        .init("a batch of Int.max hosts as text", shorthand("batches: [1, \"9223372036854775807\"]\n"), line: 5,
            "a batch may have at most 1000000 hosts, found 9223372036854775807"),
        .init("a batch too large for a number", shorthand("batches: [1, 99999999999999999999999]\n"), line: 5,
            "the string '99999999999999999999999' is not a batch size"),
        .init("max_failures of Int.max", shorthand("max_failures: 9223372036854775807\n"), line: 5,
            "'max_failures' may be at most 1000000 hosts, found 9223372036854775807; write \"100%\" to let every host fail"),
        .init("retain past 100", shorthand("retain: 101\n"), line: 5,
            "'retain' must be the number of replaced containers to keep, from 0 to 100, found 101"),
        .init("retain of Int.max", shorthand("retain: 9223372036854775807\n"), line: 5,
            "'retain' must be the number of replaced containers to keep, from 0 to 100, found 9223372036854775807"),
        .init("a port past Int's range", shorthand("health:\n  tcp: {port: 99999999999999999999}\n"), line: 6,
            "'port' must be a port number from 1 to 65535, found the string '99999999999999999999'"),
        .init("a percentage past Int's range", shorthand("batches: [\"99999999999999999999%\"]\n"), line: 5,
            "'99999999999999999999%' is not a percentage"),
    ]

    @Test("numbers and durations past their limits are errors that state the limit", arguments: outOfRange)
    func outOfRangeValue(_ invalid: InvalidPlaybook) throws {
        let error = try #require(throws: PlaybookError.self) { try Playbook.parse(text: invalid.yaml, source: "bad.yml") }
        #expect(error.line == invalid.line, "\(error)")
        #expect(error.description.hasPrefix("bad.yml:\(invalid.line ?? 0): "), "\(error)")
        #expect(error.message.contains(invalid.message), "\(error)")
    }

    @Test("values at the limits are accepted")
    func atTheLimits() throws {
        let playbook = try Playbook.parse(
            text: shorthand("stop_timeout: 24h\npause: 86400\nbatches: [1, 1000000]\nmax_failures: 1000000\nretain: 100\n"
                + "health:\n  interval: 10ms\n  timeout: 86400.0\n  stable: 1440m\n"),
            source: "ok.yml")
        #expect(playbook.stopTimeout == .seconds(86400))
        #expect(playbook.pause == .seconds(86400))
        #expect(playbook.batches == [.count(1), .count(1_000_000)])
        #expect(playbook.maxFailures == .count(1_000_000))
        #expect(playbook.retain == 100)
        #expect(playbook.services[0].health.interval == .milliseconds(10))
        #expect(playbook.services[0].health.timeout == .seconds(86400))
    }

    @Test("a YAML alias bomb in a playbook is refused at its line, not expanded")
    func aliasBomb() throws {
        var text = shorthand("")
        text += "a: &a [x, x, x, x, x, x, x, x, x, x]\n"
        for (name, previous) in zip("bcdefghij", "abcdefghi") {
            text += "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 10).joined(separator: ", ") + "]\n"
        }
        let error = try #require(throws: PlaybookError.self) { try Playbook.parse(text: text, source: "bomb.yml") }
        #expect(error.line == 9)
        #expect(error.description.hasPrefix("bomb.yml:9: YAML aliases expand this document past 100,000 nodes, the most molt reads"))
    }

    @Test("a playbook nested past 100 levels is refused at its line")
    func deepNesting() throws {
        let text = shorthand("batches: " + String(repeating: "[", count: 200) + String(repeating: "]", count: 200) + "\n")
        let error = try #require(throws: PlaybookError.self) { try Playbook.parse(text: text, source: "deep.yml") }
        #expect(error.description.hasPrefix("deep.yml:5: lists and mappings are nested more than 100 deep here"))
    }

    @Test("a playbook file larger than 1 MiB is refused without reading it all")
    func hugeFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("molt-huge-\(UUID().uuidString).yml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(FileManager.default.createFile(atPath: path, contents: Data(shorthand("").utf8)))
        let handle = try #require(FileHandle(forWritingAtPath: path))
        try handle.truncate(atOffset: 1 << 30)
        try handle.close()
        let error = try #require(throws: PlaybookError.self) { try Playbook.load(path: path) }
        #expect(error.description == "\(path): the file is larger than 1 MiB, the most molt reads as a playbook; check the path")
    }

    @Test("batch sizes beyond the host count never overflow when cutting batches")
    func batchPlannerBounds() {
        let hosts = Array(1...5)
        #expect(BatchPlanner.batches(hosts, sizes: [.count(1), .count(.max)]) == [[1], [2, 3, 4, 5]])
        #expect(BatchPlanner.batches(hosts, sizes: [.percent(.max)]) == [[1, 2, 3, 4, 5]])
        #expect(FailureAllowance.percent(.max).limit(of: 5) == 5)
    }

    @Test("a playbook with more than 1,000 services is refused at 'services'")
    func tooManyServices() throws {
        let services = (1...1001).map { "  - {container: c\($0), image: web:2.0}\n" }.joined()
        let error = try #require(throws: PlaybookError.self) {
            try Playbook.parse(text: "name: web\nhosts: web\nservices:\n" + services, source: "many.yml")
        }
        #expect(error.description == "many.yml:3: 'services' lists 1001 services, more than the 1000 molt renews in one playbook; split it into several playbooks")
    }

    @Test("a long chain of merged mappings in a playbook is merged once per link")
    func mergeChain() throws {
        let started = ThreadCPUTime.now
        let services = try Playbook.parse(
            text: "name: web\nhosts: web\nservices:\n  - &s0 {container: web, image: web:2.0}\n"
                + (1..<200).map { "  - &s\($0) {<<: *s\($0 - 1), container: web\($0)}\n" }.joined(),
            source: "chain.yml")
        #expect(ThreadCPUTime.now - started < .seconds(4))
        #expect(services.services.count == 200)
        #expect(services.services.last?.image == "web:2.0")
    }
}
