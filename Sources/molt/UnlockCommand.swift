import ArgumentParser
import Fleet
import Playbook
import Inventory
import Rollout

/// `molt unlock`.
struct UnlockCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unlock",
        abstract: "Remove the locks a dead run left on the playbook's services, after showing whose they were."
    )

    @OptionGroup var selection: PlaybookOptions
    @Flag(help: "Do not ask for confirmation (required without a terminal).")
    var yes = false
    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let playbook = try selection.load()
        let fleet = try selection.fleet(playbook, global: global)
        let services = playbook.services.map(\.container)
        let found = await fleet.visit { connection in
            var holders: [(String, ServiceLock.Holder)] = []
            for service in services {
                if let holder = try await ServiceLock.holder(on: connection.docker, service: service) { holders.append((service, holder)) }
            }
            return holders
        }
        var locks: [(host: String, service: String, holder: ServiceLock.Holder)] = []
        var unreachable = 0
        for outcome in found {
            switch outcome.result {
            case .success(let holders): locks += holders.map { (outcome.host.name, $0.0, $0.1) }
            case .failure(let failure):
                Console.error(failure.description)
                unreachable += 1
            }
        }
        let hosts = "\(fleet.hosts.count) host\(fleet.hosts.count == 1 ? "" : "s")"
        guard !locks.isEmpty else {
            if unreachable == fleet.hosts.count {
                Console.error("no host could be asked for its locks: nothing was removed")
                throw ExitCode(ExitStatus.noHostReached)
            }
            Console.print("no locks on \(services.joined(separator: ", ")) on the \(fleet.hosts.count - unreachable) of \(hosts) that answered")
            if unreachable > 0 { throw ExitCode(ExitStatus.partial) }
            return
        }
        for lock in locks {
            Console.print("\(lock.host): \(lock.service) is locked by \(lock.holder)")
        }
        try Confirmation.ask("Remove \(locks.count) lock\(locks.count == 1 ? "" : "s")?", yes: yes)
        let targets = Set(locks.map(\.host))
        let held = locks
        var unlockFleet = fleet
        unlockFleet.hosts = fleet.hosts.filter { targets.contains($0.name) }
        // Exactly the locks shown go: one that changed hands since is left alone.
        let removed = await unlockFleet.visit { connection in
            var results: [(service: String, removed: Bool)] = []
            for lock in held where lock.host == connection.host.name {
                // Awaited before the tuple is formed (see concurrentMap: swiftlang/swift#91911).
                let broken = try await ServiceLock.breakLock(on: connection.docker, service: lock.service, holder: lock.holder)
                results.append((lock.service, broken))
            }
            return results
        }
        var count = 0
        var failed = unreachable > 0
        for outcome in removed {
            switch outcome.result {
            case .success(let results):
                for result in results {
                    if result.removed {
                        count += 1
                    } else {
                        Console.error("\(outcome.host.name): the lock of \(result.service) changed hands since it was shown; not removed")
                        failed = true
                    }
                }
            case .failure(let failure):
                Console.error(failure.description)
                failed = true
            }
        }
        Console.print("removed \(count) lock\(count == 1 ? "" : "s")")
        if failed { throw ExitCode(ExitStatus.partial) }
    }
}
