import Foundation
import Inventory
import Testing

@Suite("Connection settings of a host")
struct InventoryHostTests {
    @Test("a host without connection variables gets the defaults")
    func defaults() throws {
        let host = try #require(try load("hosts.ini", "web1\n").host(named: "web1"))
        #expect(host.address == "web1")
        #expect(host.port == 22)
        #expect(host.user == nil)
        #expect(host.identityFile == nil)
        #expect(host.dockerSocket == "/var/run/docker.sock")
        #expect(host.knownHostsFile == nil)
        #expect(host.groups == ["all", "ungrouped"])
    }

    @Test("connection variables are read, with ~ expanded from HOME in key and known_hosts paths")
    func connectionVariables() throws {
        let inventory = try load(
            "hosts.yml",
            """
            all:
              hosts:
                web1:
                  ansible_host: 10.0.0.1
                  ansible_port: "2222"
                  ansible_user: deploy
                  ansible_ssh_private_key_file: ~/.ssh/deploy_key
                  docker_socket: /run/docker.sock
                  known_hosts: ~/.ssh/known_hosts.fleet
            """)
        let host = try #require(inventory.host(named: "web1"))
        let home = ProcessInfo.processInfo.environment["HOME"] ?? NSHomeDirectory()
        #expect(host.address == "10.0.0.1")
        #expect(host.port == 2222)
        #expect(host.user == "deploy")
        #expect(host.identityFile == home + "/.ssh/deploy_key")
        #expect(host.dockerSocket == "/run/docker.sock")
        #expect(host.knownHostsFile == home + "/.ssh/known_hosts.fleet")
    }

    @Test("name:port in the inventory sets the port, and ansible_host may refer to the host's name")
    func portSuffixAndTemplate() throws {
        let inventory = try load(
            "hosts.ini", "[web]\nweb1:2200 ansible_host=\"{{ inventory_hostname }}.lan\"\n[::1]:2201\n")
        #expect(inventory.host(named: "web1")?.port == 2200)
        #expect(inventory.host(named: "web1")?.address == "web1.lan")
        #expect(inventory.host(named: "::1")?.port == 2201)
    }

    @Test("hosts keep the order they first appear in, across groups and files")
    func hostOrder() throws {
        let inventory = try load(
            "hosts.ini",
            """
            [db]
            db2
            db1
            [web]
            web9
            db1
            web1
            [zzz]
            web1
            aaa
            """)
        #expect(inventory.names == ["db2", "db1", "web9", "web1", "aaa"])
        // A group lists its hosts in the order it was given them, as Ansible's `--list-hosts` does.
        #expect(inventory.hosts(inGroup: "web").map(\.name) == ["web9", "db1", "web1"])
    }
}
