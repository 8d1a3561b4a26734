import ArgumentParser
import DockerEngine
import Fleet
import Inventory
import Foundation
import Journal
import Playbook
import Rollout

/// `molt rollout`.
struct RolloutCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollout",
        abstract: "Replace the playbook's containers with their new images, batch by batch, health-checked.",
        discussion: """
            The old container is stopped and kept as NAME.molt-prev; the new one runs as \
            NAME.molt-next until it has passed its checks, and only then takes the name NAME. A \
            host whose new container fails goes back to the old one. When more hosts fail than \
            max_failures allows, on_failure decides: rollback (every host this run changed goes \
            back, newest first), pause, or continue. Ctrl-C (SIGINT), SIGTERM or SIGHUP stops new \
            work and undoes the step in flight on every host (a second signal skips the undo); \
            exit 128 + the signal. Running the same rollout again after an interruption or a \
            crash finishes the job.
            """
    )

    @OptionGroup var selection: PlaybookOptions
    @OptionGroup var target: ImageOption
    @Flag(help: "Do not ask for confirmation (required without a terminal).")
    var yes = false
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let playbook = try selection.load(image: target.image)
        let fleet = try selection.fleet(playbook, global: global)
        let services = playbook.services.map { "\($0.container) → \($0.image)" }.joined(separator: ", ")
        try Confirmation.ask("Roll out \(services) on \(fleet.hosts.count) host\(fleet.hosts.count == 1 ? "" : "s") (\(fleet.hosts.map(\.name).joined(separator: ", ")))?", yes: yes)
        // A run that may stop at a manual gate keeps its playbook in the journal: `molt promote`
        // and `molt abort` take it up with only its ID and the inventory.
        var details: GateRunDetails?
        if playbook.gates.contains(where: { $0.promote == .manual }) {
            let text: String
            do {
                text = try String(contentsOfFile: selection.playbook, encoding: .utf8)
            } catch {
                throw BadInput("cannot read \(selection.playbook) again: \(error.localizedDescription)")
            }
            details = GateRunDetails(playbookText: text, playbookSource: playbook.source, image: target.image, hosts: fleet.hosts.map(\.name))
        }
        let report = try await RunExecution(global: global).perform(playbook: playbook, fleet: fleet, mode: .rollout, details: details)
        throw ExitCode(report.exitCode)
    }
}

/// `molt rollback`.
struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback",
        abstract: "Put the previous image back: the retained NAME.molt-prev, else the molt.previous-image label; batched and health-checked.",
        discussion: "--run ID undoes exactly the hosts that run changed (see molt history)."
    )

    @OptionGroup var selection: PlaybookOptions
    @Option(help: ArgumentHelp("Undo only what this run changed.", valueName: "ID"))
    var run: String?
    @Flag(help: "Do not ask for confirmation (required without a terminal).")
    var yes = false
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let playbook = try selection.load()
        var fleet = try selection.fleet(playbook, global: global)
        var onlyRun: String?
        if let run {
            let journal = try await global.openJournal()
            guard let record = try await journal.run(id: run) else { throw BadInput("no run \(run) in the journal \(journal.path)") }
            let changed = Set(try await journal.changes(run: record.id).map(\.host))
            fleet.hosts = fleet.hosts.filter { changed.contains($0.name) }
            guard !fleet.hosts.isEmpty else { throw BadInput("run \(record.id) changed no host of \(playbook.source)") }
            onlyRun = record.id
        }
        try Confirmation.ask("Roll back \(playbook.services.map(\.container).joined(separator: ", ")) on \(fleet.hosts.count) host\(fleet.hosts.count == 1 ? "" : "s") (\(fleet.hosts.map(\.name).joined(separator: ", ")))?", yes: yes)
        let report = try await RunExecution(global: global).perform(playbook: playbook, fleet: fleet, mode: .rollback(onlyRun: onlyRun))
        throw ExitCode(report.exitCode)
    }
}

/// Runs a rollout or rollback with the journal and the chosen output.
struct RunExecution {
    var global: GlobalOptions

    func perform(playbook: Playbook, fleet: Fleet, mode: RolloutAction.Mode, details: GateRunDetails? = nil,
                 resume: (RunIdentity, GateResume)? = nil) async throws -> RolloutReport {
        let settings = fleet.settings
        // A rollback's images are known only on the hosts: its credentials are found as it pulls.
        var images: [String] = []
        if case .rollout = mode { images = RegistryLogin.images(playbook) }
        let credentials = try await RegistryLogin.checked(images: images, homeDirectory: settings.homeDirectory)
        let journal = try await global.openJournal()
        let identity = resume?.0 ?? RunIdentity(id: Journal.newRunID(now: Date()), user: settings.defaultUser)
        let reporter = Self.reporter(global)
        let interruption = SignalTrap.install()
        let action = RolloutAction(
            playbook: playbook, fleet: fleet, identity: identity, mode: mode, reporter: reporter, journal: journal,
            registryAuth: { image in try await credentials.auth(forImage: image) },
            interruption: interruption, details: details, resume: resume?.1)
        let report = await action.perform()
        if global.output == .text {
            Console.print(Summary.text(report))
        }
        if let held = report.lockedBy {
            Console.error(held.description)
        }
        if report.result == .waiting {
            let inventory = global.inventory.map { " -i \(Self.quoted($0))" } ?? ""
            let journalFlag = global.record.journal.map { " --journal \(Self.quoted(Journal.withoutPassword($0)))" } ?? ""
            Console.error(report.refused ? report.message ?? "" : """
                run \(report.run) waits at its gate after batch \(report.waitingAfter ?? 0); its locks are held.
                  go on:     molt promote \(report.run)\(inventory)\(journalFlag)
                  roll back: molt abort \(report.run)\(inventory)\(journalFlag)
                """)
        }
        return report
    }
}

extension RunExecution {
    /// A word as a POSIX shell reads it back.
    static func quoted(_ word: String) -> String {
        word.allSatisfy { $0.isLetter || $0.isNumber || "@%+=:,./_-".contains($0) } ? word : "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// JSON lines, a live display on a terminal, or one line per event.
    static func reporter(_ global: GlobalOptions) -> any RolloutReporter {
        if global.output == .json { return JSONLinesReporter() }
        if !global.verbose && TerminalReporter.isUsable { return TerminalReporter() }
        return TextReporter(verbose: global.verbose)
    }
}

/// Asks before changing a fleet; without a terminal, `--yes` is the only answer.
enum Confirmation {
    static func ask(_ question: String, yes: Bool) throws {
        if yes { return }
        guard isatty(STDIN_FILENO) == 1 else {
            throw BadInput("standard input is not a terminal: pass --yes to go ahead without confirmation")
        }
        FileHandle.standardError.write(Data("\(question) [y/N] ".utf8))
        let answer = readLine()?.trimmingCharacters(in: .whitespaces).lowercased() ?? ""
        guard answer == "y" || answer == "yes" else {
            Console.error("nothing done")
            throw ExitCode(ExitStatus.succeeded)
        }
    }
}
