import Foundation
import Testing

@testable import SSH

/// Hashed entries as `ssh-keygen -H` wrote them for `web1.example.internal` and
/// `[10.0.0.7]:2222`, both with the key `Keys.web`.
private let hashed = """
    |1|hrT2xls/D2dyl0zq9vTU7uxfJ8w=|9qJZ8LE5tVfOGuQKuKRNBtlhhIE= ssh-ed25519 \(Keys.web)
    |1|T/gexipPAut7ga1TMdv9WPy8h6A=|/7y2MgMVRw2ZOThgeZeYP2P0/Xw= ssh-ed25519 \(Keys.web)

    """

@Suite("known_hosts checks through libssh2, without a server")
struct KnownHostsTests {
    private func key(_ base64: String) throws -> PresentedKey {
        PresentedKey(type: .ed25519, bytes: Array(try #require(Data(base64Encoded: base64))), sha256: [])
    }

    private func check(_ base64: String, _ name: String, in path: String) throws -> KnownHosts.Verdict {
        let presented = try key(base64)
        let knownHosts = try KnownHosts(path: path)
        return ScratchSession.run { knownHosts.check(presented, name: name, session: $0) }
    }

    @Test("hashed names match the host they were made from, plain or [host]:port, and no other")
    func hashedNames() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("known_hosts", hashed)
        #expect(try check(Keys.web, "web1.example.internal", in: path) == .match)
        #expect(try check(Keys.web, "[10.0.0.7]:2222", in: path) == .match)
        #expect(try check(Keys.other, "web1.example.internal", in: path) == .mismatch([.init(path: path, line: 1)]))
        #expect(try check(Keys.web, "web2.example.internal", in: path) == .notFound)
        #expect(try check(Keys.web, "10.0.0.7", in: path) == .notFound)
        #expect(try KnownHostsNote.skippedLines(in: path).isEmpty)
    }

    @Test("a hashed name libssh2 cannot read (no hash after the salt) is skipped with a note; the other lines count")
    func unreadableHashedName() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("known_hosts", "|1|c2FsdA== ssh-ed25519 \(Keys.web)\n" + hashed)
        #expect(try KnownHostsNote.skippedLines(in: path) == [KnownHostsNote(path: path, line: 1, reason: "the hashed host name cannot be read")])
        #expect(try check(Keys.web, "web1.example.internal", in: path) == .match)
    }

    @Test("one byte that is not UTF-8 no longer empties the file: a changed key is still refused")
    func changedKeyBehindBadByte() throws {
        let directory = try TemporaryDirectory()
        var bytes = Array("web1 ssh-ed25519 \(Keys.web) old \u{fffd}\n".utf8)
        bytes[bytes.count - 4 ..< bytes.count - 1] = [0xC3, 0x28, 0xFF]
        let path = directory.path + "/known_hosts"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        #expect(try check(Keys.other, "web1", in: path) == .mismatch([.init(path: path, line: 1)]))
        #expect(try check(Keys.web, "web1", in: path) == .match)
    }

    @Test("a directory given as known_hosts cannot be read, and says so")
    func directory() throws {
        let directory = try TemporaryDirectory()
        #expect(throws: KnownHostsError(path: directory.path, reason: "is a directory")) {
            try KnownHosts(path: directory.path)
        }
        #expect(throws: KnownHostsError(path: directory.path, reason: "is a directory")) {
            try KnownHostsNote.skippedLines(in: directory.path)
        }
        #expect(KnownHostsError(path: "/etc", reason: "is a directory").description == "cannot read known_hosts /etc: is a directory")
    }

    @Test("a known_hosts file that does not exist is empty: every host is new")
    func missing() throws {
        let directory = try TemporaryDirectory()
        #expect(try check(Keys.web, "web1", in: directory.path + "/nothing") == .notFound)
        #expect(try KnownHostsNote.skippedLines(in: directory.path + "/nothing").isEmpty)
    }

    @Test("an accepted key is appended on a line of its own, even after a last line without newline")
    func record() throws {
        let directory = try TemporaryDirectory()
        let path = try directory.write("known_hosts", "db1 ssh-ed25519 \(Keys.other)")
        try KnownHosts(path: path).record(try key(Keys.web), name: "[web1]:2222")
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "db1 ssh-ed25519 \(Keys.other)\n[web1]:2222 ssh-ed25519 \(Keys.web)\n")
        #expect(try check(Keys.web, "[web1]:2222", in: path) == .match)

        let fresh = directory.path + "/new/known_hosts"
        try KnownHosts(path: fresh).record(try key(Keys.web), name: "web1")
        #expect(try String(contentsOfFile: fresh, encoding: .utf8) == "web1 ssh-ed25519 \(Keys.web)\n")
        let mode = try FileManager.default.attributesOfItem(atPath: fresh)[.posixPermissions] as? Int
        #expect(mode == 0o600)
    }
}

/// A directory removed when the value is released.
final class TemporaryDirectory: Sendable {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "molt-ssh-tests-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Writes `text` to `name` inside the directory; returns the file's path.
    func write(_ name: String, _ text: String) throws -> String {
        let file = path + "/" + name
        try text.write(toFile: file, atomically: true, encoding: .utf8)
        return file
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }
}
