import Foundation
import SSH
import Testing

/// Jump hosts and proxy commands against real OpenSSH servers on loopback addresses.
@Suite("Routes to a host: jump hosts, chains of them, proxy commands", .serialized)
struct RouteTests {
    /// A client key, the servers' known_hosts, and endpoints to the servers.
    struct Client {
        let scratch: TemporaryDirectory
        let key: String
        let knownHosts: String

        init() async throws {
            scratch = try TemporaryDirectory()
            key = scratch.path + "/id_ed25519"
            try await Run.keygen(key)
            knownHosts = scratch.path + "/known_hosts"
            _ = FileManager.default.createFile(atPath: knownHosts, contents: nil)
        }

        func server(_ address: String) async throws -> TestSSHD {
            let server = try await TestSSHD.start(address: address, in: scratch, authorizing: [key])
            try trust(server.knownHostsLine)
            return server
        }

        func trust(_ line: String) throws {
            let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: knownHosts))
            defer { try? handle.close() }
            handle.seekToEndOfFile()
            handle.write(Data((line + "\n").utf8))
        }

        func endpoint(_ server: TestSSHD, route: SSHEndpoint.Route = .direct) -> SSHEndpoint {
            SSHEndpoint(
                address: server.address, port: server.port, user: "root", identityFiles: [key],
                knownHostsFiles: [knownHosts], connectTimeout: .seconds(5), route: route)
        }
    }

    private func hostname(_ session: SSHSession) async throws -> String {
        let result = try await session.exec("echo $SSH_CONNECTION")
        #expect(result.exitStatus == 0)
        return String(decoding: result.stdout, as: UTF8.self)
    }

    @Test("a host behind a jump host: its session runs over a direct-tcpip channel, and bytes flow both ways in bulk")
    func oneJumpHost() async throws {
        let client = try await Client()
        let bastion = try await client.server("127.0.0.2")
        let target = try await client.server("127.0.0.3")
        let connector = SSHConnector()
        defer { connector.shutdown() }
        let session = try await connector.connect(to: client.endpoint(target, route: .jump([client.endpoint(bastion)])))
        #expect(try await hostname(session).contains("\(target.address) \(target.port)"))
        #expect(bastion.log.contains("target \(target.address) port \(target.port)"), "the bastion forwarded the connection")

        // Several megabytes each way: the pump's flow control, not only small packets.
        let big = try await session.exec("head -c 3000000 /dev/zero")
        #expect(big.stdout.count == 3_000_000)
        let counted = try await session.exec("wc -c", input: [UInt8](repeating: 7, count: 2_000_000))
        #expect(String(decoding: counted.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) == "2000000")
        await session.close()
        #expect(connector.jumpSessionsOpened == 1)
    }

    @Test("two hosts behind one jump host share its one session, which survives a host's failure")
    func sharedJumpHost() async throws {
        let client = try await Client()
        let bastion = try await client.server("127.0.0.2")
        let first = try await client.server("127.0.0.3")
        let second = try await client.server("127.0.0.4")
        let connector = SSHConnector()
        defer { connector.shutdown() }
        let jump = SSHEndpoint.Route.jump([client.endpoint(bastion)])
        async let a = connector.connect(to: client.endpoint(first, route: jump))
        async let b = connector.connect(to: client.endpoint(second, route: jump))
        let (one, two) = try await (a, b)
        #expect(try await hostname(one).contains(first.address))
        #expect(try await hostname(two).contains(second.address))
        #expect(connector.jumpSessionsOpened == 1)
        #expect(bastion.logins == 1)

        // A host behind it that is down fails alone; the jump host's session goes on.
        var nowhere = client.endpoint(first, route: jump)
        nowhere.port = 1
        let refused = try await #require(throws: SSHError.self) { try await connector.connect(to: nowhere) }
        #expect(refused.code == .channelRefused, "\(refused)")
        #expect(refused.message.contains("through bastion \(client.endpoint(bastion).label)"), "\(refused)")
        #expect(refused.message.contains("\(first.address):1"), "\(refused)")
        let again = try await connector.connect(to: client.endpoint(second, route: jump))
        #expect(try await hostname(again).contains(second.address))
        #expect(bastion.logins == 1)
        await one.close()
        await two.close()
        await again.close()
    }

    @Test("many sessions through one jump host move megabytes at once, each intact")
    func manyTunnelsAtOnce() async throws {
        let client = try await Client()
        let bastion = try await client.server("127.0.0.2")
        let target = try await client.server("127.0.0.3")
        let connector = SSHConnector()
        defer { connector.shutdown() }
        let endpoint = client.endpoint(target, route: .jump([client.endpoint(bastion)]))
        let counts = try await withThrowingTaskGroup(of: (Int, String).self) { group in
            for index in 0..<6 {
                group.addTask {
                    let session = try await connector.connect(to: endpoint)
                    defer { session.shutdown() }
                    let down = try await session.exec("head -c \(1_000_000 + index) /dev/urandom")
                    let up = try await session.exec("wc -c", input: down.stdout)
                    return (down.stdout.count, String(decoding: up.stdout, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
                }
            }
            return try await group.reduce(into: [(Int, String)]()) { $0.append($1) }
        }
        #expect(counts.count == 6)
        for (down, up) in counts { #expect(String(down) == up) }
        #expect(Set(counts.map(\.0)) == Set((0..<6).map { 1_000_000 + $0 }))
        #expect(bastion.logins == 1)
    }

    @Test("a chain of two jump hosts: each hop's key is checked under its own name, the target's under its own")
    func twoHopChain() async throws {
        let client = try await Client()
        let hop1 = try await client.server("127.0.0.2")
        let hop2 = try await client.server("127.0.0.3")
        let target = try await client.server("127.0.0.4")
        let connector = SSHConnector()
        defer { connector.shutdown() }
        let route = SSHEndpoint.Route.jump([client.endpoint(hop1), client.endpoint(hop2)])
        let session = try await connector.connect(to: client.endpoint(target, route: route))
        #expect(try await hostname(session).contains("\(target.address) \(target.port)"))
        #expect(hop1.log.contains("target \(hop2.address) port \(hop2.port)"))
        #expect(hop2.log.contains("target \(target.address) port \(target.port)"))
        #expect(connector.jumpSessionsOpened == 2)
        await session.close()
    }

    @Test("a wrong host key on the middle hop is refused, naming that hop; nothing reaches the target")
    func wrongKeyOnMiddleHop() async throws {
        let client = try await Client()
        let hop1 = try await client.server("127.0.0.2")
        let target = try await client.server("127.0.0.4")
        // hop 2 is known with another host's key: what an impostor looks like.
        let hop2 = try await TestSSHD.start(address: "127.0.0.3", in: client.scratch, authorizing: [client.key])
        try client.trust("[\(hop2.address)]:\(hop2.port) \(hop1.hostKey)")
        let connector = SSHConnector()
        defer { connector.shutdown() }
        let route = SSHEndpoint.Route.jump([client.endpoint(hop1), client.endpoint(hop2)])
        let error = try await #require(throws: SSHError.self) {
            try await connector.connect(to: client.endpoint(target, route: route))
        }
        #expect(error.code == .hostKeyChanged)
        #expect(error.host == client.endpoint(target).label)
        #expect(error.message.contains("through bastion root@[\(hop2.address)]:\(hop2.port)"), "\(error)")
        #expect(error.message.contains("[\(hop2.address)]:\(hop2.port) has CHANGED"), "\(error)")
        #expect(target.logins == 0)
        #expect(hop2.logins == 0)
    }

    @Test("a jump host that cannot be reached fails every host behind it at once, naming the jump host")
    func unreachableJumpHost() async throws {
        let client = try await Client()
        let target = try await client.server("127.0.0.4")
        let dead = try await client.server("127.0.0.2")
        var bastion = client.endpoint(dead)
        dead.kill()
        try await Task.sleep(for: .milliseconds(100))
        bastion.connectTimeout = .seconds(3)
        let connector = SSHConnector()
        defer { connector.shutdown() }
        let started = ContinuousClock.now
        for _ in 0..<3 {
            let error = try await #require(throws: SSHError.self) {
                try await connector.connect(to: client.endpoint(target, route: .jump([bastion])))
            }
            #expect(error.message.hasPrefix("through bastion \(bastion.label): "), "\(error)")
            #expect(error.code == .connectionRefused)
        }
        #expect(ContinuousClock.now - started < .seconds(2))
        #expect(connector.jumpSessionsOpened == 1, "the failure is remembered for the command, not retried per host")
    }

    @Test("when the jump host dies, the hosts behind it fail quickly instead of hanging")
    func jumpHostDies() async throws {
        let client = try await Client()
        let bastion = try await client.server("127.0.0.2")
        let target = try await client.server("127.0.0.3")
        let connector = SSHConnector()
        defer { connector.shutdown() }
        var endpoint = client.endpoint(target, route: .jump([client.endpoint(bastion)]))
        endpoint.keepaliveInterval = .seconds(1)
        let session = try await connector.connect(to: endpoint)
        #expect(try await hostname(session).contains(target.address))
        bastion.kill()
        let started = ContinuousClock.now
        let error = try await #require(throws: SSHError.self) { _ = try await session.exec("true", timeout: .seconds(30)) }
        #expect(ContinuousClock.now - started < .seconds(5))
        #expect(error.code == .connectionLost, "\(error)")
        await session.close()
    }

    @Test("a host behind a jump host that goes away ends its own session quickly; the jump host's goes on")
    func targetDies() async throws {
        let client = try await Client()
        let bastion = try await client.server("127.0.0.2")
        let target = try await client.server("127.0.0.3")
        let other = try await client.server("127.0.0.4")
        let connector = SSHConnector()
        defer { connector.shutdown() }
        let jump = SSHEndpoint.Route.jump([client.endpoint(bastion)])
        let session = try await connector.connect(to: client.endpoint(target, route: jump))
        _ = try await hostname(session)
        target.kill()
        let started = ContinuousClock.now
        let error = try await #require(throws: SSHError.self) { _ = try await session.exec("true", timeout: .seconds(30)) }
        #expect(ContinuousClock.now - started < .seconds(5), "\(error)")
        await session.close()
        let next = try await connector.connect(to: client.endpoint(other, route: jump))
        #expect(try await hostname(next).contains(other.address))
        await next.close()
        #expect(bastion.logins == 1)
    }

    @Test("closing the target's session closes its channel on the jump host")
    func closingTargetClosesChannel() async throws {
        let client = try await Client()
        let bastion = try await client.server("127.0.0.2")
        let target = try await client.server("127.0.0.3")
        let connector = SSHConnector()
        defer { connector.shutdown() }
        let session = try await connector.connect(to: client.endpoint(target, route: .jump([client.endpoint(bastion)])))
        _ = try await hostname(session)
        await session.close()
        let deadline = ContinuousClock.now + .seconds(5)
        while !bastion.log.contains("channel 0: free") && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(bastion.log.contains("channel 0: free"), "\(bastion.log.suffix(2000))")
        // The jump host's session is still there for the next host.
        let next = try await connector.connect(to: client.endpoint(target, route: .jump([client.endpoint(bastion)])))
        _ = try await hostname(next)
        await next.close()
        #expect(bastion.logins == 1)
    }

    @Test("a ProxyCommand carries the session on its standard input and output, and is stopped with it")
    func proxyCommand() async throws {
        let client = try await Client()
        let target = try await client.server("127.0.0.3")
        let proxy = client.scratch.path + "/proxy.sh"
        try writeExecutable(proxy, "#!/bin/bash\nexec 3<>/dev/tcp/$1/$2\ncat <&3 &\ncat >&3\nwait\n")
        let command = "exec \(proxy) \(target.address) \(target.port)"
        let session = try await SSHSession.connect(to: client.endpoint(target, route: .command(command)))
        #expect(try await hostname(session).contains("\(target.address) \(target.port)"))
        let big = try await session.exec("head -c 1000000 /dev/zero")
        #expect(big.stdout.count == 1_000_000)
        await session.close()
        let deadline = ContinuousClock.now + .seconds(3)
        while Self.processes(running: proxy) > 0 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(50))
        }
        #expect(Self.processes(running: proxy) == 0, "the proxy command is stopped with the session")
    }

    @Test("a ProxyCommand that fails is named with the last lines it wrote")
    func failingProxyCommand() async throws {
        let client = try await Client()
        let target = try await client.server("127.0.0.3")
        let command = "echo 'bastion.example: Name or service not known' >&2; exit 1"
        let started = ContinuousClock.now
        let error = try await #require(throws: SSHError.self) {
            try await SSHSession.connect(to: client.endpoint(target, route: .command(command)))
        }
        #expect(error.message.contains("ProxyCommand"), "\(error)")
        #expect(error.message.contains("bastion.example: Name or service not known"), "\(error)")
        #expect(ContinuousClock.now - started < .seconds(3))
    }

    /// Processes (not zombies) whose command line mentions `text`.
    static func processes(running text: String) -> Int {
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        return entries.filter { entry in
            guard Int(entry) != nil,
                let line = FileManager.default.contents(atPath: "/proc/\(entry)/cmdline"),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8)
            else { return false }
            let state = stat.split(separator: ")").last?.split(separator: " ").first
            return state != "Z" && String(decoding: line, as: UTF8.self).contains(text)
        }.count
    }
}
