import Foundation
import SSH
import Testing

/// known_hosts against a real OpenSSH server: several files, aliases, @revoked, @cert-authority.
@Suite("Host keys checked against known_hosts files", .serialized)
struct HostKeyTests {
    private func client(_ scratch: TemporaryDirectory) async throws -> String {
        let key = scratch.path + "/id_ed25519"
        try await Run.keygen(key)
        return key
    }

    private func endpoint(_ server: TestSSHD, key: String, knownHosts: [String]) -> SSHEndpoint {
        SSHEndpoint(
            address: server.address, port: server.port, user: "root", identityFiles: [key], knownHostsFiles: knownHosts,
            connectTimeout: .seconds(5))
    }

    @Test("a host known only through @cert-authority is refused: libssh2 1.10 cannot check host certificates")
    func certificateAuthorityOnly() async throws {
        let scratch = try TemporaryDirectory()
        let key = try await client(scratch)
        let ca = scratch.path + "/host_ca"
        try await Run.keygen(ca)
        // The server has a host certificate signed by the CA. ECDSA: the one certificate type
        // libssh2 1.10 names among its algorithms (it fails the key exchange when one is chosen).
        let hostKey = scratch.path + "/host_ecdsa"
        try await Run.keygen(hostKey, type: "ecdsa")
        try await Run.checked(["/usr/bin/ssh-keygen", "-q", "-s", ca, "-I", "test host", "-h", "-n", TestSSHD.loopback("127.0.0.6"), hostKey + ".pub"])
        let server = try await TestSSHD.start(
            address: "127.0.0.6", in: scratch, authorizing: [key],
            extraConfig: "HostKey \(hostKey)\nHostCertificate \(hostKey)-cert.pub")
        let caKey = try String(contentsOfFile: ca + ".pub", encoding: .utf8).split(separator: " ").prefix(2).joined(separator: " ")
        let text = "@cert-authority [\(server.address)]:\(server.port) \(caKey)\n"
        let knownHosts = try scratch.write("known_hosts", text)
        var endpoint = endpoint(server, key: key, knownHosts: [knownHosts])
        endpoint.hostKeyPolicy = .acceptNew
        let error = try await #require(throws: SSHError.self) { try await SSHSession.connect(to: endpoint) }
        #expect(error.code == .hostKeyUnverifiable)
        #expect(error.message.contains("host certificates are not supported by libssh2 1.10; add the host key itself"), "\(error)")
        #expect(try String(contentsOfFile: knownHosts, encoding: .utf8) == text, "nothing is recorded")
        #expect(server.logins == 0)
    }

    @Test("a key listed as @revoked is refused even when another line vouches for it")
    func revoked() async throws {
        let scratch = try TemporaryDirectory()
        let key = try await client(scratch)
        let server = try await TestSSHD.start(address: "127.0.0.6", in: scratch, authorizing: [key])
        let knownHosts = try scratch.write("known_hosts", server.knownHostsLine + "\n")
        let revoked = try scratch.write("revoked", "@revoked * \(server.hostKey)\n")
        let error = try await #require(throws: SSHError.self) {
            try await SSHSession.connect(to: endpoint(server, key: key, knownHosts: [knownHosts, revoked]))
        }
        #expect(error.code == .hostKeyRevoked)
        #expect(error.message.contains("\(revoked):1"), "\(error)")
    }

    @Test("several known_hosts files count together; a new key goes to the first")
    func severalFiles() async throws {
        let scratch = try TemporaryDirectory()
        let key = try await client(scratch)
        let server = try await TestSSHD.start(address: "127.0.0.6", in: scratch, authorizing: [key])
        let other = try await TestSSHD.start(address: "127.0.0.7", in: scratch, authorizing: [key])
        let user = try scratch.write("user", "")
        let global = try scratch.write("global", server.knownHostsLine + "\n")
        let session = try await SSHSession.connect(to: endpoint(server, key: key, knownHosts: [user, global]))
        await session.close()

        // A stale key in one file and the right one in another: the host is verified (OpenSSH).
        let stale = try scratch.write("stale", "[\(server.address)]:\(server.port) \(other.hostKey)\n")
        let both = try await SSHSession.connect(to: endpoint(server, key: key, knownHosts: [stale, global]))
        await both.close()
        let changed = try await #require(throws: SSHError.self) {
            try await SSHSession.connect(to: endpoint(server, key: key, knownHosts: [user, stale]))
        }
        #expect(changed.code == .hostKeyChanged)
        #expect(changed.message.contains("\(stale):1"), "\(changed)")

        var accepting = endpoint(other, key: key, knownHosts: [user, global])
        accepting.hostKeyPolicy = .acceptNew
        let accepted = try await SSHSession.connect(to: accepting)
        await accepted.close()
        #expect(try String(contentsOfFile: user, encoding: .utf8) == other.knownHostsLine + "\n")
        #expect(try String(contentsOfFile: global, encoding: .utf8) == server.knownHostsLine + "\n")
    }

    @Test("HostKeyAlias checks the key under the alias instead of the address and port")
    func hostKeyAlias() async throws {
        let scratch = try TemporaryDirectory()
        let key = try await client(scratch)
        let server = try await TestSSHD.start(address: "127.0.0.6", in: scratch, authorizing: [key])
        let knownHosts = try scratch.write("known_hosts", "db-primary \(server.hostKey)\n")
        var endpoint = endpoint(server, key: key, knownHosts: [knownHosts])
        let unknown = try await #require(throws: SSHError.self) { try await SSHSession.connect(to: endpoint) }
        #expect(unknown.code == .hostKeyUnknown)
        endpoint.hostKeyAlias = "db-primary"
        let session = try await SSHSession.connect(to: endpoint)
        await session.close()
    }
}
