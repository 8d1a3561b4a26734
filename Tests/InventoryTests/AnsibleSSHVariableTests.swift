import Inventory
import Testing

/// `ansible_ssh_host`, `ansible_ssh_port` and `ansible_ssh_user` against their short forms, as
/// ansible-core 2.19's ssh connection resolves them (`ansible -m ping -vvv` shows the address,
/// port and user it connects with): the `ansible_ssh_*` form wins, wherever each was set.
@Suite("ansible_ssh_host, ansible_ssh_port and ansible_ssh_user precedence")
struct AnsibleSSHVariableTests {
    @Test("on the same host, the ansible_ssh_ form wins whichever is written first", arguments: [
        "h ansible_host=10.0.0.2 ansible_ssh_host=10.0.0.3 ansible_port=1 ansible_ssh_port=2 ansible_user=alice ansible_ssh_user=bob\n",
        "h ansible_ssh_host=10.0.0.3 ansible_host=10.0.0.2 ansible_ssh_port=2 ansible_port=1 ansible_ssh_user=bob ansible_user=alice\n",
    ])
    func sameHost(line: String) throws {
        let host = try #require(try load("hosts.ini", line).host(named: "h"))
        #expect(host.address == "10.0.0.3")
        #expect(host.port == 2)
        #expect(host.user == "bob")
    }

    @Test("an ansible_ssh_ variable of a group wins over the short form set on the host")
    func groupOverHost() throws {
        let inventory = try load(
            "hosts.yml",
            """
            all:
              vars:
                ansible_ssh_user: fleet
              children:
                legacy:
                  vars:
                    ansible_ssh_host: 10.0.0.9
                    ansible_ssh_port: 2201
                  hosts:
                    old1:
                      ansible_host: 10.0.0.1
                      ansible_port: 2200
                      ansible_user: alice
            """)
        let host = try #require(inventory.host(named: "old1"))
        #expect(host.address == "10.0.0.9")
        #expect(host.port == 2201)
        #expect(host.user == "fleet")
    }

    @Test("the short forms apply when no ansible_ssh_ form is set")
    func shortForms() throws {
        let host = try #require(try load("hosts.ini", "h ansible_host=10.0.0.2 ansible_port=2200 ansible_user=alice\n").host(named: "h"))
        #expect(host.address == "10.0.0.2")
        #expect(host.port == 2200)
        #expect(host.user == "alice")
    }
}
