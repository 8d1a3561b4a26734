import Foundation
import MoltTestSupport
import SSHConfig
import Testing

/// Warnings for what molt does not honour, errors located at file:line, Ansible's argument
/// splitting, and hostile files that must end fast with an error.
@Suite("Warnings, errors and hostile input")
struct DiagnosticsTests {
    @Test("an option molt does not honour is a warning naming the host, the option and file:line")
    func unhonouredOptionWarns() throws {
        let fixture = try ConfigFixture(["config": "Host web\n  ControlMaster auto\n  ForwardAgent yes\n  Compression yes\n  ControlPersist 10m\n"])
        let resolved = try fixture.resolve("web")
        let options = resolved.warnings.map(\.option)
        #expect(options == ["ControlMaster", "ForwardAgent"])
        let first = try #require(resolved.warnings.first)
        #expect(first.host == "web")
        #expect(first.location == ConfigLocation(file: fixture.path("config"), line: 2))
        #expect(first.description.contains("molt does not honour ControlMaster auto"))
    }

    @Test("a harmless value of an unhonoured option, obtained first, is no warning")
    func harmlessFirstValueIsSilent() throws {
        let fixture = try ConfigFixture(["config": "Host web\n  ForwardAgent no\nHost *\n  ForwardAgent yes\n"])
        #expect(try fixture.resolve("web").warnings.isEmpty)
    }

    @Test("options in blocks that do not apply are not warned about")
    func inactiveBlocksAreSilent() throws {
        let fixture = try ConfigFixture(["config": "Host other\n  ControlMaster auto\n"])
        #expect(try fixture.resolve("web").warnings.isEmpty)
    }

    @Test("an unknown keyword is an error at its line, unless IgnoreUnknown covers it")
    func unknownKeyword() throws {
        let fixture = try ConfigFixture(["config": "Host web\n  User a\n  Frobnicate yes\n", "ignored": "IgnoreUnknown Frob*,UseFoo\nHost web\n  Frobnicate yes\n"])
        #expect {
            try fixture.resolve("web")
        } throws: { error in
            guard let error = error as? SSHConfigError else { return false }
            return error.code == .unknownKeyword && error.location == ConfigLocation(file: fixture.path("config"), line: 3)
                && error.description.hasPrefix("\(fixture.path("config")):3: bad configuration option: Frobnicate")
        }
        #expect(try fixture.resolve("web", config: "ignored").user == nil)
    }

    @Test("bad values are errors with file:line, even in blocks that do not apply", arguments: [
        "Host other\n  Port 99999\n", "Host other\n  StrictHostKeyChecking maybe\n", "Host other\n  User \"unbalanced\n",
        "Host other\n  ConnectTimeout soon\n", "Host other\n  ProxyJump @bad\n", "Match colour blue\n", "Match all host x\n",
        "Host other\n  User a b\n", "Host other\n  UserKnownHostsFile /a none\n",
    ])
    func badValues(_ text: String) throws {
        let fixture = try ConfigFixture(["config": "# first\n" + text])
        #expect {
            try fixture.resolve("web")
        } throws: { error in
            guard let error = error as? SSHConfigError, let line = error.location?.line else { return false }
            return error.location?.file == fixture.path("config") && line >= 2
        }
    }

    @Test("Match exec is never run: it does not match, with a warning")
    func matchExecNotRun() throws {
        let fixture = try ConfigFixture(["config": "Match exec \"touch /tmp/molt-must-not-exist\"\n  User ran\n"])
        let resolved = try fixture.resolve("web")
        #expect(resolved.user == nil)
        #expect(resolved.warnings.map(\.option) == ["Match exec"])
        #expect(!FileManager.default.fileExists(atPath: "/tmp/molt-must-not-exist"))
    }

    @Test("a missing -F file is an error, a missing default file is not")
    func missingFiles() throws {
        let fixture = try ConfigFixture([:])
        #expect(throws: SSHConfigError.self) { try fixture.resolve("web", config: "absent") }
        let context = ResolutionContext(homeDirectory: fixture.directory, localUser: "me", systemConfigFile: nil)
        #expect(try SSHConfiguration.resolve(host: "web", commandLine: [], context: context).hostName == "web")
    }

    @Test("IdentityAgent names an environment variable, none, or a path")
    func identityAgent() throws {
        let fixture = try ConfigFixture([
            "config": "Host a\n  IdentityAgent SSH_AUTH_SOCK\nHost b\n  IdentityAgent $MY_AGENT\nHost c\n  IdentityAgent none\nHost d\n  IdentityAgent ~/agent.sock\nHost e\n  IdentityAgent $UNSET_AGENT\n"
        ])
        let environment = ["SSH_AUTH_SOCK": "/run/ssh.sock", "MY_AGENT": "/run/mine.sock"]
        #expect(try fixture.resolve("a", environment: environment).identityAgent == .socket("/run/ssh.sock"))
        #expect(try fixture.resolve("b", environment: environment).identityAgent == .socket("/run/mine.sock"))
        #expect(try fixture.resolve("c", environment: environment).identityAgent == .disabled)
        #expect(try fixture.resolve("d", environment: environment).identityAgent == .socket(fixture.directory + "/agent.sock"))
        let unset = try fixture.resolve("e", environment: environment)
        #expect(unset.identityAgent == .disabled)
        #expect(unset.warnings.map(\.option) == ["IdentityAgent"])
    }

    @Test("StrictHostKeyChecking no is reported, and warned to be accept-new in molt")
    func strictNoWarns() throws {
        let fixture = try ConfigFixture(["config": "StrictHostKeyChecking no\n"])
        let resolved = try fixture.resolve("web")
        #expect(resolved.strictHostKeyChecking == StrictHostKeyChecking.no)
        #expect(resolved.warnings.map(\.option) == ["StrictHostKeyChecking"])
    }

    // MARK: Ansible variables

    @Test("Ansible's variables become ssh options in _build_command's order, and override the config")
    func ansibleOrder() throws {
        let fixture = try ConfigFixture(["config": "Host web\n  User config\n  Port 2022\n  IdentityFile /keys/config\n"])
        let variables = AnsibleConnectionVariables(
            host: "web", port: 2200, user: "deploy", privateKeyFile: "/keys/inventory", connectTimeout: 10, hostKeyChecking: false,
            sshCommonArgs: "-o ProxyJump=ops@bastion:22 -C", sshExtraArgs: "-A -oServerAliveInterval=30")
        let commandLine = try variables.sshCommandLine()
        #expect(commandLine.warnings.map(\.option) == ["ansible_ssh_host_key_checking", "-A"])
        let resolved = try SSHConfiguration.resolve(host: "web", commandLine: commandLine.options, context: fixture.context(configFile: fixture.path("config")))
        #expect(resolved.user == "deploy")
        #expect(resolved.port == 2200)
        #expect(resolved.identityFiles == ["/keys/inventory", "/keys/config"])
        #expect(resolved.proxyJump == [ProxyHop(user: "ops", host: "bastion", port: 22)])
        #expect(resolved.strictHostKeyChecking == .acceptNew)
        #expect(resolved.connectTimeout == 10)
        #expect(resolved.serverAliveInterval == 30)
    }

    @Test("ssh arguments are split like Python's shlex.split", arguments: [
        ("-o 'ProxyCommand=ssh -W %h:%p bastion'", ["ProxyCommand=ssh -W %h:%p bastion"]),
        ("-o \"User=a b\" -oPort=2", ["User=a b", "Port=2"]),
        ("-o User=a\\ b", ["User=a b"]),
        ("-o \"X=\\\"q\\\" \\n\"", ["X=\"q\" \\n"]),
    ])
    func shlexSplitting(_ input: String, _ expected: [String]) throws {
        let options = try AnsibleConnectionVariables(host: "h", sshCommonArgs: input).sshCommandLine().options
        let lines = options.compactMap { option -> String? in
            if case let .option(line) = option.kind { return line }
            return nil
        }
        #expect(lines == expected)
    }

    @Test("-J -F -i -p -l are read, bundled and joined flags too")
    func flags() throws {
        let options = try AnsibleConnectionVariables(host: "h", sshCommonArgs: "-vJ hop -F /cfg -i/k -p22 -l u -Cq").sshCommandLine().options.map(\.kind)
        #expect(options == [.jump("hop"), .configFile("/cfg"), .identityFile("/k"), .port("22"), .user("u")])
    }

    @Test("unbalanced quotes and unknown flags are errors naming the variable")
    func badArguments() {
        #expect(throws: SSHConfigError.self) { try AnsibleConnectionVariables(host: "h", sshCommonArgs: "-o 'User=x").sshCommandLine() }
        #expect(throws: SSHConfigError.self) { try AnsibleConnectionVariables(host: "h", sshExtraArgs: "-Z").sshCommandLine() }
        #expect(throws: SSHConfigError.self) { try AnsibleConnectionVariables(host: "h", sshExtraArgs: "-o").sshCommandLine() }
    }

    // MARK: Hostile input

    @Test("an Include loop ends at OpenSSH's depth with an error, quickly")
    func includeLoop() throws {
        let fixture = try ConfigFixture(["config": "Include loop\n", ".ssh/loop": "Include loop\n"])
        let start = ThreadCPUTime.now
        #expect {
            try fixture.resolve("web")
        } throws: { error in
            (error as? SSHConfigError)?.code == .tooLarge
        }
        #expect(ThreadCPUTime.now - start < .seconds(1))
    }

    @Test("a fan-out of includes stops at the file budget, quickly")
    func includeFanOut() throws {
        var files = ["config": "Include f*\n"]
        for index in 0..<8 { files[".ssh/f\(index)"] = "Include f*\n" }
        let fixture = try ConfigFixture(files)
        let start = ThreadCPUTime.now
        #expect(throws: SSHConfigError.self) { try fixture.resolve("web") }
        #expect(ThreadCPUTime.now - start < .seconds(2))
    }

    @Test("a huge file is refused without being read, a huge line with its line number")
    func hugeInput() throws {
        let fixture = try ConfigFixture(["config": String(repeating: "# padding line\n", count: 400_000), "line": "Host web\n  User " + String(repeating: "x", count: 100_000) + "\n"])
        let start = ThreadCPUTime.now
        #expect { try fixture.resolve("web") } throws: { ($0 as? SSHConfigError)?.code == .tooLarge }
        #expect { try fixture.resolve("web", config: "line") } throws: { ($0 as? SSHConfigError)?.location?.line == 2 }
        #expect(ThreadCPUTime.now - start < .seconds(1))
    }

    @Test("many hosts, many blocks and hostile patterns resolve fast")
    func manyBlocks() async throws {
        let (resolved, elapsed) = try await onOwnThread {
            var text = ""
            for index in 0..<20_000 { text += "Host h\(index) *a*a*a*a*a*a*a*b\n  User u\(index)\n" }
            let fixture = try ConfigFixture(["config": text])
            let start = ThreadCPUTime.now
            return (try fixture.resolve(String(repeating: "a", count: 200)), ThreadCPUTime.now - start)
        }
        #expect(resolved.user == nil)
        #expect(elapsed < .seconds(5))
    }
}
