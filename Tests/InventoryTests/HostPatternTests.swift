import Inventory
import Testing

@Suite("Host patterns")
struct HostPatternTests {
    /// Hosts in an order that differs from some groups', so selections prove Ansible's order (each
    /// expectation below is what ansible-core 2.19's `--list-hosts` printed for this inventory).
    static let inventory: Inventory = {
        let text = """
            all:
              hosts:
                bastion:
              children:
                lab:
                  hosts:
                    lab[1:3]:
                web:
                  hosts:
                    web[01:04]:
                  children:
                    canary:
                      hosts:
                        web03:
                db:
                  hosts:
                    db-[a:b].example.com:
                    lab3:
            """
        do {
            return try Inventory.parse(text: text, source: "patterns.yml")
        } catch {
            fatalError("\(error)")
        }
    }()

    static let everyone = ["bastion", "lab1", "lab2", "lab3", "web01", "web02", "web03", "web04", "db-a.example.com", "db-b.example.com"]

    @Test(
        "each pattern form selects Ansible's hosts, in Ansible's order",
        arguments: [
            ("all", everyone),
            ("*", everyone),
            ("web", ["web01", "web02", "web03", "web04"]),
            ("canary", ["web03"]),
            ("web02", ["web02"]),
            ("db-a.example.com", ["db-a.example.com"]),
            ("web*", ["web01", "web02", "web03", "web04"]),
            ("*.example.com", ["db-a.example.com", "db-b.example.com"]),
            ("lab[!2]", ["lab1", "lab3"]),
            ("web0[1-2]", []),  // Ansible reads [1-2] as a subscript of 'web0', which matches nothing.
            ("lab[12]", []),
            ("web0?", ["web01", "web02", "web03", "web04"]),
            ("~lab[13]", ["lab1", "lab3"]),
            ("~(web|db)-?a", ["db-a.example.com"]),
            ("web*:&canary", ["web03"]),
            ("all:!lab3", ["bastion", "lab1", "lab2", "web01", "web02", "web03", "web04", "db-a.example.com", "db-b.example.com"]),
            ("web:!canary", ["web01", "web02", "web04"]),
            ("db,web02", ["db-a.example.com", "db-b.example.com", "lab3", "web02"]),
            ("db:web02", ["db-a.example.com", "db-b.example.com", "lab3", "web02"]),
            ("web02 lab1", ["web02", "lab1"]),
            ("lab:&db", ["lab3"]),
            ("!web:lab", ["lab1", "lab2", "lab3"]),
            ("&canary", ["web03"]),
            ("!lab:!web", ["bastion", "db-a.example.com", "db-b.example.com"]),
            ("web[0]", ["web01"]),
            ("web[-1]", ["web04"]),
            ("web[1:2]", ["web02", "web03"]),
            ("web[2:]", ["web03", "web04"]),
            ("web[9]", []),
            ("lab1,", ["lab1"]),
        ])
    func patternSelects(pattern: String, expected: [String]) throws {
        #expect(try Self.inventory.hosts(matching: pattern).map(\.name) == expected)
    }

    @Test("a pattern naming an unknown group or host selects nothing instead of failing")
    func unknownNamesSelectNothing() throws {
        #expect(try Self.inventory.hosts(matching: "nosuchgroup").isEmpty)
        #expect(try Self.inventory.hosts(matching: "nosuch*").isEmpty)
        #expect(try Self.inventory.hosts(matching: "canary:nosuchgroup").map(\.name) == ["web03"])
        #expect(try Self.inventory.hosts(matching: "all:!nosuchgroup").count == Self.everyone.count)
        #expect(Self.inventory.suggestion(for: "canray") == "canary")
        #expect(Self.inventory.suggestion(for: "zzzzzz") == nil)
    }

    @Test("an unparseable pattern is an invalid-pattern error that names it", arguments: ["", " , ", "web:!", "&", "~", "~web(", "web[:]"])
    func invalidPattern(pattern: String) throws {
        let error = try #require(throws: InventoryError.self) { try Self.inventory.hosts(matching: pattern) }
        #expect(error.code == .invalidPattern)
        #expect(error.file == nil)
        #expect(error.description.contains("host pattern '\(pattern)'"))
    }

    @Test("hosts(inGroup:) lists a group's own hosts first, then its child groups', as Ansible does")
    func groupMembership() {
        #expect(Self.inventory.groupNames == ["all", "ungrouped", "lab", "web", "canary", "db"])
        #expect(Self.inventory.hosts(inGroup: "db").map(\.name) == ["db-a.example.com", "db-b.example.com", "lab3"])
        #expect(Self.inventory.hosts(inGroup: "ungrouped").map(\.name) == ["bastion"])
        #expect(Self.inventory.hosts(inGroup: "nosuchgroup").isEmpty)
        #expect(Self.inventory.host(named: "lab3")?.groups == ["all", "db", "lab"])
    }
}
