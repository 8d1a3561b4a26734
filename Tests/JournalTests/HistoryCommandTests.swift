import Foundation
import MoltTestSupport
import Testing
@testable import Journal

/// `molt history RUN` run as an operator runs it.
@Suite("molt history of one run")
struct HistoryCommandTests {
    @Test("molt history RUN shows the hosts, then the batches and the steps with their timings, then the gates as before")
    func batchesAndStepsTables() async throws {
        try await withTemporaryJournal(.sqlite) { temporary in
            let ids = try await fillWithRuns(try await temporary.open())
            let shown = try await runMolt(["history", ids[0], "--journal", temporary.path], in: temporary)
            #expect(shown.status == 0, "\(shown.stderr)")
            let lines = shown.stdout.split(separator: "\n").map { $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ") }
            let batches = try #require(lines.firstIndex(of: "BATCH HOSTS STARTED TOOK"), "\(shown.stdout)")
            let steps = try #require(lines.firstIndex(of: "HOST SERVICE STEP STARTED TOOK OUTCOME DETAIL"), "\(shown.stdout)")
            #expect(try #require(lines.firstIndex { $0.hasPrefix("HOST SERVICE OUTCOME FROM TO") }) < batches)
            #expect(batches < steps)
            // Batch 1: 0.301 → 2.702; batch 2: 3.01 → 4.5. Steps: 0.457 → 2.7 and 3.011 → 3.332.
            #expect(lines[batches + 1].hasPrefix("1 h1 ") && lines[batches + 1].hasSuffix(" 2.4s"), "\(lines[batches + 1])")
            #expect(lines[batches + 2].hasPrefix("2 h2, h3 ") && lines[batches + 2].hasSuffix(" 1.5s"), "\(lines[batches + 2])")
            #expect(lines[steps + 1].hasPrefix("h1 web replace "), "\(lines[steps + 1])")
            #expect(lines[steps + 1].hasSuffix(" 2.2s updated healthy after 0.7s (+1 lines)"), "\(lines[steps + 1])")
            #expect(lines[steps + 2].hasPrefix("h3 web replace ") && lines[steps + 2].hasSuffix(" 0.3s uptodate"), "\(lines[steps + 2])")
            #expect(lines.count == steps + 3, "nothing after the steps of a run without gates: \(shown.stdout)")

            // A run waiting at its gate: the gate's step in the gate table, not among the steps.
            let waiting = try await runMolt(["history", ids[3], "--journal", temporary.path], in: temporary)
            #expect(waiting.status == 0, "\(waiting.stderr)")
            #expect(waiting.stdout.contains("GATE"), "\(waiting.stdout)")
            #expect(waiting.stdout.contains("gate after batch 1"), "\(waiting.stdout)")
            #expect(!waiting.stdout.contains("STEP"), "\(waiting.stdout)")

            // The JSON of one run has its batches and steps; the list has neither.
            let json = try await runMolt(["history", ids[0], "--journal", temporary.path, "--output", "json"], in: temporary)
            let run = try #require(((try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any])?["runs"] as? [[String: Any]])?.first)
            #expect((run["batches"] as? [[String: Any]])?.compactMap { $0["index"] as? Int } == [1, 2])
            #expect((run["steps"] as? [[String: Any]])?.compactMap { $0["step"] as? String } == ["replace", "replace"])
            let list = try await runMolt(["history", "--journal", temporary.path, "--output", "json"], in: temporary)
            let runs = try #require((try JSONSerialization.jsonObject(with: Data(list.stdout.utf8)) as? [String: Any])?["runs"] as? [[String: Any]])
            #expect(runs.count == ids.count)
            #expect(runs.allSatisfy { $0["batches"] == nil && $0["steps"] == nil })
        }
    }
}
