import Foundation
@testable import SSH
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Calls that other tasks still have on a channel or a session when it is closed: each one
/// ends, with an error, and none hands libssh2 a channel it has already freed. A Docker
/// exchange reads with no deadline, and a rollout closes channels and sessions while other
/// tasks may still be reading from them.
@Suite("Calls that outlive their channel or session")
struct OutlivingCallTests {
    /// How one call ended.
    enum Ending: Sendable, CustomStringConvertible {
        case returned(String)
        case failed(SSHError)
        case threw(String)

        var description: String {
            switch self {
            case .returned(let what): "returned \(what)"
            case .failed(let error): "failed (\(error.code)): \(error.message)"
            case .threw(let error): "threw \(error)"
            }
        }

        var code: SSHError.Code? {
            if case .failed(let error) = self { return error.code }
            return nil
        }
    }

    /// The endings of calls started in other tasks, by name.
    final class Endings: Sendable {
        private let endings = Mutex<[String: Ending]>([:])

        /// Runs `call` in a task of its own and records how it ends.
        func start(_ name: String, _ call: @escaping @Sendable () async throws -> String) {
            Task.detached {
                let ending: Ending
                do {
                    ending = .returned(try await call())
                } catch let error as SSHError {
                    ending = .failed(error)
                } catch {
                    ending = .threw("\(error)")
                }
                self.endings.withLock { $0[name] = ending }
            }
        }

        var all: [String: Ending] { endings.withLock { $0 } }

        /// Waits until `count` calls have ended or `limit` passes; returns their endings.
        func wait(for count: Int, limit: Duration) async -> [String: Ending] {
            let deadline = ContinuousClock.now + limit
            while all.count < count && ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(20))
            }
            return all
        }
    }

    /// A Unix socket that listens but never accepts: a channel to it never answers, and once
    /// the socket's buffer and sshd's window are full, it takes no more bytes either.
    static func silentSocket(_ path: String) throws -> Int32 {
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        try #require(fd >= 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        try #require(bytes.count < MemoryLayout.size(ofValue: address.sun_path))
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: bytes) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        try #require(bound == 0, "bind \(path): \(String(cString: strerror(errno)))")
        try #require(listen(fd, 16) == 0)
        return fd
    }

    @Test("a channel closed while other tasks read from it and write to it, or call it afterwards: every call fails with 'the channel is closed', and the session goes on")
    func channelClosedUnderCalls() async throws {
        let client = try await RouteTests.Client()
        let server = try await client.server("127.0.0.9")
        defer { server.kill() }
        let path = client.scratch.path + "/silent.sock"
        let listener = try Self.silentSocket(path)
        var listening = true
        defer { if listening { close(listener) } }
        let session = try await SSHSession.connect(to: client.endpoint(server))
        let channel = try await session.openUnixSocket(path)

        // None of these can finish by itself: the socket never answers, and never takes 64 MB.
        let endings = Endings()
        for index in 0..<4 {
            endings.start("read \(index) (no deadline), before the close") { "\(try await channel.read().count) bytes" }
        }
        endings.start("a 64 MB write, before the close") {
            try await channel.write([UInt8](repeating: 1, count: 64 << 20))
            return "()"
        }
        try await Task.sleep(for: .milliseconds(500))
        for index in 0..<16 {
            endings.start("read \(index), racing the close") { "\(try await channel.read(timeout: .seconds(60)).count) bytes" }
        }
        let closing = Task { await channel.close() }
        // sshd answers the close only once the bytes it holds for the socket are delivered:
        // the socket goes away instead (its connection is reset), and sshd drops them.
        try await Task.sleep(for: .milliseconds(300))
        close(listener)
        listening = false
        let started = ContinuousClock.now
        await closing.value
        let closeTook = ContinuousClock.now - started
        endings.start("a read after the close") { "\(try await channel.read().count) bytes" }
        endings.start("a write after the close") {
            try await channel.write([1, 2, 3])
            return "()"
        }
        endings.start("an EOF after the close") {
            try await channel.sendEOF()
            return "()"
        }
        endings.start("command output after the close") {
            "\(try await channel.readBoth(deadline: .now + .seconds(60)))"
        }
        let ended = await endings.wait(for: 25, limit: .seconds(10))

        #expect(closeTook < .seconds(5), "the channel's close took \(closeTook)")
        #expect(ended.count == 25, "calls still waiting 10 s after the close: \(25 - ended.count)")
        for (name, ending) in ended.sorted(by: { $0.key < $1.key }) {
            #expect(ending.code == .closed, "\(name): \(ending)")
            if case .failed(let error) = ending { #expect(error.message.contains("the channel is closed"), "\(name): \(ending)") }
        }
        let after = try await session.exec("echo still here")
        #expect(String(decoding: after.stdout, as: UTF8.self) == "still here\n")
        await session.close()
    }

    @Test("a session closed while a read with no deadline waits: the read fails at once, and the session's thread ends before close() returns")
    func sessionClosedUnderRead() async throws {
        let client = try await RouteTests.Client()
        let server = try await client.server("127.0.0.10")
        defer { server.kill() }
        let path = client.scratch.path + "/silent.sock"
        let listener = try Self.silentSocket(path)
        defer { close(listener) }
        let session = try await SSHSession.connect(to: client.endpoint(server))
        let channel = try await session.openUnixSocket(path)

        let endings = Endings()
        endings.start("a read with no deadline") { "\(try await channel.read().count) bytes" }
        try await Task.sleep(for: .milliseconds(300))
        #expect(endings.all.isEmpty, "the read ended before the close: \(endings.all)")
        let started = ContinuousClock.now
        await session.close()
        let elapsed = ContinuousClock.now - started
        let ended = await endings.wait(for: 1, limit: .seconds(5))

        #expect(session.loop.hasStopped, "close() returned after \(elapsed), the session's thread still running")
        #expect(elapsed < .seconds(2), "close() took \(elapsed)")
        #expect(ended.values.first?.code == .closed, "the read: \(ended.values.first.map(\.description) ?? "still waiting 5 s after the close")")
    }
}
