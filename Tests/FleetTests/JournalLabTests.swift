import Foundation
import MoltTestSupport
import Testing

extension LabFleetTests {
    /// The journal against the events of a real run (issue 11): what `molt history RUN` reads
    /// back is what the run said as it went, one record for one event.
    @Suite("the journal of a lab rollout")
    struct JournalLabTests {
        /// The outcome a host event names (`host.updated` is `updated`); `host.skipped` is
        /// either `uptodate` or `skipped`, told apart by its message.
        static func outcome(_ event: [String: Any]) -> String? {
            guard let name = event["event"] as? String, name.hasPrefix("host."), name != "host.step" else { return nil }
            if name == "host.skipped" { return event["message"] as? String == "up to date" ? "uptodate" : "skipped" }
            return String(name.dropFirst("host.".count))
        }

        @Test("a rollout's journal rows match its JSON events one for one: batches, host outcomes, and one replace step per host")
        func rowsMatchEvents() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            let playbook = try fixture.playbook(image: RolloutFixture.web2, batches: #"[1, "100%"]"#)

            let rollout = try await fixture.molt("rollout", playbook, "--yes", "--output", "json")
            #expect(rollout.status == 0, "\(rollout.stdout)\(rollout.stderr)")
            let events = try RolloutFixture.events(rollout.stdout)
            let run = try #require(events.first?["run"] as? String)

            let history = try await fixture.molt("history", run, "--output", "json")
            #expect(history.status == 0, "\(history.stdout)\(history.stderr)")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(history.stdout.utf8)) as? [String: Any])
            let record = try #require((document["runs"] as? [[String: Any]])?.first)
            #expect(record["id"] as? String == run)
            #expect(record["command"] as? String == "rollout")
            #expect(record["result"] as? String == "succeeded")

            // Batches: each batch.started and batch.finished event is one row, same number, same hosts.
            let batches = try #require(record["batches"] as? [[String: Any]])
            let started = events.filter { $0["event"] as? String == "batch.started" }
            let finished = events.filter { $0["event"] as? String == "batch.finished" }
            #expect(batches.count == 2)
            #expect(batches.compactMap { $0["index"] as? Int } == started.compactMap { $0["batch"] as? Int })
            #expect(batches.compactMap { $0["index"] as? Int } == finished.compactMap { $0["batch"] as? Int })
            #expect(batches.map { $0["hosts"] as? [String] ?? [] } == started.map { $0["hosts"] as? [String] ?? [] })
            #expect(batches.map { $0["hosts"] as? [String] ?? [] } == [["lab1"], ["lab2", "lab3", "lab4"]])
            #expect(batches.allSatisfy { $0["finished"] is String }, "every batch ended: \(batches)")

            // Host outcomes: each host event is one row, in the same order.
            let hosts = try #require(record["hosts"] as? [[String: Any]])
            let outcomeEvents = events.filter { Self.outcome($0) != nil }
            #expect(hosts.count == lab.hosts.count)
            #expect(hosts.map { "\($0["host"] as? String ?? "")/\($0["service"] as? String ?? "") \($0["outcome"] as? String ?? "")" }
                    == outcomeEvents.map { "\($0["host"] as? String ?? "")/\($0["service"] as? String ?? "") \(Self.outcome($0) ?? "")" })
            #expect(hosts.allSatisfy { $0["outcome"] as? String == "updated" }, "\(hosts)")

            // Steps: one `replace` step per host and service, ended as the host did, in the
            // batch its host.step progress events name.
            let steps = try #require(record["steps"] as? [[String: Any]])
            #expect(steps.count == hosts.count)
            for host in hosts {
                let name = try #require(host["host"] as? String)
                let service = try #require(host["service"] as? String)
                let matching = steps.filter { $0["host"] as? String == name && $0["service"] as? String == service }
                #expect(matching.count == 1, "\(name)/\(service): \(steps)")
                let step = try #require(matching.first)
                #expect(step["step"] as? String == "replace")
                #expect(step["outcome"] as? String == host["outcome"] as? String)
                #expect(step["finished"] is String)
                let progress = events.filter { $0["event"] as? String == "host.step" && $0["host"] as? String == name && $0["service"] as? String == service }
                #expect(!progress.isEmpty, "\(name)/\(service) said what it was doing")
                let batch = try #require(progress.first?["batch"] as? Int)
                let inBatch = try #require(batches.first { $0["index"] as? Int == batch })
                #expect((inBatch["hosts"] as? [String])?.contains(name) == true)
            }

            // The text view shows the same tables.
            let text = try await fixture.molt("history", run)
            #expect(text.status == 0, "\(text.stderr)")
            #expect(text.stdout.contains("BATCH") && text.stdout.contains("lab2, lab3, lab4"), "\(text.stdout)")
            #expect(text.stdout.split(separator: "\n").filter { $0.contains(" web ") && $0.contains(" replace ") && $0.contains(" updated") }.count
                    == lab.hosts.count, "\(text.stdout)")
            try await fixture.reset()
        }
    }
}
