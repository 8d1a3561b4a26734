import ArgumentParser
import Durations
import Fleet
import Foundation
import Journal
import Playbook
import Rollout

/// `molt patch`.
struct PatchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "patch",
        abstract: "Run a command inside matching running containers, a canary first: an emergency stopgap, recorded.",
        discussion: """
            For a zero-day with exploits in the wild, until rebuilt images are rolled out. The \
            command runs through the Docker exec API, without a shell unless you write one \
            (sh -c '…'). It must exit 0, and the container must then stay running, and healthy \
            if it has a HEALTHCHECK, for --timeout (at least the HEALTHCHECK's interval × retries, \
            the time Docker needs to call it unhealthy); otherwise no later batch starts (exit 1). \
            Each container the command ran in gets a line in /etc/molt-patches (time, run, user, \
            command, exit, tab-separated), which `molt audit` shows until the container is \
            replaced; the run is in `molt history`. Takes the same locks as a rollout:
              molt patch web -i hosts.yml --package libssl3 --below 3.0.15-1~deb12u1 -- apt-get install -y --only-upgrade libssl3
            """
    )

    @Argument(help: "Ansible host pattern.")
    var pattern: String = "all"

    @Option(help: ArgumentHelp("The container with exactly this name.", valueName: "NAME"))
    var container: String?

    @OptionGroup var selection: PackageSelectionOptions

    @Option(help: ArgumentHelp("Batch sizes over the matching containers, counts or percentages.", valueName: "1,100%"))
    var batches: String = "1,100%"

    @Option(help: ArgumentHelp("How long each patched container must stay running and healthy.", valueName: "DURATION"))
    var timeout: String = "30s"

    @Flag(help: "List the containers that would be patched, and change nothing.")
    var dryRun = false

    @Flag(help: "Do not ask for confirmation (required without a terminal).")
    var yes = false

    @OptionGroup var global: GlobalOptions

    @Argument(parsing: .postTerminator, help: ArgumentHelp("The command and its arguments, after --.", valueName: "CMD"))
    var command: [String] = []

    func validate() throws {
        guard !command.isEmpty else { throw ValidationError("give the command after --: molt patch … -- CMD ARG…") }
        guard [container != nil, selection.image != nil, selection.package != nil].filter({ $0 }).count == 1 else {
            throw ValidationError("give one of --container NAME, --image GLOB or --package NAME")
        }
        guard BatchSize.list(batches) != nil else { throw ValidationError("--batches \(batches): give counts or percentages, such as 1,25%,100%") }
        guard let duration = DurationText.parse(timeout), duration > .zero else { throw ValidationError("--timeout \(timeout) is not a duration such as 30s") }
    }

    func run() async throws {
        let inventory = try global.loadInventory()
        let fleet = try global.fleet(inventory, pattern: pattern)
        let chosen = PatchAction.Selection(container: container, imageGlob: selection.image, package: selection.package,
                                              below: try selection.bounds())
        let identity = RunIdentity(id: Journal.newRunID(now: Date()), user: fleet.settings.defaultUser)
        let quoted = PatchRecord.quote(command)
        func action(dryRun: Bool, reporter: any RolloutReporter, journal: Journal?, interruption: Interruption = Interruption()) -> PatchAction {
            PatchAction(fleet: fleet, selection: chosen, command: command, batches: BatchSize.list(batches) ?? PatchAction.defaultBatches,
                        timeout: DurationText.parse(timeout) ?? .seconds(30), dryRun: dryRun, identity: identity, reporter: reporter,
                        journal: journal, interruption: interruption)
        }

        if dryRun {
            let report = await action(dryRun: true, reporter: global.output == .json ? JSONLinesReporter() : SilentReporter(), journal: nil).perform()
            if global.output == .text { Console.print(text(planned: report)) }
            for problem in report.unreachable { Console.error(problem) }
            throw ExitCode(report.exitCode)
        }
        if !yes {
            // The containers are listed first, so that the operator confirms what will be touched.
            let plan = await action(dryRun: true, reporter: SilentReporter(), journal: nil).perform()
            Console.print(text(planned: plan))
            guard !plan.targets.isEmpty else { throw ExitCode(plan.exitCode) }
            try Confirmation.ask("Run \(quoted) in \(plan.targets.count) container\(plan.targets.count == 1 ? "" : "s")?", yes: false)
        }
        let journal = try await global.openJournal()
        let report = await action(dryRun: false, reporter: RunExecution.reporter(global), journal: journal,
                                  interruption: SignalTrap.install()).perform()
        if global.output == .text {
            Console.print(text(done: report))
        }
        if let held = report.lockedBy { Console.error(held.description) }
        throw ExitCode(report.exitCode)
    }

    private func text(planned report: PatchReport) -> String {
        let planned = BatchPlanner.batches(report.targets, sizes: BatchSize.list(batches) ?? PatchAction.defaultBatches)
        var lines: [String] = []
        if !report.targets.isEmpty {
            var batch = 0
            let rows = planned.flatMap { targets in
                batch += 1
                return targets.map { [String(batch), $0.host, $0.container, $0.image] }
            }
            lines.append(Table(header: ["BATCH", "HOST", "CONTAINER", "IMAGE"], rows: rows).text)
        }
        lines.append("\(report.dryRun ? "dry run: " : "")\(report.targets.count) container\(report.targets.count == 1 ? "" : "s") to patch with \(report.command) in \(planned.count) batch\(planned.count == 1 ? "" : "es")")
        return lines.joined(separator: "\n")
    }

    private func text(done report: PatchReport) -> String {
        let patched = report.outcomes.filter { $0.result == .patched }.count
        var line = "patch \(report.run): \(report.result.rawValue), \(patched) of \(report.targets.count) container\(report.targets.count == 1 ? "" : "s") patched"
        if let message = report.message { line += "; \(message)" }
        return line
    }
}
