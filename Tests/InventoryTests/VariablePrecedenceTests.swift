import Inventory
import Testing

@Suite("Variable precedence")
struct VariablePrecedenceTests {
    @Test("a child group's variables beat its parent's, which beat all's, and host variables beat them all")
    func childGroupWins() throws {
        let inventory = try load(
            "hosts.yml",
            """
            all:
              vars: {tier: all, owner: ops}
              children:
                web:
                  vars: {tier: web}
                  hosts:
                    web2:
                    web3: {tier: host}
                  children:
                    canary:
                      vars: {tier: canary}
                      hosts:
                        web1:
                db:
                  hosts:
                    db1:
            """)
        #expect(inventory.host(named: "web1")?.vars["tier"] == "canary")
        #expect(inventory.host(named: "web2")?.vars["tier"] == "web")
        #expect(inventory.host(named: "web3")?.vars["tier"] == "host")
        #expect(inventory.host(named: "db1")?.vars["tier"] == "all")
        #expect(inventory.host(named: "web1")?.vars["owner"] == "ops")
        #expect(inventory.host(named: "web1")?.groups == ["all", "web", "canary"])
    }

    @Test("at the same depth the group later in alphabetical order wins, unless ansible_group_priority says otherwise")
    func sameDepthAlphabetical() throws {
        let plain = try load(
            "hosts.ini",
            """
            [beta]
            h
            [alpha]
            h
            [alpha:vars]
            colour=red
            [beta:vars]
            colour=blue
            """)
        #expect(plain.host(named: "h")?.vars["colour"] == "blue")
        #expect(plain.host(named: "h")?.groups == ["all", "alpha", "beta"])

        let prioritised = try load(
            "hosts.ini",
            """
            [beta]
            h
            [alpha]
            h
            [alpha:vars]
            colour=red
            ansible_group_priority=10
            [beta:vars]
            colour=blue
            """)
        #expect(prioritised.host(named: "h")?.vars["colour"] == "red")
    }

    @Test("a deeper group wins over a shallower one whatever their names")
    func depthBeatsName() throws {
        let inventory = try load(
            "hosts.ini",
            """
            [zeta]
            h
            [aaa]
            h
            [parent:children]
            aaa
            [zeta:vars]
            x=zeta
            [aaa:vars]
            x=aaa
            """)
        #expect(inventory.host(named: "h")?.vars["x"] == "aaa")
    }

    @Test("group_vars and host_vars beside an inventory file override its inline variables")
    func variableFilesBesideFile() throws {
        let fixture = try Fixture([
            "hosts.ini": """
                [web]
                web1 role=inline-host
                web2
                [web:vars]
                role=inline-web
                port_note=inline
                """,
            "group_vars/all.yml": "role: all-file\nowner: ops\n",
            "group_vars/web.yml": "port_note: web-file\n",
            "host_vars/web1.yml": "role: host-file\n",
        ])
        let inventory = try fixture.load("hosts.ini")
        // Ansible: inline group vars < group_vars/all < group_vars/GROUP < inline host vars < host_vars/HOST.
        #expect(inventory.host(named: "web2")?.vars["role"] == "all-file")
        #expect(inventory.host(named: "web2")?.vars["port_note"] == "web-file")
        #expect(inventory.host(named: "web2")?.vars["owner"] == "ops")
        #expect(inventory.host(named: "web1")?.vars["role"] == "host-file")
    }

    @Test("a group_vars entry may be a file without extension, JSON, or a directory of files read in order")
    func variableFileForms() throws {
        let fixture = try Fixture([
            "inv/hosts": "[web]\nweb1\n[db]\ndb1\n[cache]\ncache1\n",
            "inv/group_vars/web": "kind: plain\n",
            "inv/group_vars/db.json": #"{"kind": "json"}"#,
            "inv/group_vars/cache/10-base.yml": "kind: base\nsize: 1\n",
            "inv/group_vars/cache/20-override.yaml": "kind: override\n",
            "inv/group_vars/cache/notes.txt": "kind: ignored\n",
        ])
        let inventory = try fixture.load("inv")
        #expect(inventory.host(named: "web1")?.vars["kind"] == "plain")
        #expect(inventory.host(named: "db1")?.vars["kind"] == "json")
        #expect(inventory.host(named: "cache1")?.vars["kind"] == "override")
        #expect(inventory.host(named: "cache1")?.vars["size"] == 1)
    }

    @Test("a directory reads every inventory file in name order, skipping backups, hidden files and var directories")
    func directoryInventory() throws {
        let fixture = try Fixture([
            "inv/01-web.yml": "web:\n  hosts:\n    web1:\n",
            "inv/02-db": "[db]\ndb1\n[web]\nweb2\n",
            "inv/sub/03-cache.ini": "[cache]\ncache1\n",
            "inv/02-db.bak": "this is [not an inventory\n",
            "inv/02-db~": "this is [not an inventory\n",
            "inv/.hidden": "this is [not an inventory\n",
            "inv/old.retry": "this is [not an inventory\n",
            "inv/group_vars/web.yml": "role: web\n",
            "inv/host_vars/db1.yml": "ansible_port: 2222\n",
        ])
        let inventory = try fixture.load("inv")
        #expect(inventory.source == fixture.path("inv"))
        #expect(inventory.names == ["web1", "db1", "web2", "cache1"])
        #expect(inventory.hosts(inGroup: "web").map(\.name) == ["web1", "web2"])
        #expect(inventory.host(named: "web2")?.vars["role"] == "web")
        #expect(inventory.host(named: "db1")?.port == 2222)
    }

    @Test("a group_vars file for a group the inventory does not have is a warning, not an error")
    func strayVariableFile() throws {
        let fixture = try Fixture(["hosts": "[web]\nweb1\n", "group_vars/wbe.yml": "x: 1\n"])
        let inventory = try fixture.load("hosts")
        #expect(inventory.warnings.map(\.message) == ["not read: there is no group named 'wbe' in the inventory"])
    }
}
