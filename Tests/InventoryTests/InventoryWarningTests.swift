import Inventory
import Testing

/// Warnings where Ansible warns, in Ansible's words (ansible-core 2.19's yaml plugin and
/// `InventoryData`), each at the file and line it is about. They never stop a command.
@Suite("Inventory warnings where Ansible warns")
struct InventoryWarningTests {
    @Test("a YAML group key Ansible skips is a warning at its line, in Ansible's words")
    func unexpectedKey() throws {
        let fixture = try Fixture(["hosts.yml": "all:\n  children:\n    hosts:\n      jumper:\n        bastion1:\n      hosts:\n        web1:\n"])
        let inventory = try fixture.load("hosts.yml")
        #expect(inventory.names == ["web1"])
        #expect(inventory.warnings.map(\.description) == [
            "\(fixture.path("hosts.yml")):4: warning: Skipping unexpected key (jumper) in group (hosts), only \"vars\", \"children\" and \"hosts\" are valid"
        ])
    }

    @Test("a YAML group key holding a value that is not a mapping is skipped with Ansible's warning")
    func keyNotMapping() throws {
        let inventory = try load("hosts.yml", "web:\n  hosts:\n    web1:\n  comment: the web tier\n")
        #expect(inventory.warnings.map(\.message) == ["Skipping key (comment) in group (web) as it is not a mapping, it is a string"])
        #expect(inventory.warnings.first?.location.line == 4)
    }

    @Test("a top-level YAML entry that is not a group is skipped with Ansible's warning, not refused")
    func invalidGroupDefinition() throws {
        let inventory = try load("hosts.yml", "web:\n  hosts:\n    web1:\nnotes: [a, b]\n")
        #expect(inventory.names == ["web1"])
        #expect(!inventory.groupNames.contains("notes"))
        #expect(inventory.warnings.map(\.message) == ["Skipping 'notes' as this is not a valid group definition"])
        #expect(inventory.warnings.first?.location.line == 4)
    }

    @Test("a name that is both a group and a host is a warning at the host's line")
    func groupAndHost() throws {
        let inventory = try load("hosts.ini", "[web]\nweb1\ndb\n[db]\ndb1\n")
        #expect(inventory.warnings.map(\.message) == ["Found both group and host with same name: db"])
        #expect(inventory.warnings.first?.location.line == 3)
        // As in Ansible, a pattern that is a host's name is that host, even when a group has it too.
        #expect(try inventory.hosts(matching: "db").map(\.name) == ["db"])
        #expect(try inventory.hosts(matching: "web:&db").map(\.name) == [])
    }

    @Test("group names Ansible finds invalid are kept, with one warning at the first of them")
    func invalidGroupCharacters() throws {
        let inventory = try load("hosts.ini", "[web]\nweb1\n[nova-api]\napi1\n[2fa]\nauth1\n")
        #expect(inventory.groupNames.contains("nova-api"))
        #expect(inventory.warnings.map(\.message) == [
            "Invalid characters were found in group names but not replaced: 'nova-api' (and 1 more); Ansible accepts them, but they cannot be used as variable names"
        ])
        #expect(inventory.warnings.first?.location.line == 3)
    }

    @Test("a second host named like the local machine is a warning, as in Ansible")
    func duplicateLocalhost() throws {
        let inventory = try load("hosts.ini", "localhost\n[web]\n127.0.0.1\n")
        #expect(inventory.warnings.map(\.message) == ["A duplicate localhost-like entry was found (127.0.0.1). First found localhost was localhost"])
        #expect(inventory.warnings.first?.location.line == 3)
    }
}
