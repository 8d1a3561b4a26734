import DockerEngine
import Fleet
import Foundation
import MoltTestSupport
import Inventory
import SSH
import Testing

extension LabFleetTests {
    @Suite("SSH sessions to lab hosts")
    struct SSHSessionTests {
        @Test("exec returns stdout, stderr and the exit status")
        func execReturnsOutputAndStatus() async throws {
            let lab = try Lab.current()
            let session = try await SSHSession.connect(to: try lab.endpoint("lab1"))
            defer { session.shutdown() }
            let result = try await session.exec("id -un; echo oops >&2; exit 3")
            #expect(String(decoding: result.stdout, as: UTF8.self) == "molt-lab\n")
            #expect(String(decoding: result.stderr, as: UTF8.self) == "oops\n")
            #expect(result.exitStatus == 3)
        }

        @Test("hashed known_hosts entries verify the host")
        func hashedKnownHosts() async throws {
            let lab = try Lab.current()
            let hashed = lab.knownHosts + ".hashed"
            let text = try String(contentsOfFile: hashed, encoding: .utf8)
            #expect(text.hasPrefix("|1|"), "the lab's hashed known_hosts should hold hashed names")
            let session = try await SSHSession.connect(to: try lab.endpoint("lab2", knownHosts: hashed))
            await session.close()
        }

        @Test("[host]:port entries verify a host on a port other than 22, and a plain entry does not")
        func bracketedPortEntries() async throws {
            let lab = try Lab.current()
            let ported = lab.knownHosts + ".port2222"
            let session = try await SSHSession.connect(to: try lab.endpoint("lab3", port: 2222, knownHosts: ported))
            await session.close()
            await #expect(throws: SSHError.self) {
                _ = try await SSHSession.connect(to: try lab.endpoint("lab3", port: 2222))
            }
        }

        @Test("an unknown host key stops the connection, names the fingerprint and records nothing")
        func unknownHostKey() async throws {
            let lab = try Lab.current()
            let scratch = try TemporaryDirectory()
            let empty = try scratch.write("known_hosts", "")
            let error = try await connectError(try lab.endpoint("lab1", knownHosts: empty))
            #expect(error.code == .hostKeyUnknown)
            #expect(error.message.contains("SHA256:"))
            #expect(try String(contentsOfFile: empty, encoding: .utf8).isEmpty)
        }

        @Test("a changed host key is refused, even with accept-new")
        func changedHostKey() async throws {
            let lab = try Lab.current()
            let scratch = try TemporaryDirectory()
            // lab1's address with lab2's key: what a reinstalled or impostor host looks like.
            let lines = try String(contentsOfFile: lab.knownHosts, encoding: .utf8).split(separator: "\n")
            let lab1 = try lab.host("lab1").address
            let lab2 = try lab.host("lab2").address
            let forged = lines.filter { $0.hasPrefix(lab2 + " ") }
                .map { lab1 + $0.dropFirst(lab2.count) }.joined(separator: "\n") + "\n"
            let file = try scratch.write("known_hosts", forged)
            let error = try await connectError(try lab.endpoint("lab1", knownHosts: file))
            #expect(error.code == .hostKeyChanged)
            let again = try await connectError(accepting(try lab.endpoint("lab1", knownHosts: file)))
            #expect(again.code == .hostKeyChanged)
            #expect(try String(contentsOfFile: file, encoding: .utf8) == forged)
        }

        @Test("a byte that is not UTF-8 in known_hosts keeps the other lines: a changed key is still refused, even with accept-new")
        func changedKeyBehindBadByte() async throws {
            let lab = try Lab.current()
            let scratch = try TemporaryDirectory()
            let lines = try String(contentsOfFile: lab.knownHosts, encoding: .utf8).split(separator: "\n")
            let lab1 = try lab.host("lab1").address
            let lab2 = try lab.host("lab2").address
            var forged = Data("# made on a Latin-1 terminal: ".utf8) + Data([0xE9, 0x0A])
            for line in lines where line.hasPrefix(lab2 + " ") {
                forged += Data((lab1 + line.dropFirst(lab2.count) + " caf").utf8) + Data([0xE9, 0x0A])
            }
            let file = scratch.path + "/known_hosts"
            try forged.write(to: URL(fileURLWithPath: file))
            let error = try await connectError(accepting(try lab.endpoint("lab1", knownHosts: file)))
            #expect(error.code == .hostKeyChanged, "\(error)")
            #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == forged)
        }

        @Test("accept-new records nothing for a host known_hosts names with a key of a type molt cannot check")
        func otherKeyTypeNotRecorded() async throws {
            let lab = try Lab.current()
            let scratch = try TemporaryDirectory()
            let lab1 = try lab.host("lab1").address
            let text = "\(lab1) sk-ssh-ed25519@openssh.com AAAAGnNrLXNzaC1lZDI1NTE5QG9wZW5zc2guY29t\n"
            let file = try scratch.write("known_hosts", text)
            let error = try await connectError(accepting(try lab.endpoint("lab1", knownHosts: file)))
            #expect(error.code == .hostKeyUnverifiable, "\(error)")
            #expect(error.message.contains("\(file):1"))
            #expect(try String(contentsOfFile: file, encoding: .utf8) == text)
        }

        @Test("a directory as a host's known_hosts fails that host before anything is sent, naming the path")
        func knownHostsDirectory() async throws {
            let lab = try Lab.current()
            let scratch = try TemporaryDirectory()
            let error = try await connectError(try lab.endpoint("lab1", knownHosts: scratch.path))
            #expect(error.code == .knownHostsUnreadable)
            #expect(error.message.contains("cannot read known_hosts \(scratch.path): is a directory"))
        }

        @Test("accept-new records an unknown key, which then verifies the host")
        func acceptNewRecordsKey() async throws {
            let lab = try Lab.current()
            let scratch = try TemporaryDirectory()
            let file = try scratch.write("known_hosts", "")
            let endpoint = try lab.endpoint("lab4", knownHosts: file)
            let first = try await SSHSession.connect(to: accepting(endpoint))
            await first.close()
            let recorded = try String(contentsOfFile: file, encoding: .utf8)
            #expect(recorded.hasPrefix(endpoint.address + " "))
            let second = try await SSHSession.connect(to: endpoint)
            await second.close()
        }

        @Test("a key the host does not accept fails authentication; a missing key file is named")
        func wrongIdentity() async throws {
            let lab = try Lab.current()
            let scratch = try TemporaryDirectory()
            let key = scratch.path + "/stranger"
            let made = try await Shell.run(["/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key])
            #expect(made.status == 0)
            let refused = try await connectError(try lab.endpoint("lab1", identity: key))
            #expect(refused.code == .authenticationFailed, "\(refused)")
            let missing = try await connectError(try lab.endpoint("lab1", identity: scratch.path + "/nothing"))
            #expect(missing.code == .identityFile)
            #expect(missing.message.contains(scratch.path + "/nothing"))
        }

        @Test("direct-tcpip reaches a port on the host's own loopback")
        func directTCPIP() async throws {
            let lab = try Lab.current()
            let session = try await SSHSession.connect(to: try lab.endpoint("lab2"))
            defer { session.shutdown() }
            let channel = try await session.openTCP(host: "127.0.0.1", port: 8080)
            try await channel.write(Array("GET /health HTTP/1.0\r\nHost: lab\r\n\r\n".utf8))
            var reply: [UInt8] = []
            while true {
                let chunk = try await channel.read()
                if chunk.isEmpty { break }
                reply += chunk
            }
            await channel.close()
            let text = String(decoding: reply, as: UTF8.self)
            #expect(text.hasPrefix("HTTP/1.") && text.contains(" 200 "), "\(text)")
        }

        @Test("many Docker API requests share one session at once")
        func concurrentDockerRequests() async throws {
            let lab = try Lab.current()
            let host = try lab.host("lab1")
            let session = try await SSHSession.connect(to: try lab.endpoint("lab1"))
            defer { session.shutdown() }
            let docker = DockerClient(connector: DockerTunnel(session: session, socketPath: host.dockerSocket))
            let names = try await withThrowingTaskGroup(of: [String].self) { group in
                for _ in 0..<24 {
                    group.addTask { try await docker.listContainers(all: true).map(\.name) }
                }
                return try await group.reduce(into: [[String]]()) { $0.append($1) }
            }
            #expect(names.count == 24)
            #expect(names.allSatisfy { $0.contains("web") })
        }

        private func accepting(_ endpoint: SSHEndpoint) -> SSHEndpoint {
            var endpoint = endpoint
            endpoint.hostKeyPolicy = .acceptNew
            return endpoint
        }

        private func connectError(_ endpoint: SSHEndpoint) async throws -> SSHError {
            do {
                let session = try await SSHSession.connect(to: endpoint)
                await session.close()
            } catch let error as SSHError {
                return error
            }
            throw LabMissing(message: "connecting to \(endpoint.label) should have failed")
        }
    }
}
