import ArgumentParser
import Fleet
import SSHConfig
import Foundation
import Inventory
import Journal

/// The journal and the output format: all `molt history` takes, and part of every command's
/// ``GlobalOptions``.
struct JournalOptions: ParsableArguments {
    @Option(help: ArgumentHelp(
        "The journal: an SQLite file (default $MOLT_JOURNAL, else $XDG_STATE_HOME/molt/journal.sqlite), or a PostgreSQL server "
            + "a team shares, postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=disable|require|verify-full] "
            + "(the password also from PGPASSWORD or ~/.pgpass).",
        valueName: "PATH|URL"))
    var journal: String?

    @Option(help: "text or json.")
    var output: OutputFormat = .text

    /// Where the journal is: `--journal`, else `MOLT_JOURNAL`, else
    /// `$XDG_STATE_HOME/molt/journal.sqlite`.
    var journalLocation: String {
        let environment = ProcessInfo.processInfo.environment
        return journal ?? environment["MOLT_JOURNAL"].flatMap { $0.isEmpty ? nil : $0 } ?? Journal.defaultPath(environment: environment)
    }

    /// The journal ``journalLocation`` names, opened (and its tables created or migrated);
    /// one that cannot be opened is bad input (exit 2), named without any password.
    func openJournal() async throws -> Journal {
        let location = journalLocation
        do {
            return try await Journal.open(location)
        } catch let error as JournalError {
            throw BadInput(error.description)
        } catch {
            throw BadInput("cannot open the journal \(Journal.withoutPassword(location)): \(error)")
        }
    }
}

/// Flags every command that reaches hosts takes (SPEC §5 "Global").
struct GlobalOptions: ParsableArguments {
    @Option(name: [.customShort("i"), .customLong("inventory")],
            help: ArgumentHelp("Ansible inventory: a YAML or INI file, or a directory.", valueName: "PATH"))
    var inventory: String?

    @Option(help: "How many hosts to work on at once.")
    var forks: Int = 32

    @Option(name: .customLong("known-hosts"),
            help: ArgumentHelp("known_hosts file for every host (overrides the inventory's known_hosts).", valueName: "PATH"))
    var knownHosts: String?

    @Flag(name: .customLong("accept-new-host-keys"),
          help: "Record the keys of hosts not yet in known_hosts (never replaces a changed key).")
    var acceptNewHostKeys = false

    @Option(help: ArgumentHelp("SSH identity file for hosts whose inventory names none; then ssh-agent.", valueName: "PATH"))
    var identity: String?

    @OptionGroup var record: JournalOptions

    @Flag(name: .shortAndLong, help: "Say more: per-host timings and details of failures.")
    var verbose = false

    func validate() throws {
        guard forks >= 1 else { throw ValidationError("--forks must be at least 1, not \(forks)") }
    }

    var output: OutputFormat { record.output }
    var journalLocation: String { record.journalLocation }
    func openJournal() async throws -> Journal { try await record.openJournal() }

    /// The inventory from `-i` or `MOLT_INVENTORY`, its warnings (an unknown key, a stray
    /// `group_vars/` file) printed to standard error as `molt: warning: FILE:LINE: message`,
    /// in either output format, since each one means part of the inventory was ignored.
    func loadInventory() throws -> Inventory {
        guard let path = inventory ?? ProcessInfo.processInfo.environment["MOLT_INVENTORY"], !path.isEmpty else {
            throw BadInput("no inventory: give -i PATH or set MOLT_INVENTORY")
        }
        let loaded: Inventory
        do {
            loaded = try Inventory.load(path: path)
        } catch {
            throw BadInput(error.description)
        }
        for warning in loaded.warnings {
            Console.error("warning: \(warning.location): \(warning.message)")
        }
        return loaded
    }

    /// The hosts a pattern selects, reached with these flags.
    func fleet(_ inventory: Inventory, pattern: String) throws -> Fleet {
        let hosts: [InventoryHost]
        do {
            hosts = try inventory.hosts(matching: pattern)
        } catch {
            throw BadInput(error.description)
        }
        guard !hosts.isEmpty else {
            throw BadInput("\(inventory.source): the pattern \"\(pattern)\" matches no host")
        }
        return try fleet(hosts: hosts)
    }

    /// These hosts, reached with these flags.
    func fleet(hosts: [InventoryHost]) throws -> Fleet {
        var settings = ConnectionSettings.fromEnvironment()
        settings.knownHostsOverride = knownHosts
        settings.identityFile = identity
        settings.acceptNewHostKeys = acceptNewHostKeys
        settings.forks = forks
        settings.passphrases = TerminalPassphrases.ifInteractive()
        // Before any host is reached, as ssh does: a bad ssh configuration or connection
        // variable is bad input, and each option molt cannot honour is named once.
        do {
            settings = try settings.resolvingRoutes(of: hosts)
        } catch {
            throw BadInput(error.description)
        }
        var warned: Set<String> = []
        for host in hosts {
            for warning in settings.resolvedRoutes[host.name]?.warnings ?? [] where warned.insert(warning.description).inserted {
                Console.error(warning.description)
            }
        }
        let fleet = Fleet(hosts: hosts, settings: settings)
        // Before any host is reached: a --known-hosts that cannot be read is bad input, and
        // each known_hosts line molt skips is named once, not once per host.
        do {
            for note in try fleet.knownHostsNotes() {
                Console.error("warning: \(note)")
            }
        } catch {
            throw BadInput("--known-hosts: \(error)")
        }
        return fleet
    }
}

/// `--output`.
enum OutputFormat: String, ExpressibleByArgument, CaseIterable {
    case text
    case json
}
