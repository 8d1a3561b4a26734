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
                if let holder = try await ServiceLock.holder(on: connection, service: service) { holders.append((service, holder)) }
            }
            return holders
        }
        var locks: [(host: String, service: String, holder: ServiceLock.Holder)] = []
        for outcome in found {
            switch outcome.result {
            case .success(let holders): locks += holders.map { (outcome.host.name, $0.0, $0.1) }
            case .failure(let failure): Console.error(failure.description)
            }
        }
        guard !locks.isEmpty else {
            Console.print("no locks on \(services.joined(separator: ", ")) on \(fleet.hosts.count) host\(fleet.hosts.count == 1 ? "" : "s")")
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
        let removed = await unlockFleet.visit { connection in
            for lock in held where lock.host == connection.host.name {
                try await ServiceLock.breakLock(on: connection, service: lock.service)
            }
        }
        var failed = false
        for outcome in removed {
            if case .failure(let failure) = outcome.result {
                Console.error(failure.description)
                failed = true
            }
        }
        Console.print("removed \(locks.count) lock\(locks.count == 1 ? "" : "s")")
        if failed { throw ExitCode(ExitStatus.partial) }
    }
}
