import Foundation
import Testing
@testable import Journal

/// Steps, step outcomes and run results are typed, and stored as the text molt has always written.
@Suite("Typed steps and results")
struct TypedRecordTests {
    @Test("each step kind is stored as the text production writes", arguments: [
        (StepRecord.Kind.replace, "replace"), (.rollback, "rollback"), (.trial, "trial"), (.patch, "patch"), (.check, "check"),
        (.gate(afterBatch: 1), "gate after batch 1"), (.gate(afterBatch: 12), "gate after batch 12"),
    ])
    func stepKindText(_ kind: StepRecord.Kind, _ text: String) {
        #expect(kind.rawValue == text)
        #expect(StepRecord.Kind(rawValue: text) == kind)
        #expect(StepRecord.Kind(rawValue: text).rawValue == text)
    }

    @Test("text no molt writes is kept as it was read, so it is written back the same", arguments: [
        "pull", "health", "gate after batch 0", "gate after batch 01", "gate after batch +1", "gate after batch ", "Replace", "",
    ])
    func unknownStepText(_ text: String) {
        let kind = StepRecord.Kind(rawValue: text)
        #expect(kind == .other(text))
        #expect(kind.rawValue == text)
    }

    @Test("outcomes and results read back as what was written, known or not")
    func outcomesAndResults() {
        for outcome in StepRecord.Outcome.allCases {
            #expect(StepRecord.Outcome(rawValue: outcome.rawValue) == outcome)
        }
        #expect(StepRecord.Outcome.allCases.map(\.rawValue) == [
            "ok", "failed", "skipped", "updated", "uptodate", "rolledback", "degraded", "interrupted", "passed", "waiting",
            "promoted", "aborted", "patched",
        ])
        #expect(StepRecord.Outcome(rawValue: "exploded") == .other("exploded"))
        #expect(StepRecord.Outcome.other("ok") == .ok)
        #expect(Set([StepRecord.Outcome.other("ok"), .ok]).count == 1)
        for result in RunRecord.Result.allCases {
            #expect(RunRecord.Result(rawValue: result.rawValue) == result)
        }
        #expect(RunRecord.Result.allCases.map(\.rawValue) == [
            "succeeded", "rolledback", "paused", "partial", "failed", "interrupted", "waiting", "locked", "running",
        ])
        #expect(RunRecord.Result(rawValue: "exploded").rawValue == "exploded")
    }

    @Test("a step, outcome or result this molt does not know reads back as written, and copies the same", arguments: JournalBackend.tested)
    func unknownTextReadsBack(_ backend: JournalBackend) async throws {
        try await withTemporaryJournal(backend) { temporary in
            let journal = try await temporary.open()
            try await journal.startRun(runStart(id: "r1", hosts: ["h1"]))
            let step = try await journal.startStep(run: "r1", host: "h1", service: "web", step: .other("warm up"), started: instant(1))
            try await journal.finishStep(id: step, finished: instant(2), outcome: .other("lukewarm"), detail: nil)
            try await journal.finishRun(id: "r1", result: .other("abandoned"), finished: instant(3))

            let steps = try await journal.steps(run: "r1")
            #expect(steps.map(\.step) == [.other("warm up")])
            #expect(steps.map(\.outcome) == [.other("lukewarm")])
            #expect(try await journal.run(id: "r1")?.result == .other("abandoned"))

            let whole = try #require(try await journal.wholeRun(id: "r1"))
            #expect(whole.result?.rawValue == "abandoned")
            let object = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(steps[0])) as? [String: Any])
            #expect(object["step"] as? String == "warm up")
            #expect(object["outcome"] as? String == "lukewarm")
        }
    }

    @Test("batches are numbered from 1, as callers pass them", arguments: JournalBackend.tested)
    func batchesFromOne(_ backend: JournalBackend) async throws {
        try await withTemporaryJournal(backend) { temporary in
            let journal = try await temporary.open()
            try await journal.startRun(runStart(id: "r1", hosts: ["h1", "h2"]))
            try await journal.startBatch(run: "r1", index: 1, hosts: ["h1"], started: instant(1))
            try await journal.finishBatch(run: "r1", index: 1, finished: instant(2))
            try await journal.startBatch(run: "r1", index: 2, hosts: ["h2"], started: instant(3))
            let batches = try await journal.batches(run: "r1")
            #expect(batches.map(\.index) == [1, 2])
            #expect(batches.map(\.finished) == [instant(2), nil])
        }
    }
}
