import ArgumentParser
import Durations
import Fleet
import Foundation
import Journal

/// `molt status [PATTERN]`.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show every host's Docker engine and containers: image, image ID, state, health, molt labels.",
        discussion: "Exits 3 when some hosts could not be reached, 5 when none could."
    )

    @Argument(help: "Ansible host pattern: all, names, groups, globs, a:b, a:&b, a:!b.")
    var pattern: String = "all"

    @Option(help: ArgumentHelp("Show only containers with this name.", valueName: "NAME"))
    var container: String?

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let inventory = try global.loadInventory()
        let fleet = try global.fleet(inventory, pattern: pattern)
        let report = await StatusAction(fleet: fleet, containerName: container).perform()

        switch global.output {
        case .json: try Console.printJSON(report)
        case .text: Console.print(StatusRendering.text(report))
        }
        // Runs waiting at a gate hold their services' locks: say so, with what ends the wait.
        // (Read only where a journal exists: status makes no journal file.)
        let location = global.journalLocation
        let journal = Journal.isServer(location) || FileManager.default.fileExists(atPath: location) ? try? await global.openJournal() : nil
        let waiting = ((try? await journal?.runs(limit: 200)) ?? []).filter { $0.result == .waiting }
        for run in waiting {
            Console.error("run \(run.id) of \(run.playbook) (\(run.user)@\(run.coordinator)) waits at a gate, its locks held: "
                          + "`molt promote \(run.id)` goes on, `molt abort \(run.id)` rolls it back")
        }
        if global.verbose {
            for host in report.hosts {
                Console.error("\(host.name): \(host.reachable ? "answered" : "failed") after \(host.elapsed.milliseconds) ms")
            }
        }
        for host in report.unreachable {
            Console.error("\(host.name): \(host.error ?? "unreachable")")
        }
        if report.unreachable.count == report.hosts.count { throw ExitCode(ExitStatus.noHostReached) }
        if !report.unreachable.isEmpty { throw ExitCode(ExitStatus.partial) }
    }
}

/// The text form of a ``StatusReport``: one row per container, the host's engine on its first row.
enum StatusRendering {
    static func text(_ report: StatusReport) -> String {
        var rows: [[String]] = []
        for host in report.hosts {
            guard host.reachable else {
                rows.append([host.name, "unreachable", "", "", "", "", "", ""])
                continue
            }
            let engine = "\(host.dockerVersion ?? "?") (API \(host.apiVersion ?? "?"))"
            if host.containers.isEmpty {
                rows.append([host.name, engine, "(no containers)", "", "", "", "", ""])
            }
            for (index, container) in host.containers.enumerated() {
                rows.append([
                    index == 0 ? host.name : "",
                    index == 0 ? engine : "",
                    container.name,
                    container.image,
                    shortImageID(container.imageID),
                    container.state,
                    container.health ?? "-",
                    container.moltLabels.sorted { $0.key < $1.key }
                        .map { "\($0.key.dropFirst(5))=\($0.key == "molt.previous-container" ? String($0.value.prefix(12)) : $0.value)" }
                        .joined(separator: " "),
                ])
            }
        }
        let reachable = report.hosts.count - report.unreachable.count
        var summary = "\(report.hosts.count) host\(report.hosts.count == 1 ? "" : "s"), \(reachable) reachable"
        if !report.unreachable.isEmpty {
            summary += ", \(report.unreachable.count) unreachable: " + report.unreachable.map(\.name).joined(separator: ", ")
        }
        return Table(header: ["HOST", "DOCKER", "CONTAINER", "IMAGE", "IMAGE ID", "STATE", "HEALTH", "MOLT"], rows: rows).text
            + "\n" + summary
    }

    /// The first 12 hex digits of an image ID, as `docker images` shows them.
    static func shortImageID(_ id: String) -> String {
        let hex = id.hasPrefix("sha256:") ? id.dropFirst(7) : Substring(id)
        return String(hex.prefix(12))
    }
}
