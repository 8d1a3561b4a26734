import ArgumentParser
import Fleet
import Foundation
import Inventory
import Journal
import Playbook
import Rollout

/// `molt promote RUN`: a run waiting at a manual gate goes on with its next batches.
struct PromoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote",
        abstract: "Go on with a run that waits at a manual gate: its next batches, under the same run ID and locks.",
        discussion: """
            The run's playbook and hosts come from the journal; the inventory says how to reach \
            them. Nothing is done unless every host is as the run left it at its gate (its lock \
            says so, and each service is the container the run noted then): a container changed \
            by hand meanwhile stops the promotion with exit 1, and the run keeps waiting.
            """
    )

    @OptionGroup var waiting: WaitingRunOptions

    func run() async throws {
        let report = try await WaitingRun.takeUp(waiting.run, decision: .promote, yes: waiting.yes, global: waiting.global)
        throw ExitCode(report.exitCode)
    }
}

/// `molt abort RUN`: a run waiting at a manual gate is rolled back.
struct AbortCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "abort",
        abstract: "Roll back every host a run waiting at a manual gate changed, and release its locks.",
        discussion: "Each service the run updated is put back as `molt rollback --run RUN` would; a container the run did not make is left as it is."
    )

    @OptionGroup var waiting: WaitingRunOptions

    func run() async throws {
        let report = try await WaitingRun.takeUp(waiting.run, decision: .abort, yes: waiting.yes, global: waiting.global)
        throw ExitCode(report.exitCode)
    }
}

/// What `molt promote` and `molt abort` are told: the run, and how to reach its hosts.
struct WaitingRunOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The waiting run (see molt history).", valueName: "RUN"))
    var run: String
    @Flag(help: "Do not ask for confirmation (required without a terminal).")
    var yes = false
    @OptionGroup var global: GlobalOptions
}

/// A run waiting at a gate, found in the journal and taken up.
enum WaitingRun {
    static func takeUp(_ id: String, decision: GateResume.Decision, yes: Bool, global: GlobalOptions) async throws -> RolloutReport {
        let journal = try await global.openJournal()
        guard let record = try await journal.run(id: id) else { throw BadInput("no run \(id) in the journal \(journal.path)") }
        guard record.result == .waiting else {
            throw BadInput("run \(id) is not waiting at a gate: it is \(record.result?.rawValue ?? "still running (or was killed while running)")")
        }
        guard let text = record.details, let details = try? GateRunDetails.decode(text), let after = details.waitingAfter else {
            throw BadInput("run \(id) waits, but the journal \(journal.path) does not say where: it cannot be taken up")
        }
        var playbook: Playbook
        do {
            playbook = try Playbook.parse(text: details.playbookText, source: details.playbookSource)
            if let image = details.image { playbook = try playbook.overridingImage(image) }
        } catch {
            throw BadInput("run \(id): its playbook, as kept in the journal: \(error.description)")
        }
        // The same hosts in the same order make the same batches.
        let inventory = try global.loadInventory()
        let known = Dictionary(inventory.hosts.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        let missing = details.hosts.filter { known[$0] == nil }
        guard missing.isEmpty else {
            throw BadInput("run \(id): \(missing.joined(separator: ", ")) not in \(inventory.source): give the inventory the run was started with")
        }
        let fleet = try global.fleet(hosts: details.hosts.compactMap { known[$0] })
        // What the run changed and what failed before its gate.
        let outcomes = record.hosts
        let changed = outcomes.filter { $0.outcome == "updated" }.compactMap { outcome -> ChangedService? in
            playbook.services.first { $0.container == outcome.service }.map { ChangedService(host: outcome.host, service: $0) }
        }
        let failed = Set(outcomes.filter { ["failed", "rolledback", "degraded"].contains($0.outcome) }.map(\.host))
        let verb = decision == .promote ? "Promote" : "Abort"
        try Confirmation.ask("\(verb) run \(id) of \(playbook.name), waiting after batch \(after) (\(changed.count) service(s) changed on \(Set(changed.map(\.host)).count) host(s))?", yes: yes)
        let identity = RunIdentity(id: id, user: fleet.settings.defaultUser)
        guard try await journal.resumeRun(id: id, coordinator: identity.coordinator, pid: identity.pid, process: identity.process) else {
            throw BadInput("run \(id) was taken up by someone else meanwhile")
        }
        return try await RunExecution(global: global).perform(
            playbook: playbook, fleet: fleet, mode: .rollout,
            resume: (identity, GateResume(decision: decision, afterBatch: after, changed: changed, failedHosts: failed)))
    }
}
