import Fleet
import Foundation
import Inventory
import MoltTestSupport
import SSH
import SSHConfig
import Testing

/// How an inventory host's route is worked out from its variables, `ansible_ssh_*_args` and an
/// ssh configuration file: pure, no host is reached.
@Suite("Routes to inventory hosts")
struct HostRouteTests {
    let scratch: TemporaryDirectory
    let settings: ConnectionSettings

    init() throws {
        scratch = try TemporaryDirectory()
        var settings = ConnectionSettings(agentSocket: "/run/agent.sock", defaultUser: "me", homeDirectory: scratch.path)
        settings.systemSSHConfig = nil
        self.settings = settings
    }

    func host(_ name: String, _ vars: [String: InventoryValue] = [:]) throws -> InventoryHost {
        try InventoryHost(name: name, vars: vars)
    }

    func config(_ text: String) throws -> String {
        try scratch.write("ssh_config-\(UUID().uuidString.prefix(6))", text)
    }

    @Test("ProxyJump in ansible_ssh_common_args: one hop, reached directly, the host's key offered there too")
    func commonArgsJump() throws {
        let web = try host("web1", [
            "ansible_host": "10.0.1.11", "ansible_user": "deploy", "ansible_ssh_private_key_file": "/keys/deploy",
            "ansible_ssh_common_args": "-o ProxyJump=ops@bastion.example:2200",
        ])
        let route = try settings.route(for: web)
        #expect(route.endpoint.address == "10.0.1.11")
        #expect(route.endpoint.user == "deploy")
        #expect(route.endpoint.identityFiles == ["/keys/deploy"])
        let hops = route.endpoint.jumpHosts
        #expect(hops.map(\.address) == ["bastion.example"])
        #expect(hops.first?.user == "ops")
        #expect(hops.first?.port == 2200)
        #expect(hops.first?.identityFiles == ["/keys/deploy"])
        #expect(hops.first?.agentSocket == "/run/agent.sock")
        #expect(route.warnings.isEmpty)
    }

    @Test("routes resolved once are kept for the command: a config changed afterwards is not read again; a bad host names itself")
    func resolvedOnce() throws {
        let file = try config("Host web1\n  HostName first.example\n")
        let web = try host("web1", ["ssh_config": .string(file)])
        let db = try host("db1", ["ssh_config": .string(file)])
        let settings = try settings.resolvingRoutes(of: [web, db])
        try "Host web1\n  HostName second.example\n".write(toFile: file, atomically: true, encoding: .utf8)
        #expect(try settings.route(for: web).endpoint.address == "first.example")
        #expect(try self.settings.route(for: web).endpoint.address == "second.example")
        #expect(settings.resolvedRoutes.keys.sorted() == ["db1", "web1"])

        let bad = try host("bad1", ["ansible_ssh_common_args": "-o NoSuchOption=1"])
        let error = try #require(throws: HostRouteError.self) { try self.settings.resolvingRoutes(of: [web, bad]) }
        #expect(error.host == "bad1")
    }

    @Test("-J a,b: b is reached through a; the jump user defaults to the local user, not the host's")
    func chain() throws {
        let web = try host("web1", ["ansible_user": "deploy", "ansible_ssh_extra_args": "-J a.example,b.example:2222"])
        let hops = try settings.route(for: web).endpoint.jumpHosts
        #expect(hops.map(\.address) == ["a.example", "b.example"])
        #expect(hops.map(\.port) == [22, 2222])
        #expect(hops.map(\.user) == ["me", "me"])
    }

    @Test("an alias known only to the ssh config resolves, and a hop's own ProxyJump is followed: lab3 → lab2 → lab1")
    func aliasChain() throws {
        let file = try config("""
            Host lab1
              HostName 10.9.0.11
            Host lab2
              HostName 10.9.0.12
              ProxyJump lab1
            Host lab3
              HostName 10.9.0.13
              ProxyJump lab2
            Host *
              User ops
              IdentityFile ~/.ssh/ops
              UserKnownHostsFile ~/kh
            """)
        let lab3 = try host("lab3", ["ssh_config": .string(file)])
        let endpoint = try settings.endpoint(for: lab3)
        #expect(endpoint.address == "10.9.0.13")
        #expect(endpoint.user == "ops")
        #expect(endpoint.identityFiles == ["\(scratch.path)/.ssh/ops"])
        #expect(endpoint.knownHostsFiles == ["\(scratch.path)/kh"])
        #expect(endpoint.jumpHosts.map(\.address) == ["10.9.0.11", "10.9.0.12"])
        #expect(endpoint.jumpHosts.allSatisfy { $0.user == "ops" && $0.knownHostsFiles == ["\(scratch.path)/kh"] })
        #expect(endpoint.defaultIdentityFiles.isEmpty, "OpenSSH tries its default files only when none is named")
    }

    @Test("inventory variables win over the ssh config, which fills in what they leave open")
    func inventoryOverridesConfig() throws {
        let file = try config("""
            Host web1
              HostName 10.9.0.1
              User fromconfig
              Port 2022
              ConnectTimeout 3
              StrictHostKeyChecking accept-new
              IdentityAgent none
            """)
        let plain = try settings.endpoint(for: try host("web1", ["ssh_config": .string(file)]))
        #expect(plain.address == "10.9.0.1")
        #expect(plain.user == "fromconfig")
        #expect(plain.port == 2022)
        #expect(plain.connectTimeout == .seconds(3))
        #expect(plain.hostKeyPolicy == .acceptNew)
        #expect(plain.agentSocket == nil)
        #expect(plain.defaultIdentityFiles == SSHEndpoint.defaultIdentityFiles(home: scratch.path))

        let overridden = try settings.endpoint(for: try host("web1", [
            "ssh_config": .string(file), "ansible_user": "inv", "ansible_port": 22,
        ]))
        #expect(overridden.user == "inv")
        #expect(overridden.port == 22)
    }

    @Test("--known-hosts and the known_hosts variable win over UserKnownHostsFile, for the host and its hops")
    func knownHostsOverride() throws {
        let file = try config("Host *\n  UserKnownHostsFile /elsewhere\nHost * !gate\n  ProxyJump gate\n")
        let web = try host("web1", ["ssh_config": .string(file), "known_hosts": "/mine"])
        let endpoint = try settings.endpoint(for: web)
        #expect(endpoint.knownHostsFiles == ["/mine"])
        #expect(endpoint.jumpHosts.map(\.knownHostsFiles) == [["/mine"]])
        var flagged = settings
        flagged.knownHostsOverride = "/flag"
        #expect(try flagged.endpoint(for: web).knownHostsFiles == ["/flag"])
    }

    @Test("ProxyCommand becomes a command route with its tokens expanded")
    func proxyCommand() throws {
        let file = try config("Host web1\n  ProxyCommand nc -X connect -x proxy:3128 %h %p\n")
        let endpoint = try settings.endpoint(for: try host("web1", ["ssh_config": .string(file)]))
        #expect(endpoint.route == .command("nc -X connect -x proxy:3128 web1 22"))
    }

    @Test("a chain of jump hosts that loops is an error, not a hang")
    func loop() throws {
        let file = try config("Host a\n  ProxyJump b\nHost b\n  ProxyJump a\n")
        #expect(throws: HostRouteError.self) { try settings.route(for: try host("a", ["ssh_config": .string(file)])) }
    }

    @Test("a bad ssh config line or a broken ansible_ssh_common_args is an error naming the host and the file:line")
    func errors() throws {
        let file = try config("Host *\n  NoSuchOption yes\n")
        do {
            _ = try settings.route(for: try host("web1", ["ssh_config": .string(file)]))
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("web1"))
            #expect("\(error)".contains("\(file):2"), "\(error)")
        }
        #expect(throws: HostRouteError.self) {
            try settings.route(for: try host("web1", ["ansible_ssh_common_args": "-o 'ProxyJump=unbalanced"]))
        }
    }

    @Test("an option molt cannot honour is a warning naming the host and the option")
    func warnings() throws {
        let file = try config("Host web1\n  ForwardAgent yes\n")
        let route = try settings.route(for: try host("web1", ["ssh_config": .string(file), "ansible_ssh_extra_args": "-L 8080:localhost:80"]))
        let text = route.warnings.map(\.description).joined(separator: "\n")
        #expect(text.contains("ForwardAgent"), "\(text)")
        #expect(text.contains("-L"), "\(text)")
        #expect(route.warnings.allSatisfy { $0.host == "web1" })
    }

    @Test("ansible_ssh_host_key_checking: false records new keys (a changed key is still refused), with a warning")
    func hostKeyChecking() throws {
        let route = try settings.route(for: try host("web1", ["ansible_ssh_host_key_checking": false]))
        #expect(route.endpoint.hostKeyPolicy == .acceptNew)
        #expect(route.warnings.contains { $0.option == "ansible_ssh_host_key_checking" })
    }
}
