import Durations
import Foundation
import Rollout

/// Progress as it happens, one line per event: `[  4.2s] lab1 web: pulling …`.
///
/// One line per event works on a terminal and in a log alike; the summary table follows at the end.
struct TextReporter: RolloutReporter {
    let start = ContinuousClock.now
    var verbose: Bool

    func report(_ event: RolloutEvent) {
        let rendered = render(event)
        if !rendered.isEmpty { Console.print(rendered.joined(separator: "\n")) }
    }

    /// The lines an event prints; none for events only a live display shows.
    func render(_ event: RolloutEvent) -> [String] {
        let elapsed = ContinuousClock.now - start
        let stamp = "[" + String(format: "%6.1fs", elapsed.seconds) + "] "
        let who = [event.host, event.service].compactMap { $0 }.joined(separator: " ")
        let prefix = stamp + (who.isEmpty ? "" : who + ": ")
        var lines: [String] = []
        switch event.event {
        case .runStarted:
            lines.append(stamp + "run \(event.run): \(event.message ?? "")")
        case .batchStarted:
            lines.append(stamp + "\(event.message ?? "batch \(event.batch ?? 0)"): \((event.hosts ?? []).joined(separator: ", "))")
        case .hostStep:
            // Pull progress is noise unless asked for.
            if !verbose, event.message?.hasPrefix("pull ") == true { return [] }
            lines.append(prefix + (event.message ?? ""))
        case .hostSkipped:
            lines.append(prefix + "skipped: \(event.message ?? "")")
        case .hostUpdated:
            if event.from == nil && event.to == nil {
                // Changed in place (`molt patch`): the message says how.
                lines.append(prefix + "\(event.message ?? "done") in \(Self.seconds(event.seconds))")
            } else {
                lines.append(prefix + "updated \(event.from ?? "?") → \(event.to ?? "?") in \(Self.seconds(event.seconds))" + (event.message.map { " (\($0))" } ?? ""))
            }
        case .hostFailed:
            lines.append(prefix + "FAILED: \(event.error ?? "")" + (event.message.map { " (\($0))" } ?? ""))
        case .hostRolledBack:
            if let error = event.error {
                // A replacement that failed: the host is back on the release it had (`from`).
                lines.append(prefix + "ROLLED BACK to \(event.from ?? "?"): \(error)")
            } else {
                // A host the run had updated, undone: the message says where it is now.
                lines.append(prefix + "ROLLED BACK: \(event.message ?? "back on \(event.to ?? "?")")")
            }
        case .hostDegraded:
            lines.append(prefix + "DEGRADED — the new container failed and the old one is not healthy either; nothing was deleted, look at this host now: \(event.error ?? "")")
        case .hostInterrupted:
            lines.append(prefix + "INTERRUPTED: \(event.message ?? "")")
        case .batchFinished:
            return []
        case .runFinished:
            lines.append(stamp + "run \(event.run) \(event.result ?? "finished")" + (event.message.map { ": \($0)" } ?? ""))
        case .gateStarted, .gateCheck, .gatePassed:
            lines.append(stamp + (event.message ?? ""))
        case .gateFailed:
            lines.append(stamp + "GATE FAILED: \(event.error ?? event.message ?? "")")
        case .runWaiting:
            lines.append(stamp + "WAITING: \(event.message ?? "")")
        }
        for log in event.logs ?? [] {
            lines.append("          | " + log)
        }
        return lines
    }

    static func seconds(_ value: Double?) -> String {
        String(format: "%.1fs", value ?? 0)
    }
}

/// `--output json`: one JSON object per line per event.
struct JSONLinesReporter: RolloutReporter {
    func report(_ event: RolloutEvent) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .custom { date, encoder in
            var container = encoder.singleValueContainer()
            try container.encode(date.formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)))
        }
        guard let data = try? encoder.encode(event) else { return }
        Console.print(String(decoding: data, as: UTF8.self))
    }
}

/// The table at the end of a rollout or rollback.
enum Summary {
    static func text(_ report: RolloutReport) -> String {
        let rows = (report.outcomes + report.undone).map { outcome in
            [outcome.host, outcome.service, outcome.kind.rawValue, outcome.from ?? "-", outcome.to ?? "-",
             String(format: "%.1f", outcome.seconds)]
        }
        var text = rows.isEmpty ? "" : Table(header: ["HOST", "SERVICE", "OUTCOME", "FROM", "TO", "SECONDS"], rows: rows).text + "\n"
        let counts = Dictionary(grouping: report.outcomes, by: \.kind).mapValues(\.count)
        let parts = [ServiceOutcome.Kind.updated, .upToDate, .skipped, .failed, .rolledBack, .degraded, .interrupted]
            .compactMap { kind in counts[kind].map { "\($0) \(kind.rawValue)" } }
        text += "run \(report.run): \(report.result.rawValue)" + (parts.isEmpty ? "" : " — " + parts.joined(separator: ", "))
        if !report.notStarted.isEmpty {
            text += "\nnot started: " + report.notStarted.joined(separator: ", ")
        }
        return text
    }
}
