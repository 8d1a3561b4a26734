import ArgumentParser
import Foundation
import Journal

/// `molt history`.
struct HistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "Past runs from the journal: who, when, what, per-host outcome and timings."
    )

    @Argument(help: ArgumentHelp("A run ID (or a unique prefix) to show in detail.", valueName: "RUN"))
    var run: String?

    @Option(help: "How many runs to list.")
    var last: Int = 20

    @OptionGroup var global: JournalOptions

    func validate() throws {
        guard last >= 1 else { throw ValidationError("--last must be at least 1, not \(last)") }
    }

    func run() async throws {
        let journal = try await global.openJournal()
        let runs: [RunRecord]
        // A journal that cannot be read (damaged rows, tables missing) is bad input, exit 2.
        do {
            if let run {
                guard var record = try await journal.run(id: run) else { throw BadInput("no run \(run) in the journal") }
                record.batches = try await journal.batches(run: record.id)
                record.steps = try await journal.steps(run: record.id)
                runs = [record]
            } else {
                runs = try await journal.runs(limit: last)
            }
        } catch let input as BadInput {
            throw input
        } catch {
            throw BadInput("\(error)")
        }
        switch global.output {
        case .json:
            try Console.printJSON(HistoryDocument(runs: runs))
        case .text:
            let stamp = Date.ISO8601FormatStyle(timeZone: .current).year().month().day().time(includingFractionalSeconds: false)
            if run == nil {
                let rows = runs.map { record in
                    [record.id, record.command, record.playbook, record.user + "@" + record.coordinator, record.started.formatted(stamp),
                     record.finished.map { String(format: "%.0fs", $0.timeIntervalSince(record.started)) } ?? "-",
                     (record.result ?? .running).rawValue, outcomeCounts(record)]
                }
                Console.print(rows.isEmpty ? "no runs in the journal yet"
                              : Table(header: ["RUN", "COMMAND", "PLAYBOOK", "BY", "STARTED", "TOOK", "RESULT", "HOSTS"], rows: rows).text)
            } else if let record = runs.first {
                Console.print("run \(record.id): \(record.command) of \(record.playbook) (\(record.playbookPath)) by \(record.user)@\(record.coordinator), pid \(record.pid)")
                Console.print("started \(record.started.formatted(stamp)), \(record.finished.map { "finished \($0.formatted(stamp))" } ?? "not finished"): \((record.result ?? .running).rawValue)")
                let rows = record.hosts.map { host in
                    [host.host, host.service, host.outcome, host.from ?? "-", host.to ?? "-", String(format: "%.1f", host.seconds), host.error ?? ""]
                }
                if !rows.isEmpty {
                    Console.print(Table(header: ["HOST", "SERVICE", "OUTCOME", "FROM", "TO", "SECONDS", "ERROR"], rows: rows).text)
                }
                let clock = Date.ISO8601FormatStyle(timeZone: .current).time(includingFractionalSeconds: false)
                let batches = record.batches ?? []
                if !batches.isEmpty {
                    Console.print(Table(header: ["BATCH", "HOSTS", "STARTED", "TOOK"], rows: batches.map { batch in
                        [String(batch.index), batch.hosts.joined(separator: ", "), batch.started.formatted(clock), took(batch.started, batch.finished)]
                    }).text)
                }
                // Each service's step on each host; the gates' steps have a table of their own.
                let steps = record.steps ?? []
                let hostSteps = steps.filter { $0.service != "gate" }
                if !hostSteps.isEmpty {
                    Console.print(Table(header: ["HOST", "SERVICE", "STEP", "STARTED", "TOOK", "OUTCOME", "DETAIL"], rows: hostSteps.map { step in
                        [step.host, step.service, step.step.rawValue, step.started.formatted(clock), took(step.started, step.finished),
                         step.outcome?.rawValue ?? "-", firstLine(step.detail)]
                    }).text)
                }
                // The gates: each check's reading and each decision (SPEC §10).
                // In the order they ended: each check, then the decision it led to.
                let gates = steps.filter { $0.service == "gate" }
                    .sorted { ($0.finished ?? $0.started) < ($1.finished ?? $1.started) }
                if !gates.isEmpty {
                    Console.print(Table(header: ["GATE", "AT", "RESULT", "DETAIL"], rows: gates.map { step in
                        [step.step.rawValue, (step.finished ?? step.started).formatted(stamp), step.outcome?.rawValue ?? "-",
                         (step.detail ?? "").replacingOccurrences(of: "\n", with: "; ")]
                    }).text)
                }
                if record.result == .waiting {
                    Console.print("waiting at its gate: `molt promote \(record.id) -i INVENTORY` goes on, `molt abort \(record.id) -i INVENTORY` rolls back")
                }
            }
        }
    }

    /// How long something took, to a tenth of a second; `-` while it has not ended.
    private func took(_ started: Date, _ finished: Date?) -> String {
        finished.map { String(format: "%.1fs", $0.timeIntervalSince(started)) } ?? "-"
    }

    /// A step's detail on one line: its first, and how many more there are (the JSON has them all).
    private func firstLine(_ detail: String?) -> String {
        let lines = (detail ?? "").split(separator: "\n", omittingEmptySubsequences: true)
        guard let first = lines.first else { return "" }
        return lines.count == 1 ? String(first) : "\(first) (+\(lines.count - 1) lines)"
    }

    private func outcomeCounts(_ record: RunRecord) -> String {
        Dictionary(grouping: record.hosts, by: \.outcome).map { "\($0.value.count) \($0.key)" }.sorted().joined(separator: ", ")
    }
}
