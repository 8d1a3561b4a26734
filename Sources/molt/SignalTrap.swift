import Dispatch
import Foundation
import Rollout

/// Catches SIGINT, SIGTERM and SIGHUP for commands that change hosts (SPEC §4.9): the first
/// asks the run to stop and undo the step in flight, the second to hurry (skip the undo, still
/// unpause), the third ends molt at once.
enum SignalTrap {
    /// The signals handled; kept alive for the process's life.
    nonisolated(unsafe) private static var sources: [any DispatchSourceSignal] = []

    /// Installs the handlers and returns the interruption they drive. Call once, from the
    /// command, before any host is touched.
    static func install() -> Interruption {
        let interruption = Interruption()
        let queue = DispatchQueue(label: "molt.signals")
        var installed: [any DispatchSourceSignal] = []
        for number in [SIGINT, SIGTERM, SIGHUP] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setEventHandler {
                let name = Interruption.name(of: number)
                if interruption.level == .hurry {
                    Console.error("\(name) again: exiting now; a rerun repairs what is half done")
                    exit(128 + number)
                }
                switch interruption.escalate(signal: number) {
                case .stop:
                    Console.error("\(name): stopping — no new host or batch starts; the step in flight on each host is finished or undone, then the locks are released. Again to skip the undo.")
                case .hurry:
                    Console.error("\(name) again: skipping the undo (paused containers are still unpaused); a rerun of the same command repairs what is half done. Once more to exit at once.")
                case .none:
                    break
                }
            }
            source.resume()
            installed.append(source)
        }
        sources = installed
        return interruption
    }
}
