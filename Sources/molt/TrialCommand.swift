import ArgumentParser
import DockerEngine
import Fleet
import Foundation
import Journal
import Playbook
import Rollout

/// `molt trial`.
struct TrialCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "trial",
        abstract: "Rehearse the upgrade against clones of the live data, on the first batch's hosts (or --limit). Changes nothing live.",
        discussion: """
            For each service, molt copies the live container's named volumes into new volumes on the \
            same host (the live container is paused only for the copy; the pause is printed), starts \
            NAME.molt-trial from the target image with the clones mounted in place of the originals, \
            trial.env applied and no published ports, and runs the health checks (trial.health, else \
            the service's). The trial container and the clones are removed afterwards.
            """
    )

    @OptionGroup var selection: PlaybookOptions
    @OptionGroup var target: ImageOption
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let playbook = try selection.load(image: target.image)
        var fleet = try selection.fleet(playbook, global: global)
        if selection.limit == nil {
            fleet.hosts = BatchPlanner.batches(fleet.hosts, sizes: playbook.batches).first ?? []
        }
        let settings = fleet.settings
        let credentials = try await RegistryLogin.checked(images: RegistryLogin.images(playbook, trial: true), homeDirectory: settings.homeDirectory)
        let journal = try await global.openJournal()
        let interruption = SignalTrap.install()
        let action = TrialAction(
            playbook: playbook, fleet: fleet,
            identity: RunIdentity(id: Journal.newRunID(now: Date()), user: settings.defaultUser),
            reporter: global.output == .json ? SilentReporter() : RunExecution.reporter(global),
            registryAuth: { image in try await credentials.auth(forImage: image) },
            interruption: interruption, journal: journal)
        let report = await action.perform()
        switch global.output {
        case .json:
            try Console.printJSON(report)
        case .text:
            var rows: [[String]] = []
            for trial in report.trials {
                let clones = trial.clones.map { clone in
                    let size = clone.bytes.map(TrialOutcome.size) ?? "size unknown"
                    return String(format: "%@ %@ in %.2fs, paused %.2fs", clone.volume, size, clone.seconds, clone.pauseSeconds)
                }.joined(separator: "; ")
                rows.append([trial.host, trial.service, trial.result.rawValue, String(format: "%.1f", trial.seconds), clones.isEmpty ? "-" : clones])
            }
            if !rows.isEmpty {
                Console.print(Table(header: ["HOST", "SERVICE", "TRIAL", "SECONDS", "VOLUME CLONES"], rows: rows).text)
            }
        }
        for line in report.unreachable { Console.error(line) }
        if let failure = report.journalFailure { Console.error("ERROR: the journal \(journal.path) could not be written: \(failure)") }
        throw ExitCode(report.exitCode)
    }
}
