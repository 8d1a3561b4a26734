import ArgumentParser
import Fleet
import Playbook
import Inventory
import Rollout

/// `molt plan`.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan",
        abstract: "Show the batches and, per host and service, current → target, up to date or skipped. Changes nothing."
    )

    @OptionGroup var selection: PlaybookOptions
    @OptionGroup var target: ImageOption
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let playbook = try selection.load(image: target.image)
        let fleet = try selection.fleet(playbook, global: global)
        let report = await PlanAction(playbook: playbook, fleet: fleet).perform()
        switch global.output {
        case .json:
            try Console.printJSON(report)
        case .text:
            var rows: [[String]] = []
            for (index, batch) in report.batches.enumerated() {
                for (position, entry) in batch.enumerated() {
                    rows.append([position == 0 ? "\(index + 1)" : "", entry.host, entry.service, entry.from ?? "-",
                                 entry.to, entry.action.rawValue + (entry.note.map { " (\($0))" } ?? "")])
                }
            }
            Console.print(Table(header: ["BATCH", "HOST", "SERVICE", "CURRENT", "TARGET", "ACTION"], rows: rows).text)
            let entries = report.batches.flatMap { $0 }
            let updates = entries.filter { $0.action == .update || $0.action == .repair }.count
            Console.print("\(playbook.name): \(report.batches.count) batch\(report.batches.count == 1 ? "" : "es"), \(updates) to update, \(entries.filter { $0.action == .upToDate }.count) up to date, \(entries.filter { $0.action == .skip }.count) skipped")
            for gate in playbook.gates {
                for number in gate.after {
                    // Batches depend on the hosts matched, so a gate after the last one is only
                    // known here: say so rather than refuse, as a smaller inventory may be meant.
                    let count = report.batches.count
                    let note = number > count ? " (never reached: this plan has \(count) batch\(count == 1 ? "" : "es"))"
                        : number == count ? " (after the last batch: no batch waits for it)" : ""
                    Console.print("gate after batch \(number): \(gate.summary)\(note)")
                }
            }
        }
        let unreachable = Set(report.batches.flatMap { $0 }.filter { $0.action == .unreachable }.map(\.host))
        for entry in report.batches.flatMap({ $0 }) where entry.action == .unreachable {
            Console.error("\(entry.host): \(entry.note ?? "unreachable")")
        }
        if unreachable.count == fleet.hosts.count { throw ExitCode(ExitStatus.noHostReached) }
        if !unreachable.isEmpty { throw ExitCode(ExitStatus.partial) }
    }
}
