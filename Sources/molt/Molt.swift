import ArgumentParser
import Foundation

/// The `molt` command: subcommands only parse arguments, hand them to actions (`Rollout`), and render what comes back.
struct Molt: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "molt",
        abstract: "Keep the containers of a Docker fleet up to date: replace, never patch.",
        discussion: """
            molt reaches every host of an Ansible inventory over SSH and speaks to its Docker \
            engine through the SSH connection. \(ExitStatus.summary)
            """,
        version: "0.1.0",
        subcommands: [StatusCommand.self, FindCommand.self, AuditCommand.self, PlanCommand.self, TrialCommand.self, RolloutCommand.self, RollbackCommand.self, PromoteCommand.self, AbortCommand.self, PatchCommand.self, HistoryCommand.self, UnlockCommand.self, JournalCommand.self]
    )
}

/// Runs `molt`, mapping argument errors to exit code 2 (SPEC §5: bad input), not
/// ArgumentParser's 64.
@main
enum MoltMain {
    static func main() async {
        raiseOpenFileLimit()
        // A reader of molt's output that goes away (`molt rollout … | head`) must not kill a
        // rollout half way through a replacement: output to it fails quietly instead.
        signal(SIGPIPE, SIG_IGN)
        do {
            var command = try Molt.parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let input as BadInput {
            Console.error(input.description)
            exit(ExitStatus.badInput)
        } catch {
            if Molt.exitCode(for: error) == .validationFailure {
                Console.error(Molt.fullMessage(for: error))
                exit(ExitStatus.badInput)
            }
            Molt.exit(withError: error)
        }
    }
}

/// Every host being worked on holds a few descriptors (its socket, its loop's wake pair):
/// take all the system allows this process, as OpenSSH-based tools and servers do, rather
/// than the soft limit a shell starts with (often 1,024).
private func raiseOpenFileLimit() {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
    limit.rlim_cur = limit.rlim_max
    _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}

/// The exit codes of SPEC §5.
enum ExitStatus {
    /// What every exit code means, in one sentence: `molt --help`, the README and SPEC §5 say
    /// it the same way (a test compares the README's).
    static let summary = """
        Exit codes: 0 done; 1 the run failed (rolled back or paused); 2 bad input (files, flags, \
        patterns), nothing changed; 3 done, but not everywhere: some hosts failed within what the \
        playbook tolerates or could not be reached, or (find, audit) something was found; 4 locked \
        by another run; 5 no host could be reached; 6 waiting at a manual gate (molt promote or \
        molt abort); 128 + N stopped by signal N (130 SIGINT, 143 SIGTERM, 129 SIGHUP).
        """

    static let succeeded: Int32 = 0
    static let failed: Int32 = 1
    static let badInput: Int32 = 2
    static let partial: Int32 = 3
    static let locked: Int32 = 4
    static let noHostReached: Int32 = 5
    static let waiting: Int32 = 6
}

/// Bad input from the operator (files, flags, patterns): printed as is, exit 2.
struct BadInput: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
