import Foundation
import MoltTestSupport
import Testing
@testable import Journal

/// `molt journal copy` run as an operator runs it, checked through `molt history`.
@Suite("molt journal copy")
struct JournalCopyCommandTests {
    @Test("a copy prints what it copied, never a password, and molt history --output json reads the same from TO as from FROM",
          arguments: JournalBackend.tested)
    func copyThenHistory(_ backend: JournalBackend) async throws {
        try await withTemporaryJournal(.sqlite) { original in
            try await withTemporaryJournal(backend) { target in
                let ids = try await fillWithRuns(try await original.open())
                let to = try target.location()
                let password = URLComponents(string: to)?.password
                let shown = backend == .sqlite ? to : try await target.open().path

                let copy = try await molt(["journal", "copy", original.path, to], in: original)
                #expect(copy.status == 0, "\(copy.stderr)")
                #expect(copy.stdout == "copied 5 runs (4 batches, 6 steps, 5 outcomes) from \(original.path) to \(shown)\n")
                #expect(copy.stderr.isEmpty, "\(copy.stderr)")
                if let password { #expect(!(copy.stdout + copy.stderr).contains(password)) }

                let history = ["history", "--output", "json", "--last", "100", "--journal"]
                let before = try await molt(history + [original.path], in: original)
                let after = try await molt(history + [to], in: original)
                #expect(before.status == 0 && after.status == 0, "\(before.stderr)\(after.stderr)")
                let document = try JSONSerialization.jsonObject(with: Data(before.stdout.utf8)) as? [String: Any]
                #expect((document?["runs"] as? [Any])?.count == ids.count)
                #expect(after.stdout == before.stdout)
                for id in ids {
                    let one = try await molt(["history", id, "--journal", to], in: original)
                    #expect(one.status == 0, "\(one.stderr)")
                    #expect(one.stdout == (try await molt(["history", id, "--journal", original.path], in: original)).stdout)
                }

                let again = try await molt(["journal", "copy", original.path, to], in: original)
                #expect(again.status == 0, "\(again.stderr)")
                #expect(again.stdout == "copied 0 runs (0 batches, 0 steps, 0 outcomes) from \(original.path) to \(shown); 5 already there\n")
            }
        }
    }

    private func molt(_ arguments: [String], in journal: TemporaryJournal) async throws -> ChildProcess.Result {
        try await runMolt(arguments, in: journal)
    }
}

/// Runs the built `molt` with a clean environment whose home is the journal's directory.
func runMolt(_ arguments: [String], in journal: TemporaryJournal) async throws -> ChildProcess.Result {
    var environment = ProcessInfo.processInfo.environment
    for name in ["MOLT_INVENTORY", "MOLT_JOURNAL", "PGPASSWORD", "PGPASSFILE"] { environment[name] = nil }
    environment["HOME"] = journal.directory.path
    environment["XDG_STATE_HOME"] = journal.directory.path + "/state"
    let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    return try await ChildProcess.run(
        [ChildProcess.builtMolt(repository: repository.path)] + arguments, environment: environment,
        directory: journal.directory.path)
}
