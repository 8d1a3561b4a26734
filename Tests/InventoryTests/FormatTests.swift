import Inventory
import Testing

@Suite("YAML and INI inventories")
struct FormatTests {
    static let yaml = """
        all:
          vars:
            ansible_user: deploy
            retries: 3
          children:
            web:
              hosts:
                web1:
                  ansible_port: 2201
                web2:
              vars:
                role: frontend
                debug: False
            db:
              hosts:
                db1:
                  ansible_host: 10.0.0.5
        """

    static let ini = """
        [web]
        web1 ansible_port=2201
        web2

        [web:vars]
        role=frontend
        debug=False

        [db]
        db1 ansible_host=10.0.0.5

        [all:vars]
        ansible_user = deploy
        retries = 3
        """

    @Test("the same fleet in YAML and INI gives identical hosts, groups and variables")
    func yamlAndINIAgree() throws {
        let fromYAML = try load("fleet.yml", Self.yaml)
        let fromINI = try load("fleet.ini", Self.ini)
        #expect(fromYAML.names == ["web1", "web2", "db1"])
        #expect(fromYAML.names == fromINI.names)
        #expect(fromYAML.groupNames == ["all", "ungrouped", "web", "db"])
        #expect(fromYAML.groupNames == fromINI.groupNames)
        for (a, b) in zip(fromYAML.hosts, fromINI.hosts) {
            #expect(a.vars == b.vars, "variables of \(a.name)")
            #expect(a.groups == b.groups)
            #expect(a.port == b.port && a.address == b.address && a.user == b.user)
        }
        let web1 = try #require(fromINI.host(named: "web1"))
        #expect(web1.vars["retries"] == .int(3))
        #expect(web1.vars["debug"] == .bool(false))
        #expect(web1.port == 2201)
        #expect(fromINI.host(named: "db1")?.address == "10.0.0.5")
    }

    @Test("YAML accepts top-level groups other than all, and null hosts and sections")
    func yamlTopLevelGroupsAndNulls() throws {
        let inventory = try load(
            "fleet.yaml",
            """
            web:
              hosts:
                web1:
                web2: ~
              children:
            lonely:
            db:
              hosts: db1
            """)
        #expect(inventory.names == ["web1", "web2", "db1"])
        #expect(inventory.groupNames == ["all", "ungrouped", "web", "lonely", "db"])
        #expect(inventory.hosts(inGroup: "db").map(\.name) == ["db1"])
        #expect(inventory.hosts(inGroup: "lonely").isEmpty)
        #expect(inventory.host(named: "web1")?.groups == ["all", "web"])
    }

    @Test("YAML values keep YAML 1.1 types")
    func yamlValueTypes() throws {
        let inventory = try load(
            "types.yml",
            """
            all:
              hosts:
                h:
                  flag: yes
                  mode: 0755
                  ratio: 1.5
                  name: "01"
                  tags: [a, b]
                  nothing:
            """)
        let vars = try #require(inventory.host(named: "h")).vars
        #expect(vars["flag"] == .bool(true))
        #expect(vars["mode"] == .int(0o755))
        #expect(vars["ratio"] == .double(1.5))
        #expect(vars["name"] == .string("01"))
        #expect(vars["tags"] == .list(["a", "b"]))
        #expect(vars["nothing"] == .null)
    }

    @Test("INI host lines take quoted values and Python literals, and skip comments")
    func iniHostLineValues() throws {
        let inventory = try load(
            "hosts.ini",
            """
            # a comment
            ; another comment
            [web]
            web1 motd="hello world" port=22 on=True off=true list="[1, 'two']" pass=a#b  # trailing
            web2 name='it''s'
            """)
        #expect(inventory.names == ["web1", "web2"])
        let vars = try #require(inventory.host(named: "web1")).vars
        #expect(vars["motd"] == .string("hello world"))
        #expect(vars["port"] == .int(22))
        #expect(vars["on"] == .bool(true))
        #expect(vars["off"] == .string("true"))
        #expect(vars["list"] == .list([.int(1), .string("two")]))
        #expect(vars["pass"] == .string("a"))
        #expect(inventory.host(named: "web2")?.vars["name"] == .string("its"))
    }

    @Test("INI children may be declared before the child group, and hosts before any section are ungrouped")
    func iniForwardChildrenAndUngrouped() throws {
        let inventory = try load(
            "hosts",
            """
            bastion
            [prod:children]
            web
            [web]
            web1
            """)
        #expect(inventory.hosts(inGroup: "ungrouped").map(\.name) == ["bastion"])
        #expect(inventory.hosts(inGroup: "prod").map(\.name) == ["web1"])
        #expect(inventory.host(named: "web1")?.groups == ["all", "prod", "web"])
    }

    @Test("a file without an extension is YAML when it holds a mapping, INI otherwise")
    func formatDetection() throws {
        let yaml = try load("hosts", "all:\n  hosts:\n    web1:\n")
        #expect(yaml.names == ["web1"])
        let ini = try load("inventory", "[web]\nweb1\n")
        #expect(ini.names == ["web1"])
        // Reads as a YAML mapping, but only makes sense as an INI host with a port.
        let both = try load("inventory", "web1:2222\n")
        #expect(both.host(named: "web1")?.port == 2222)
    }

    @Test("a YAML inventory may be written as JSON")
    func jsonInventory() throws {
        let inventory = try load("fleet.json", #"{"all": {"hosts": {"web1": {"ansible_port": 2222}}}}"#)
        #expect(inventory.host(named: "web1")?.port == 2222)
    }

    @Test("parse reads inventory text that is not in a file")
    func parseText() throws {
        let inventory = try Inventory.parse(text: "[web]\nweb[1:2]\n", source: "<stdin>")
        #expect(inventory.source == "<stdin>")
        #expect(inventory.names == ["web1", "web2"])
    }
}
