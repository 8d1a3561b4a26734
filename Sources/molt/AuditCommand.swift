import ArgumentParser
import Dispatch
import Fleet
import DockerEngine
import Foundation
import Rollout
import Synchronization

/// `molt audit [PATTERN]`.
struct AuditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Show where the fleet drifted: containers patched or changed in place, local images, stale tags, mixed services.",
        discussion: """
            Per container: patched (it has /etc/molt-patches, written by molt patch), \
            changed-in-place (its dpkg/apk packages differ from its image's), local-image (its \
            image has no registry digest), stale-tag (the registry has a newer build under its \
            tag, asked through the engine with the credentials pulls use); per service: mixed \
            (different image IDs across hosts). Changes nothing: the containers created to read \
            an image's packages are never started and always removed, also when interrupted.
            Exits 0 when nothing is found, 3 on findings or containers that could not be \
            audited, 5 when no host could be reached.
            """
    )

    @Argument(help: "Ansible host pattern: all, names, groups, globs, a:b, a:&b, a:!b.")
    var pattern: String = "all"

    @Option(help: ArgumentHelp("Audit only containers with this name.", valueName: "NAME"))
    var container: String?

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let inventory = try global.loadInventory()
        let fleet = try global.fleet(inventory, pattern: pattern)
        let credentials: RegistryCredentials
        do {
            credentials = try RegistryCredentials(environment: ProcessInfo.processInfo.environment, homeDirectory: fleet.settings.homeDirectory)
        } catch {
            throw BadInput("\(error); nothing was done")
        }
        let action = AuditAction(fleet: fleet, containerName: container, credentials: credentials)
        let audit = Task { await action.perform() }
        // An interrupted audit stops asking, and still removes the containers it created.
        let signals = CancellingSignals(cancel: { audit.cancel() })
        let report = await audit.value
        if let signal = signals.received { throw ExitCode(128 + signal) }

        switch global.output {
        case .json: try Console.printJSON(report)
        case .text: Console.print(report.text)
        }
        for problem in report.errors {
            Console.error([problem.host, problem.container, problem.error].compactMap { $0 }.joined(separator: ": "))
        }
        if report.exitStatus != ExitStatus.succeeded { throw ExitCode(report.exitStatus) }
    }
}

/// SIGINT, SIGTERM and SIGHUP cancel a read-only command's work (which then cleans up after
/// itself) instead of killing molt; a second signal ends molt at once.
final class CancellingSignals: Sendable {
    private let state = Mutex<(received: Int32?, sources: [any DispatchSourceSignal])>((nil, []))

    /// The first signal received, if any.
    var received: Int32? { state.withLock { $0.received } }

    init(cancel: @escaping @Sendable () -> Void) {
        let queue = DispatchQueue(label: "molt.audit.signals")
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler { [self] in
                let first = state.withLock { state in
                    defer { if state.received == nil { state.received = number } }
                    return state.received == nil
                }
                guard first else { exit(128 + number) }
                Console.error("\(Interruption.name(of: number)): stopping; the audit's temporary containers are being removed. Again to exit at once.")
                cancel()
            }
            source.resume()
            sources.append(source)
        }
        state.withLock { $0.sources = sources }
    }
}
