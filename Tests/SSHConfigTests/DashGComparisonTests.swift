import Foundation
import MoltTestSupport
import SSHConfig
import Testing

/// molt's resolution against OpenSSH's own, `ssh -G`, on the same files and arguments.
@Suite("Resolution equals ssh -G")
struct DashGComparisonTests {
    /// One configuration, one host, one command line.
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var files: [String: String]
        var host: String
        var arguments: [String] = []
        var testDescription: String { name }
    }

    static let cases: [Case] = [
        Case(name: "an alias with HostName, User and Port", files: ["config": "Host web\n  HostName 10.0.0.5\n  User deploy\n  Port 2222\n"], host: "web"),
        Case(name: "a host no block matches keeps its own name", files: ["config": "Host other\n  User x\n"], host: "plain.example"),
        Case(name: "a glob with * matches", files: ["config": "Host web*\n  User star\n"], host: "web12"),
        Case(name: "a glob with ? matches one character", files: ["config": "Host db?\n  User q\nHost *\n  User fallback\n"], host: "db1"),
        Case(name: "? does not match two characters", files: ["config": "Host db?\n  User q\nHost *\n  User fallback\n"], host: "db12"),
        Case(name: "a negated pattern skips the block", files: ["config": "Host *.example !bastion.example\n  ProxyJump bastion.example\n"], host: "bastion.example"),
        Case(name: "a negated pattern leaves others matching", files: ["config": "Host *.example !bastion.example\n  ProxyJump bastion.example\n"], host: "app.example"),
        Case(name: "several patterns on one Host line", files: ["config": "Host alpha beta gamma\n  Port 2200\n"], host: "beta"),
        Case(name: "Host patterns are case-sensitive", files: ["config": "Host Web\n  User upper\n"], host: "web"),
        Case(name: "first value wins across blocks", files: ["config": "Host web\n  User first\nHost *\n  User second\n  Port 2022\n"], host: "web"),
        Case(name: "Host * first wins over a later specific block", files: ["config": "Host *\n  User everyone\nHost web\n  User specific\n"], host: "web"),
        Case(name: "IdentityFile accumulates across blocks, duplicates dropped", files: ["config": "Host web\n  IdentityFile /keys/a\n  IdentityFile /keys/b\nHost *\n  IdentityFile /keys/a\n  IdentityFile /keys/c\n"], host: "web"),
        Case(name: "IdentityFile tokens and tilde", files: ["config": "Host web\n  HostName web.internal\n  User ops\n  Port 2201\n  IdentityFile ~/.ssh/%h-%r-%p\n  IdentityFile /k/%u@%l/%%/%n\n"], host: "web"),
        Case(name: "HostName with %h", files: ["config": "Host *.lan\n  HostName %h.example.com\n"], host: "box.lan"),
        Case(name: "HostName is lowercased", files: ["config": "Host web\n  HostName WEB.Example.COM\n"], host: "web"),
        Case(name: "keywords are case-insensitive, Key=Value and quotes", files: ["config": "HOST web\n  hostname=\"10.1.1.1\"\n  USER = 'quoted user'\n  pOrT 2022\n"], host: "web"),
        Case(name: "comments and blank lines", files: ["config": "# comment\n\nHost web # trailing\n  User bob # also a comment\n\t\n"], host: "web"),
        Case(name: "Match host uses the HostName", files: ["config": "Host web\n  HostName real.example\nMatch host real.example\n  User matched\n"], host: "web"),
        Case(name: "Match originalhost uses the name given", files: ["config": "Host web\n  HostName real.example\nMatch originalhost web\n  Port 2300\n"], host: "web"),
        Case(name: "Match user sees the user set so far", files: ["config": "Host web\n  User deploy\nMatch user deploy\n  Port 2400\n"], host: "web"),
        Case(name: "Match localuser", files: ["config": "Match localuser \(ConfigFixture.localUser)\n  Port 2500\n"], host: "any"),
        Case(name: "Match all", files: ["config": "Host nothing\n  User x\nMatch all\n  User all\n"], host: "web"),
        Case(name: "Match with a negated criterion", files: ["config": "Match !host web\n  User notweb\nMatch host web\n  User web\n"], host: "web"),
        Case(name: "Match with two criteria, one failing", files: ["config": "Match host web user nobody\n  Port 2600\n"], host: "web"),
        Case(name: "Match final applies on the second pass", files: ["config": "Match final host web\n  User final\nHost web\n  Port 2700\n"], host: "web"),
        Case(name: "Include relative to ~/.ssh with a glob, in order", files: ["config": "Include conf.d/*.conf\n", ".ssh/conf.d/10-a.conf": "Host web\n  User from-a\n", ".ssh/conf.d/20-b.conf": "Host web\n  User from-b\n  Port 2800\n"], host: "web"),
        Case(name: "Include inside a Host block that does not apply", files: ["config": "Host other\n  Include inner\nHost *\n  User outer\n", ".ssh/inner": "User inner\n"], host: "web"),
        Case(name: "Include inside a Host block that applies", files: ["config": "Host web\n  Include inner\n  Port 2900\n", ".ssh/inner": "User inner\n"], host: "web"),
        Case(name: "a Host line in an included file does not leak out", files: ["config": "Include inner\nUser after\n", ".ssh/inner": "Host nomatch\n  Port 1\n"], host: "web"),
        Case(name: "Include with an absolute path and no match is fine", files: ["config": "Include /nonexistent/dir/*.conf\nHost web\n  User abs\n"], host: "web"),
        Case(name: "a ProxyJump chain with users and ports", files: ["config": "Host web\n  ProxyJump ops@bastion1:2222,bastion2,root@[2001:db8::1]:22\n"], host: "web"),
        Case(name: "ProxyJump ssh:// URIs", files: ["config": "Host web\n  ProxyJump ssh://jump@bastion.example:2022,ssh://second.example\n"], host: "web"),
        Case(name: "ProxyJump none", files: ["config": "Host web\n  ProxyJump none\nHost *\n  ProxyJump bastion\n"], host: "web"),
        Case(name: "ProxyJump first, then ProxyCommand ignored", files: ["config": "Host web\n  ProxyJump bastion\n  ProxyCommand nc %h %p\n"], host: "web"),
        Case(name: "ProxyCommand first, then ProxyJump ignored", files: ["config": "Host web\n  ProxyCommand ssh -W %h:%p gate\n  ProxyJump bastion\n"], host: "web"),
        Case(name: "ProxyCommand tokens", files: ["config": "Host web\n  HostName 10.9.9.9\n  User u1\n  Port 2022\n  ProxyCommand /usr/bin/nc -X connect -x proxy:3128 %h %p # %r %n %%\n"], host: "web"),
        Case(name: "known hosts files, strict checking, alias, timeouts", files: ["config": "Host web\n  UserKnownHostsFile /kh/%h /kh/shared\n  GlobalKnownHostsFile /etc/kh\n  StrictHostKeyChecking accept-new\n  HostKeyAlias webalias\n  ConnectTimeout 1m30s\n  ServerAliveInterval 15\n  ServerAliveCountMax 5\n  IdentitiesOnly yes\n"], host: "web"),
        Case(name: "UserKnownHostsFile takes the first line's whole list", files: ["config": "Host web\n  UserKnownHostsFile /a /b\nHost *\n  UserKnownHostsFile /c\n"], host: "web"),
        Case(name: "ConnectTimeout none leaves it open for a later value", files: ["config": "Host web\n  ConnectTimeout none\nHost *\n  ConnectTimeout 7\n"], host: "web"),
        Case(name: "StrictHostKeyChecking off", files: ["config": "Host web\n  StrictHostKeyChecking off\n"], host: "web"),
        Case(name: "IdentityAgent path with tokens", files: ["config": "Host web\n  IdentityAgent /run/agent-%r-%h\n"], host: "web"),
        Case(name: "-o overrides the config file", files: ["config": "Host web\n  User config\n  Port 2022\n"], host: "web", arguments: ["-o", "User=cli", "-oPort=3000"]),
        Case(name: "-o with a space-separated value", files: ["config": "Host web\n  HostName config.example\n"], host: "web", arguments: ["-o", "HostName cli.example"]),
        Case(name: "-p and -l override the config", files: ["config": "Host web\n  User config\n  Port 2022\n"], host: "web", arguments: ["-p", "4000", "-l", "lflag"]),
        Case(name: "-o Port before -p wins", files: ["config": "Host web\n  Port 2022\n"], host: "web", arguments: ["-o", "Port=5000", "-p", "4000"]),
        Case(name: "-J replaces the config's ProxyJump", files: ["config": "Host web\n  ProxyJump fromconfig\n"], host: "web", arguments: ["-J", "u@hop1:2200,hop2"]),
        Case(name: "-o ProxyJump from the command line", files: ["config": "Host web\n  ProxyCommand nc %h %p\n"], host: "web", arguments: ["-o", "ProxyJump=bastion"]),
        Case(name: "-o IdentityFile comes before the config's", files: ["config": "Host web\n  IdentityFile /keys/config\n"], host: "web", arguments: ["-o", "IdentityFile=\"/keys/cli\""]),
        Case(name: "-F names another file", files: ["config": "Host web\n  User main\n", "other": "Host web\n  User other\n"], host: "web", arguments: ["-F", "OTHER"]),
        Case(name: "Match user sees -l", files: ["config": "Match user lflag\n  Port 2600\n"], host: "web", arguments: ["-l", "lflag"]),
    ]

    @Test("molt resolves like ssh -G", arguments: cases)
    func resolvesLikeOpenSSH(_ testCase: Case) async throws {
        try #require(SSHDashG.isAvailable, "OpenSSH's ssh is needed for this comparison")
        let fixture = try ConfigFixture(testCase.files)
        let arguments = testCase.arguments.map { $0 == "OTHER" ? fixture.path("other") : $0 }
        let ours = try fixture.resolve(testCase.host, arguments: arguments)
        let theirs = try await onOwnThread { try SSHDashG.run(fixture, host: testCase.host, arguments: arguments) }
        let differences = Self.differences(ours, theirs, fixture: fixture)
        #expect(differences.isEmpty, "\(differences.joined(separator: "\n"))")
    }

    /// What differs between molt's resolution and `ssh -G`'s output, one line per field.
    static func differences(_ ours: ResolvedHost, _ theirs: [String: [String]], fixture: ConfigFixture) -> [String] {
        var differences: [String] = []
        func check(_ field: String, _ mine: String?, _ openSSH: String?) {
            if mine != openSSH { differences.append("\(field): molt \(mine ?? "nil"), ssh -G \(openSSH ?? "nil")") }
        }
        let hostName = theirs["hostname"]?.first ?? ""
        let user = theirs["user"]?.first ?? ""
        let port = theirs["port"]?.first ?? ""
        check("hostname", ours.hostName, hostName)
        check("user", ours.user ?? ConfigFixture.localUser, user)
        check("port", String(ours.port ?? 22), port)
        let tokens: [Character: String] = [
            "h": hostName, "r": user, "p": port, "u": ConfigFixture.localUser, "l": ConfigFixture.localHostName,
            "n": ours.originalHost, "d": fixture.directory, "%": "%",
        ]
        func expand(_ text: String) -> String {
            var result = ""
            var characters = Substring(text.hasPrefix("~/") ? fixture.directory + text.dropFirst() : text)
            while let c = characters.first {
                characters = characters.dropFirst()
                if c == "%", let token = characters.first, let value = tokens[token] {
                    result += value
                    characters = characters.dropFirst()
                } else {
                    result.append(c)
                }
            }
            return result
        }
        let defaultIdentities = ["id_rsa", "id_ecdsa", "id_ecdsa_sk", "id_ed25519", "id_ed25519_sk", "id_xmss", "id_dsa"].map { "~/.ssh/\($0)" }
        let theirIdentities = theirs["identityfile"] ?? []
        if ours.identityFiles.isEmpty {
            check("identityfile", "defaults", theirIdentities == defaultIdentities ? "defaults" : theirIdentities.joined(separator: " "))
        } else {
            check("identityfile", ours.identityFiles.joined(separator: " "), theirIdentities.map(expand).joined(separator: " "))
        }
        check("identitiesonly", ours.identitiesOnly ? "yes" : "no", theirs["identitiesonly"]?.first)
        let jump = theirs["proxyjump"]?.first.map { line in
            line.split(separator: ",").map { piece -> String in
                var hop = piece.hasPrefix("ssh://") ? String(piece.dropFirst(6)) : String(piece)
                hop = hop.replacingOccurrences(of: "[", with: "").replacingOccurrences(of: "]", with: "")
                return hop
            }.joined(separator: ",")
        }
        let ourJump = ours.proxyJump.isEmpty ? nil : ours.proxyJump.map { hop in (hop.user.map { "\($0)@" } ?? "") + hop.host + (hop.port.map { ":\($0)" } ?? "") }.joined(separator: ",")
        check("proxyjump", ourJump, jump)
        check("proxycommand", ours.proxyCommand, theirs["proxycommand"]?.first.map(expand))
        let home = String(cString: getpwuid(getuid()).pointee.pw_dir)
        check(
            "userknownhostsfile", (ours.userKnownHostsFiles ?? ["\(home)/.ssh/known_hosts", "\(home)/.ssh/known_hosts2"]).joined(separator: " "),
            theirs["userknownhostsfile"]?.first ?? "")
        check(
            "globalknownhostsfile", (ours.globalKnownHostsFiles ?? ["/etc/ssh/ssh_known_hosts", "/etc/ssh/ssh_known_hosts2"]).joined(separator: " "),
            theirs["globalknownhostsfile"]?.first ?? "")
        let strict: String
        switch ours.strictHostKeyChecking {
        case .yes: strict = "true"
        case .no: strict = "false"
        case .acceptNew: strict = "accept-new"
        case .ask, nil: strict = "ask"
        }
        check("stricthostkeychecking", strict, theirs["stricthostkeychecking"]?.first)
        check("hostkeyalias", ours.hostKeyAlias, theirs["hostkeyalias"]?.first)
        check("connecttimeout", ours.connectTimeout.map(String.init) ?? "none", theirs["connecttimeout"]?.first)
        check("serveraliveinterval", String(ours.serverAliveInterval ?? 0), theirs["serveraliveinterval"]?.first)
        check("serveralivecountmax", String(ours.serverAliveCountMax ?? 3), theirs["serveralivecountmax"]?.first)
        if case let .socket(path) = ours.identityAgent {
            check("identityagent", path, theirs["identityagent"]?.first)
        } else if ours.identityAgent == .disabled {
            check("identityagent", "none", theirs["identityagent"]?.first)
        } else {
            check("identityagent", nil, theirs["identityagent"]?.first)
        }
        return differences
    }
}
