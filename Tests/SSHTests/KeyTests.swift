import Foundation
import SSH
import Synchronization
import Testing

/// Identity files, ssh-agent and the default key files, against a real OpenSSH server.
@Suite("Keys: identity files, then the agent, then the default files", .serialized)
struct KeyTests {
    /// Answers with a fixed passphrase and counts the questions.
    final class Passphrases: SSHPassphraseSource {
        let answer: String?
        let asked = Mutex<[String]>([])
        init(_ answer: String?) { self.answer = answer }
        func passphrase(forKeyFile path: String) async -> String? {
            asked.withLock { $0.append(path) }
            return answer
        }
    }

    private func endpoint(_ server: TestSSHD, knownHosts: String) -> SSHEndpoint {
        SSHEndpoint(address: server.address, port: server.port, user: "root", knownHostsFiles: [knownHosts], connectTimeout: .seconds(5))
    }

    private func setUp(authorizing keys: [String], scratch: TemporaryDirectory) async throws -> (TestSSHD, String) {
        let server = try await TestSSHD.start(address: "127.0.0.5", in: scratch, authorizing: keys)
        let knownHosts = try scratch.write("known_hosts", server.knownHostsLine + "\n")
        return (server, knownHosts)
    }

    @Test("an encrypted identity file whose key ssh-agent holds connects through the agent, with a note and no question")
    func encryptedKeyAndAgent() async throws {
        let scratch = try TemporaryDirectory()
        let key = scratch.path + "/id_locked"
        try await Run.keygen(key, passphrase: "correct horse")
        let agent = try await TestAgent(in: scratch)
        defer { agent.stop() }
        try await agent.add(key, passphrase: "correct horse", scratch: scratch)
        let (server, knownHosts) = try await setUp(authorizing: [key], scratch: scratch)
        // No .pub beside it: the public key comes from the file's own unencrypted header.
        try FileManager.default.removeItem(atPath: key + ".pub")

        for identitiesOnly in [false, true] {
            var endpoint = endpoint(server, knownHosts: knownHosts)
            endpoint.identityFiles = [key]
            endpoint.agentSocket = agent.socket
            endpoint.identitiesOnly = identitiesOnly
            let passphrases = Passphrases("never asked")
            let session = try await SSHSession.connect(to: endpoint, using: SSHConnector(passphrases: passphrases))
            #expect(try await session.exec("true").exitStatus == 0)
            #expect(session.notices.contains { $0.contains(key) && $0.contains("encrypted") }, "\(session.notices)")
            #expect(passphrases.asked.withLock { $0 }.isEmpty)
            await session.close()
        }
    }

    @Test("an encrypted identity file is decrypted with the passphrase asked for; a wrong one is named")
    func encryptedKeyWithPassphrase() async throws {
        let scratch = try TemporaryDirectory()
        let key = scratch.path + "/id_locked"
        try await Run.keygen(key, passphrase: "correct horse")
        let (server, knownHosts) = try await setUp(authorizing: [key], scratch: scratch)
        var endpoint = endpoint(server, knownHosts: knownHosts)
        endpoint.identityFiles = [key]

        let right = Passphrases("correct horse")
        let session = try await SSHSession.connect(to: endpoint, using: SSHConnector(passphrases: right))
        #expect(try await session.exec("true").exitStatus == 0)
        #expect(right.asked.withLock { $0 } == [key])
        await session.close()

        let wrong = try await #require(throws: SSHError.self) {
            try await SSHSession.connect(to: endpoint, using: SSHConnector(passphrases: Passphrases("battery staple")))
        }
        #expect(wrong.code == .identityFile)
        #expect(wrong.message.contains("\(key) could not be decrypted"), "\(wrong)")
    }

    @Test("an encrypted identity file with no agent and nobody to ask is skipped, and the error says so")
    func encryptedKeyAlone() async throws {
        let scratch = try TemporaryDirectory()
        let key = scratch.path + "/id_locked"
        try await Run.keygen(key, passphrase: "correct horse")
        let (server, knownHosts) = try await setUp(authorizing: [key], scratch: scratch)
        var endpoint = endpoint(server, knownHosts: knownHosts)
        endpoint.identityFiles = [key]
        let error = try await #require(throws: SSHError.self) { try await SSHSession.connect(to: endpoint) }
        #expect(error.code == .identityFile)
        #expect(error.message.contains("\(key) is encrypted"), "\(error)")
        #expect(error.message.contains("ssh-add"), "\(error)")
    }

    @Test("the default key files of a home directory are tried after the agent; missing ones are skipped silently")
    func defaultIdentityFiles() async throws {
        let scratch = try TemporaryDirectory()
        let home = scratch.path + "/home"
        try FileManager.default.createDirectory(atPath: home + "/.ssh", withIntermediateDirectories: true)
        try await Run.keygen(home + "/.ssh/id_ecdsa", type: "ecdsa")
        let (server, knownHosts) = try await setUp(authorizing: [home + "/.ssh/id_ecdsa"], scratch: scratch)
        let agent = try await TestAgent(in: scratch)
        defer { agent.stop() }
        var endpoint = endpoint(server, knownHosts: knownHosts)
        endpoint.agentSocket = agent.socket
        endpoint.defaultIdentityFiles = SSHEndpoint.defaultIdentityFiles(home: home)
        let session = try await SSHSession.connect(to: endpoint)
        #expect(try await session.exec("true").exitStatus == 0)
        #expect(session.notices.isEmpty, "\(session.notices)")
        await session.close()

        endpoint.defaultIdentityFiles = []
        let error = try await #require(throws: SSHError.self) { try await SSHSession.connect(to: endpoint) }
        #expect(error.code == .authenticationFailed)
        #expect(error.message.contains("ssh-agent holds no keys"), "\(error)")
    }

    @Test("IdentitiesOnly keeps the agent from offering keys that are not the identity files'")
    func identitiesOnly() async throws {
        let scratch = try TemporaryDirectory()
        let agentKey = scratch.path + "/id_agent"
        let fileKey = scratch.path + "/id_file"
        try await Run.keygen(agentKey)
        try await Run.keygen(fileKey)
        let agent = try await TestAgent(in: scratch)
        defer { agent.stop() }
        try await agent.add(agentKey, scratch: scratch)
        // The server knows only the agent's key.
        let (server, knownHosts) = try await setUp(authorizing: [agentKey], scratch: scratch)
        var endpoint = endpoint(server, knownHosts: knownHosts)
        endpoint.identityFiles = [fileKey]
        endpoint.agentSocket = agent.socket

        let session = try await SSHSession.connect(to: endpoint)
        await session.close()

        endpoint.identitiesOnly = true
        let error = try await #require(throws: SSHError.self) { try await SSHSession.connect(to: endpoint) }
        #expect(error.code == .authenticationFailed)
        #expect(error.message.contains("the server refused the key in \(fileKey)"), "\(error)")
        #expect(error.message.contains("IdentitiesOnly"), "\(error)")

        endpoint.identityFiles = [agentKey]
        let allowed = try await SSHSession.connect(to: endpoint)
        await allowed.close()
    }
}
