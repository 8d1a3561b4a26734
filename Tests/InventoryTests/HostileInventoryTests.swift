import Foundation
import Inventory
import MoltTestSupport
import Testing

/// Input that is careless or made to hurt: each is an error that names the file, the line and
/// the limit, found quickly and in little memory, never a crash or a hang.
@Suite("Hostile inventories")
struct HostileInventoryTests {
    /// Nine levels of nine aliases, which stand for 9^9 strings once expanded.
    static let aliasBomb = """
        all:
          vars:
            a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
            b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
            c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
            d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
            e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
            f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
            g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
            h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
            i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
          hosts:
            web1:
        """

    @Test("a YAML alias bomb is refused at the line where the aliases cross the limit, not expanded")
    func aliasBomb() throws {
        let (error, path) = try #require(try loadError("hosts.yml", Self.aliasBomb))
        #expect(error.code == .tooLarge)
        #expect(error.description.hasPrefix("\(path):9: YAML aliases expand this document past 1,000,000 nodes, the most molt reads"))
        #expect(error.message.contains("alias bomb: write the values out, or alias only small values"))
    }

    @Test("an alias bomb in a file without an extension or in group_vars is refused the same way")
    func aliasBombElsewhere() throws {
        let (error, path) = try #require(try loadError("hosts", Self.aliasBomb))
        #expect(error.description.hasPrefix("\(path):9: YAML aliases expand this document past 1,000,000 nodes"))

        let bomb = Self.aliasBomb.split(separator: "\n").dropFirst(2).prefix(9).map { $0.dropFirst(4) }.joined(separator: "\n")
        let fixture = try Fixture(["hosts.ini": "[web]\nweb1\n", "group_vars/web.yml": bomb])
        let grouped = try #require(throws: InventoryError.self) { try fixture.load("hosts.ini") }
        #expect(grouped.code == .tooLarge)
        #expect(grouped.description.hasPrefix("\(fixture.path("group_vars/web.yml")):7: YAML aliases expand this document past"))
    }

    @Test("a list used as a group name is refused at its line")
    func complexKey() throws {
        let (error, path) = try #require(try loadError("hosts.yml", "all:\n  children:\n    ? [web, db]\n    : {}\n"))
        #expect(error.code == .invalidStructure)
        #expect(error.description == "\(path):3: a mapping key here is a list; keys must be plain text such as a name")
    }

    @Test("YAML nested past 100 levels is refused at the line that goes too deep")
    func deepNesting() throws {
        let value = String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        let (error, path) = try #require(try loadError("hosts.yml", "all:\n  vars:\n    deep: \(value)\n"))
        #expect(error.code == .tooLarge)
        #expect(error.description.hasPrefix("\(path):3: lists and mappings are nested more than 100 deep here, the most molt reads"))
    }

    @Test(
        "a host range past 100,000 hosts is refused before it is expanded, naming the range and the limit",
        arguments: [
            ("web[1:99999999]", "stands for 99999999 hosts"),
            ("rack[1:1000]-[1:1000]", "stands for 1000000 hosts"),
            ("web[0:9223372036854775807]", "stands for 9223372036854775807 hosts"),
        ])
    func hugeRange(entry: String, size: String) throws {
        let reason = "host range \"\(entry)\" \(size), more than the 100000 molt reads from one entry; split it into smaller ranges, or check the numbers for a typo"
        let ini = try #require(try loadError("hosts.ini", "[web]\nweb0\n\(entry)\n"))
        #expect(ini.error.code == .tooLarge)
        #expect(ini.error.description == "\(ini.path):3: \(reason)")
        let yaml = try #require(try loadError("hosts.yml", "all:\n  hosts:\n    \(entry):\n"))
        #expect(yaml.error.description == "\(yaml.path):3: \(reason)")
    }

    @Test("long names times many ranges are refused before they take gigabytes, naming the range and the limit (a fuzzer's find)")
    func longNamesManyRanges() throws {
        let entry = String(repeating: "x", count: 300) + "[01:20][01:20][02:10][01:20]"
        let (error, path) = try #require(try loadError("hosts.yml", "all:\n  hosts:\n    \(entry):\n"))
        #expect(error.code == .tooLarge)
        #expect(error.description.hasPrefix("\(path):3: host range \"\(entry)\" stands for 72000 names of up to 328 bytes, more than the 8 MiB of host names"), "\(error)")
    }

    @Test("a range bound too large for a number is refused, not read as a letter range")
    func rangeNumberTooLarge() throws {
        let (error, path) = try #require(try loadError("hosts.ini", "web[1:99999999999999999999999]\n"))
        #expect(error.code == .tooLarge)
        #expect(error.description == "\(path):1: host range \"web[1:99999999999999999999999]\" has a number too large for a host range; molt reads at most 100000 hosts from one entry")
    }

    @Test("a range of exactly 100,000 hosts loads, and one host more in the inventory is refused at its line")
    func totalHosts() async throws {
        let full = try await onOwnThread { try load("hosts.ini", "[web]\nweb[1:100000]\n") }
        #expect(full.hosts.count == 100_000)
        #expect(full.hosts.last?.name == "web100000")

        let failure = try await onOwnThread { try loadError("hosts.ini", "[web]\nweb[1:100000]\n[db]\ndb1\n") }
        let (error, path) = try #require(failure)
        #expect(error.code == .tooLarge)
        #expect(error.description == "\(path):4: host 'db1' is one more than the 100000 hosts molt reads from one inventory; split the fleet into several inventories, or check host ranges for a typo")
    }

    @Test("more than 10,000 groups are refused at the line of the group past the limit")
    func tooManyGroups() throws {
        let text = (1...10_001).map { "[g\($0)]\n" }.joined()
        let (error, path) = try #require(try loadError("hosts.ini", text))
        #expect(error.code == .tooLarge)
        #expect(error.description == "\(path):9999: group 'g9999' is one more than the 10000 groups molt reads from one inventory; merge some groups")
    }

    @Test("a chain of thousands of nested groups loads without running out of stack, declared in either order")
    func deepGroupChain() async throws {
        let count = 5_000
        let downwards = (1..<count).map { "[g\($0):children]\ng\($0 + 1)\n" }.joined() + "[g\(count)]\nleaf\n"
        let upwards = "[g\(count)]\nleaf\n" + (1..<count).reversed().map { "[g\($0):children]\ng\($0 + 1)\n" }.joined()
        let (forward, globbed, elapsed, backward) = try await onOwnThread {
            let forward = try load("hosts.ini", downwards)
            // Every group's hosts in Ansible's order are worked out once, not by a walk down from
            // each group: with that walk, a glob matching every group of a 10,000-group chain took 48 s.
            let started = ThreadCPUTime.now
            let globbed = try forward.hosts(matching: "g*:*").map(\.name)
            return (forward, globbed, ThreadCPUTime.now - started, try load("hosts.ini", upwards))
        }
        #expect(forward.host(named: "leaf")?.groups.count == count + 1)
        #expect(try forward.hosts(matching: "g1").map(\.name) == ["leaf"])
        #expect(globbed == ["leaf"])
        #expect(elapsed < .seconds(2))
        #expect(backward.host(named: "leaf")?.groups.count == count + 1)
    }

    @Test("an INI value nested thousands of brackets deep stays text instead of overflowing the stack")
    func deepPythonLiteral() throws {
        let value = String(repeating: "[", count: 10_000) + String(repeating: "]", count: 10_000)
        let inventory = try load("hosts.ini", "web1 deep=\(value)\n")
        #expect(inventory.host(named: "web1")?.vars["deep"] == .string(value))
    }

    @Test("a base-60 number past Int's range stays text instead of trapping")
    func hugeSexagesimal() throws {
        let text = "1" + String(repeating: ":59", count: 20)
        let inventory = try load("hosts.yml", "all:\n  hosts:\n    web1:\n      big: \(text)\n")
        #expect(inventory.host(named: "web1")?.vars["big"] == .string(text))
    }

    @Test(
        "a port too large for any number type is an error at the line it was set",
        arguments: ["99999999999999999999999", "1.0e+400", "-1", "9223372036854775807"])
    func hugePort(value: String) throws {
        let (error, path) = try #require(try loadError("hosts.yml", "all:\n  hosts:\n    web1:\n      ansible_port: \(value)\n"))
        #expect(error.code == .invalidVariable)
        #expect(error.description.hasPrefix("\(path):4: host 'web1': ansible_port must be a port number from 1 to 65535, got "))
    }

    @Test("a port written after a host name must be a port number, in INI and YAML")
    func entryPort() throws {
        let ini = try #require(try loadError("hosts.ini", "[web]\nweb1:99999\n"))
        #expect(ini.error.description == "\(ini.path):2: host 'web1': ansible_port must be a port number from 1 to 65535, got 99999")
        let yaml = try #require(try loadError("hosts.yml", "all:\n  hosts:\n    web[1:3]:65536:\n"))
        #expect(yaml.error.description == "\(yaml.path):3: host 'web1': ansible_port must be a port number from 1 to 65535, got 65536")
    }

    @Test("a file larger than 16 MiB is refused without reading it all")
    func hugeFile() throws {
        let fixture = try Fixture(["hosts.ini": "[web]\nweb1\n"])
        let handle = try #require(FileHandle(forWritingAtPath: fixture.path("hosts.ini")))
        try handle.truncate(atOffset: 64 << 20)
        try handle.close()
        let error = try #require(throws: InventoryError.self) { try fixture.load("hosts.ini") }
        #expect(error.code == .tooLarge)
        #expect(error.description == "\(fixture.path("hosts.ini")): the file is larger than 16 MiB, the most molt reads from one inventory file; check that -i names the inventory, or split it into a directory of smaller files")
    }

    @Test("a symbolic link that loops back in an inventory directory is an error naming it")
    func symlinkLoop() throws {
        let fixture = try Fixture(["inventory/hosts.ini": "[web]\nweb1\n", "inventory/group_vars/web/main.yml": "a: 1\n"])
        try FileManager.default.createSymbolicLink(atPath: fixture.path("inventory/sub"), withDestinationPath: fixture.path("inventory"))
        let error = try #require(throws: InventoryError.self) { try fixture.load("inventory") }
        #expect(error.description.hasPrefix("\(fixture.path("inventory/sub")): this directory was already read through another path"))

        try FileManager.default.removeItem(atPath: fixture.path("inventory/sub"))
        try FileManager.default.createSymbolicLink(
            atPath: fixture.path("inventory/group_vars/web/again"), withDestinationPath: fixture.path("inventory/group_vars/web"))
        let variables = try #require(throws: InventoryError.self) { try fixture.load("inventory") }
        #expect(variables.description.hasPrefix("\(fixture.path("inventory/group_vars/web/again")): this directory was already read"))
    }

    @Test("a host pattern of thousands of names is looked up, and one past the term limits is refused")
    func longPatterns() throws {
        let inventory = try load("hosts.ini", "[web]\nweb[1:100]\n[db]\ndb.example.com\n")
        let names = (1...5000).map { "web\($0 % 150)" }.joined(separator: ":")
        #expect(try inventory.hosts(matching: names).count == 100)
        #expect(try inventory.hosts(matching: "db.example.com:web:&web1:!nothing").map(\.name) == ["web1"])
        #expect(try inventory.hosts(matching: "db").map(\.name) == ["db.example.com"])

        let many = Array(repeating: "web1", count: 10_001).joined(separator: ":")
        let tooMany = try #require(throws: InventoryError.self) { try inventory.hosts(matching: many) }
        #expect(tooMany.code == .tooLarge)
        #expect(tooMany.description.hasPrefix("host pattern 'web1:web1:"))
        #expect(tooMany.description.hasSuffix("…': it has 10001 terms, more than the 10000 molt matches; put the hosts in a group and name it"))

        let globs = Array(repeating: "web*", count: 101).joined(separator: ",")
        let tooManyGlobs = try #require(throws: InventoryError.self) { try inventory.hosts(matching: globs) }
        #expect(tooManyGlobs.description.hasSuffix("it has 101 glob or regular-expression terms, more than the 100 molt matches; put the hosts in a group and name it"))
    }

    @Test("a megabyte-long unknown key is reported without comparing it letter by letter with every key")
    func longUnknownKey() async throws {
        let key = String(repeating: "x", count: 1_000_000)
        let (inventory, elapsed) = try await onOwnThread {
            let started = ThreadCPUTime.now
            let inventory = try load("hosts.yml", "all:\n  hosts:\n    web1:\n  ? \(key)\n  : 1\n")
            return (inventory, ThreadCPUTime.now - started)
        }
        // Compared letter by letter this took 14 s; the bound leaves room for a loaded machine.
        #expect(elapsed < .seconds(7))
        #expect(inventory.warnings.first?.message.hasSuffix("…) in group (all) as it is not a mapping, it is an integer") == true)
    }

    @Test("connection templates nested to multiply their text are refused, and each variable is expanded once")
    func templateBomb() throws {
        let levels = "abcdefghij".map(String.init)
        func inventory(leaf: String) -> String {
            var text = "[web]\nweb1 ansible_host=\"{{ a }}\"\n[web:vars]\n"
            for (name, next) in zip(levels, levels.dropFirst()) {
                text += "\(name)=\"" + String(repeating: "{{ \(next) }}", count: 100) + "\"\n"
            }
            return text + "j=\"\(leaf)\"\n"
        }
        let (error, path) = try #require(try loadError("hosts.ini", inventory(leaf: "x")))
        #expect(error.description.hasPrefix("\(path):"))
        #expect(error.message.hasSuffix("expands to more than 4096 characters through '{{ }}' templates"))
        let empty = try #require(try loadError("hosts.ini", inventory(leaf: "")))
        #expect(empty.error.description == "\(empty.path):2: host 'web1': ansible_host is empty")
    }

    @Test("a long chain of mappings that each merge the one before is merged once per link, not again at every link")
    func mergeChain() async throws {
        let links = 700
        var text = "all:\n  vars:\n    v0: &v0 {k0: 0}\n"
        for index in 1..<links { text += "    v\(index): &v\(index) {<<: *v\(index - 1), k\(index): \(index)}\n" }
        text += "  hosts:\n    web1:\n"
        let (inventory, elapsed) = try await onOwnThread { [text] in
            let started = ThreadCPUTime.now
            let inventory = try load("hosts.yml", text)
            return (inventory, ThreadCPUTime.now - started)
        }
        // Merged again at every link, this took 81 s; merged once, about one (debug build), and
        // the bound leaves room for a loaded machine.
        #expect(elapsed < .seconds(20))
        guard case let .map(last)? = inventory.host(named: "web1")?.vars["v\(links - 1)"] else {
            Issue.record("v\(links - 1) is not a mapping")
            return
        }
        #expect(last.count == links)
        #expect(last["k0"] == .int(0))
    }
}
