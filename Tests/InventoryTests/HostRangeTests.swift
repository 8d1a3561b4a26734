import Inventory
import Testing

@Suite("Host ranges")
struct HostRangeTests {
    @Test("a zero-padded numeric range keeps its padding, in YAML keys and INI lines")
    func paddedRange() throws {
        let expected = (1...12).map { String(format2($0)) }.map { "web\($0).example.com" }
        let ini = try load("hosts.ini", "[web]\nweb[01:12].example.com\n")
        let yaml = try load("hosts.yml", "web:\n  hosts:\n    web[01:12].example.com:\n")
        #expect(ini.names == expected)
        #expect(yaml.names == expected)
    }

    @Test("a range with a step takes every nth number")
    func steppedRange() throws {
        let inventory = try load("hosts.ini", "[odd]\nnode[1:10:2]\n")
        #expect(inventory.names == ["node1", "node3", "node5", "node7", "node9"])
    }

    @Test("a letter range and several ranges in one name expand in order")
    func letterRanges() throws {
        let letters = try load("hosts.ini", "db-[a:f]\n")
        #expect(letters.names == ["db-a", "db-b", "db-c", "db-d", "db-e", "db-f"])
        let grid = try load("hosts.yml", "all:\n  hosts:\n    rack[1:2]-[a:b]:\n")
        #expect(grid.names == ["rack1-a", "rack1-b", "rack2-a", "rack2-b"])
    }

    @Test("host variables on a range line apply to every host of the range")
    func rangeVariables() throws {
        let inventory = try load("hosts.ini", "[web]\nweb[1:3] ansible_user=deploy\n")
        #expect(inventory.hosts.allSatisfy { $0.user == "deploy" })
    }

    @Test(
        "a bad range is an error at its line, naming the range",
        arguments: [
            ("web[05:01]", "start is after end"),
            ("web[1:5:0]", "the step '0' must be a positive integer"),
            ("web[01:5]", "a zero-padded start needs an end of the same width"),
            ("web[a:5]", "start and end must both be numbers or both single letters"),
            ("web[1:]", "the end is missing"),
        ])
    func badRange(entry: String, reason: String) throws {
        let ini = try #require(try loadError("bad.ini", "# fleet\n[web]\nweb00\n\(entry)\n"))
        #expect(ini.error.description == "\(ini.path):4: invalid host range \"\(entry)\": \(reason)")
        let yaml = try #require(try loadError("bad.yml", "all:\n  hosts:\n    web00:\n    \(entry):\n"))
        #expect(yaml.error.description == "\(yaml.path):4: invalid host range \"\(entry)\": \(reason)")
    }
}

private func format2(_ number: Int) -> String {
    number < 10 ? "0\(number)" : "\(number)"
}
