import Foundation
import JSONShape
import Testing
@testable import Journal

@Suite("History JSON")
struct HistoryJSONTests {
    private func encoded(_ document: HistoryDocument) throws -> [String: Any] {
        let data = try JSONEncoder().encode(document)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("a date shows its millisecond from the nearest microsecond: .635 read back as a Double a hair below stays .635")
    func millisecondShown() {
        #expect(Timestamp.string(Date(timeIntervalSince1970: 1_796_019_664.635)) == "2026-11-30T06:21:04.635Z")
        #expect(Timestamp.string(Date(timeIntervalSince1970: 1_796_019_664.634_9)) == "2026-11-30T06:21:04.634Z")
        #expect(Timestamp.string(Date(timeIntervalSince1970: 1_796_019_664.999_9996)) == "2026-11-30T06:21:05.000Z")
        #expect(Timestamp.string(Date(timeIntervalSince1970: 1_796_019_664)) == "2026-11-30T06:21:04.000Z")
        #expect(Timestamp.string(Date(timeIntervalSince1970: 1_796_019_664.007)) == "2026-11-30T06:21:04.007Z")
    }

    @Test("history encodes the SPEC's run and host keys, with command, user and coordinator")
    func keys() async throws {
        let temporary = TemporaryJournal()
        defer { temporary.removeFiles() }
        let journal = try await temporary.open()
        try await journal.startRun(runStart(id: "r1"))
        try await journal.recordOutcome(outcome(run: "r1", host: "h1", outcome: "failed", error: "health timed out"))
        try await journal.finishRun(id: "r1", result: .failed, finished: instant(7.25))

        let object = try encoded(HistoryDocument(runs: try await journal.runs()))
        #expect(Set(object.keys) == ["runs"])
        let runs = try #require(object["runs"] as? [[String: Any]])
        let run = try #require(runs.first)
        #expect(Set(run.keys) == ["id", "playbook", "started", "finished", "result", "hosts", "command", "user", "coordinator"])
        #expect(run["id"] as? String == "r1")
        #expect(run["playbook"] as? String == "web")
        #expect(run["started"] as? String == "2026-11-29T12:03:01.000Z")
        #expect(run["finished"] as? String == "2026-11-29T12:03:08.250Z")
        #expect(run["result"] as? String == "failed")
        let hosts = try #require(run["hosts"] as? [[String: Any]])
        let host = try #require(hosts.first)
        #expect(Set(host.keys) == ["host", "service", "container", "from", "to", "outcome", "seconds", "error"])
        #expect(host["host"] as? String == "h1")
        #expect(host["from"] as? String == "nginx:1.26")
        #expect(host["seconds"] as? Double == 4.5)
        #expect(host["error"] as? String == "health timed out")
    }

    @Test("missing values encode as null, not as missing keys")
    func nulls() throws {
        let run = RunRecord(
            id: "r1", command: "rollout", playbook: "web", playbookPath: "web.yml", user: "ops",
            coordinator: "c", pid: 1, started: instant(0), finished: nil, result: .running,
            hosts: [
                HostOutcomeRecord(
                    run: "r1", host: "h1", service: "web", container: "web", from: nil, to: nil,
                    outcome: "skipped", seconds: 0, at: instant(1))
            ])
        let text = String(decoding: try JSONEncoder().encode(HistoryDocument(runs: [run])), as: UTF8.self)
        #expect(text.contains(#""finished":null"#))
        #expect(text.contains(#""from":null"#))
        #expect(text.contains(#""to":null"#))
        #expect(text.contains(#""error":null"#))
    }

    @Test("dates are ISO 8601 strings whatever date strategy the encoder has")
    func datesIgnoreEncoderStrategy() throws {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .secondsSince1970
        let step = StepRecord(
            id: 1, run: "r1", host: "h1", service: "web", step: .replace, started: instant(0.5),
            finished: nil, outcome: nil, detail: nil)
        let object = try #require(try JSONSerialization.jsonObject(with: encoder.encode(step)) as? [String: Any])
        #expect(object["started"] as? String == "2026-11-29T12:03:01.500Z")
        #expect(object["finished"] is NSNull)
    }

    @Test("a run read with its batches and steps encodes them; a listed run has neither key")
    func batchesAndSteps() async throws {
        let temporary = TemporaryJournal()
        defer { temporary.removeFiles() }
        let journal = try await temporary.open()
        try await journal.startRun(runStart(id: "r1", hosts: ["h1"]))
        try await journal.startBatch(run: "r1", index: 1, hosts: ["h1"], started: instant(1))
        let step = try await journal.startStep(run: "r1", host: "h1", service: "web", step: .replace, started: instant(1.5))
        try await journal.finishStep(id: step, finished: instant(4), outcome: .updated, detail: "healthy after 2.5s")
        try await journal.recordOutcome(outcome(run: "r1", host: "h1", outcome: "updated"))
        try await journal.finishBatch(run: "r1", index: 1, finished: instant(4.25))
        try await journal.finishRun(id: "r1", result: .succeeded, finished: instant(5))

        let listed = try #require(try encoded(HistoryDocument(runs: try await journal.runs()))["runs"] as? [[String: Any]])
        #expect(Set(try #require(listed.first).keys) == ["id", "playbook", "started", "finished", "result", "hosts", "command", "user", "coordinator"])

        var record = try #require(try await journal.run(id: "r1"))
        record.batches = try await journal.batches(run: "r1")
        record.steps = try await journal.steps(run: "r1")
        let runs = try #require(try encoded(HistoryDocument(runs: [record]))["runs"] as? [[String: Any]])
        let run = try #require(runs.first)
        #expect(Set(run.keys) == ["id", "playbook", "started", "finished", "result", "hosts", "command", "user", "coordinator", "batches", "steps"])
        let batches = try #require(run["batches"] as? [[String: Any]])
        #expect(batches.count == 1)
        #expect(batches[0]["index"] as? Int == 1)
        #expect(batches[0]["hosts"] as? [String] == ["h1"])
        #expect(batches[0]["started"] as? String == "2026-11-29T12:03:02.000Z")
        #expect(batches[0]["finished"] as? String == "2026-11-29T12:03:05.250Z")
        let steps = try #require(run["steps"] as? [[String: Any]])
        #expect(steps.count == 1)
        #expect(steps[0]["host"] as? String == "h1")
        #expect(steps[0]["service"] as? String == "web")
        #expect(steps[0]["step"] as? String == "replace")
        #expect(steps[0]["outcome"] as? String == "updated")
        #expect(steps[0]["started"] as? String == "2026-11-29T12:03:02.500Z")
        #expect(steps[0]["finished"] as? String == "2026-11-29T12:03:05.000Z")
        #expect(steps[0]["detail"] as? String == "healthy after 2.5s")
    }
}
