import ArgumentParser
import Fleet
import Inventory
import Playbook

/// A target image other than the playbook's: plan, trial and rollout (rollback and unlock
/// have no use for one).
struct ImageOption: ParsableArguments {
    @Option(help: ArgumentHelp("Target image for a single-service playbook, instead of its image:.", valueName: "IMAGE"))
    var image: String?
}

/// The playbook and the host selection shared by plan, rollout, trial, rollback and unlock.
struct PlaybookOptions: ParsableArguments {
    @Argument(help: ArgumentHelp("The playbook (see playbooks/).", valueName: "PLAYBOOK"))
    var playbook: String

    @Option(help: ArgumentHelp("Only hosts that also match this pattern (like ansible --limit).", valueName: "PATTERN"))
    var limit: String?

    /// The playbook, validated, with `image` (`--image`) applied.
    func load(image: String? = nil) throws -> Playbook {
        do {
            var loaded = try Playbook.load(path: playbook)
            if let image { loaded = try loaded.overridingImage(image) }
            return loaded
        } catch {
            throw BadInput(error.description)
        }
    }

    /// The playbook's hosts, in the pattern's order, narrowed by `--limit` as Ansible narrows them:
    /// the limit is a pattern of its own, and only hosts it also selects stay, in the same order
    /// (so `--limit web:db` means web or db, not the playbook's hosts plus db).
    func fleet(_ playbook: Playbook, global: GlobalOptions) throws -> Fleet {
        let inventory = try global.loadInventory()
        var hosts: [InventoryHost]
        do {
            hosts = try inventory.hosts(matching: playbook.hosts)
        } catch {
            throw BadInput("\(playbook.source)\(playbook.hostsLine.map { ":\($0)" } ?? ""): \(error.description)")
        }
        if let limit {
            let kept: Set<String>
            do {
                kept = Set(try inventory.hosts(matching: limit).map(\.name))
            } catch {
                throw BadInput("--limit: \(error.description)")
            }
            hosts.removeAll { !kept.contains($0.name) }
        }
        guard !hosts.isEmpty else {
            let place = "\(playbook.source)\(playbook.hostsLine.map { ":\($0)" } ?? "")"
            throw BadInput("\(place): hosts: \(playbook.hosts)\(limit.map { " with --limit \($0)" } ?? "") matches no host in \(inventory.source)")
        }
        return try global.fleet(hosts: hosts)
    }
}
