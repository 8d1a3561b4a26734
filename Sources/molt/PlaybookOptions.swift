import ArgumentParser
import Fleet
import Inventory
import Playbook

/// The playbook and the host selection shared by plan, rollout, trial and rollback.
struct PlaybookOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The playbook (see playbooks/).", valueName: "PLAYBOOK"))
    var playbook: String

    @Option(help: ArgumentHelp("Target image for a single-service playbook, instead of its image:.", valueName: "IMAGE"))
    var image: String?

    @Option(help: ArgumentHelp("Only hosts that also match this pattern (like ansible --limit).", valueName: "PATTERN"))
    var limit: String?

    /// The playbook, validated, with `--image` applied.
    func load() throws -> Playbook {
        do {
            var loaded = try Playbook.load(path: playbook)
            if let image { loaded = try loaded.overridingImage(image) }
            return loaded
        } catch {
            throw BadInput(error.description)
        }
    }

    /// The playbook's hosts, narrowed by `--limit`, in inventory order.
    func fleet(_ playbook: Playbook, global: GlobalOptions) throws -> Fleet {
        let inventory = try global.loadInventory()
        var pattern = playbook.hosts
        if let limit { pattern = "\(pattern):&\(limit)" }
        let hosts: [InventoryHost]
        do {
            hosts = try inventory.hosts(matching: pattern)
        } catch {
            throw BadInput("\(playbook.source)\(playbook.hostsLine.map { ":\($0)" } ?? ""): \(error.description)")
        }
        guard !hosts.isEmpty else {
            let place = "\(playbook.source)\(playbook.hostsLine.map { ":\($0)" } ?? "")"
            throw BadInput("\(place): hosts: \(playbook.hosts)\(limit.map { " with --limit \($0)" } ?? "") matches no host in \(inventory.source)")
        }
        return try global.fleet(hosts: hosts)
    }
}
