import Inventory
import Testing

@Suite("Inventory errors")
struct InventoryErrorTests {
    @Test("malformed YAML is reported at the line Yams found the problem on")
    func malformedYAML() throws {
        let (error, path) = try #require(try loadError("bad.yml", "all:\n  hosts:\n    web1:\n   bad: [\n"))
        #expect(error.code == .syntax)
        #expect(error.description.hasPrefix("\(path):4: YAML syntax error: did not find expected key"))
    }

    @Test("a YAML group of the wrong shape is an error at its line")
    func yamlWrongShape() throws {
        let (error, path) = try #require(try loadError("bad.yml", "all:\n  children:\n    web:\n      hosts:\n        - web1\n"))
        #expect(error.description == "\(path):5: 'hosts' of group 'web' must be a mapping of host names, found a list")
    }

    @Test("an INI host line with a word that is not key=value is an error at its line")
    func iniBadHostLine() throws {
        let (error, path) = try #require(try loadError("bad.ini", "[web]\nweb1\nweb2 port 22\n"))
        #expect(error.description == "\(path):3: expected key=value after host 'web2', got 'port'")
    }

    @Test("INI errors name the line for unclosed quotes, bad section types and undeclared child groups")
    func iniStructureErrors() throws {
        let quote = try #require(try loadError("a.ini", "[web]\nweb1 motd=\"hello\n"))
        #expect(quote.error.description == "\(quote.path):2: cannot read host line 'web1 motd=\"hello': no closing quotation")
        let section = try #require(try loadError("b.ini", "[web]\nweb1\n[web:host]\n"))
        #expect(section.error.description == "\(section.path):3: section [web:host] has unknown type 'host'; use [web], [web:children] or [web:vars]")
        let child = try #require(try loadError("c.ini", "[web]\nweb1\n[prod:children]\nweb\napi\n"))
        #expect(child.error.description.hasPrefix("\(child.path):5: section [prod:children] includes group 'api', which is never declared"))
        #expect(child.error.code == .undefinedGroup)
    }

    @Test("a bad ansible_port names the file and line where it was set and the host")
    func badPort() throws {
        let ini = try #require(try loadError("hosts.ini", "[web]\nweb1\n\n[web:vars]\nansible_port=abc\n"))
        #expect(ini.error.description == "\(ini.path):5: host 'web1': ansible_port must be a port number from 1 to 65535, got 'abc'")
        #expect(ini.error.code == .invalidVariable)

        let fixture = try Fixture(["hosts.yml": "all:\n  hosts:\n    db1:\n", "host_vars/db1.yml": "# db\nansible_port: 70000\n"])
        let error = try #require(throws: InventoryError.self) { try fixture.load("hosts.yml") }
        #expect(error.description == "\(fixture.path("host_vars/db1.yml")):2: host 'db1': ansible_port must be a port number from 1 to 65535, got 70000")
    }

    @Test("a group that would contain itself is refused")
    func cycle() throws {
        let (error, path) = try #require(try loadError("hosts.ini", "[a:children]\nb\n[b:children]\na\n"))
        #expect(error.code == .cycle)
        #expect(error.description.hasPrefix("\(path):4: making 'a' a child of 'b' creates a cycle"))
    }

    @Test("a missing inventory is an error naming the path without a line")
    func missingInventory() throws {
        let fixture = try Fixture()
        let error = try #require(throws: InventoryError.self) { try fixture.load("nope.yml") }
        #expect(error.code == .unreadable)
        #expect(error.description.hasPrefix("\(fixture.path("nope.yml")): no such file or directory"))
    }

    @Test("inventory scripts and plugin configurations are refused, not misread")
    func unsupportedSources() throws {
        let script = try #require(try loadError("inventory.py", "#!/usr/bin/env python3\nprint('{}')\n"))
        #expect(script.error.code == .unsupportedSource)
        let plugin = try #require(try loadError("aws_ec2.yml", "plugin: amazon.aws.aws_ec2\nregions: [eu-west-1]\n"))
        #expect(plugin.error.code == .unsupportedSource)
        #expect(plugin.error.line == 1)
    }

    @Test("a misspelt children: key is a warning naming the file, the line, the key and the likely one")
    func misspeltChildren() throws {
        let text = "all:\n  children:\n    web:\n      chlidren:\n        app:\n          hosts:\n            app1:\n      hosts:\n        web1:\n"
        let fixture = try Fixture(["hosts.yml": text])
        let inventory = try fixture.load("hosts.yml")
        #expect(inventory.names == ["web1"])
        #expect(inventory.warnings.map(\.description) == [
            "\(fixture.path("hosts.yml")):4: warning: Skipping unexpected key (chlidren) in group (web), "
                + "only \"vars\", \"children\" and \"hosts\" are valid (did you mean 'children'?)"
        ])
        let far = try load("far.yml", "web:\n  members:\n    web1:\n")
        #expect(far.warnings.map(\.message) == ["Skipping unexpected key (members) in group (web), only \"vars\", \"children\" and \"hosts\" are valid"])
    }
}
