import Dispatch
import Foundation
import Testing

@testable import DockerEngine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("Unix socket connections")
struct UnixSocketConnectorTests {
    @Test("an HTTP exchange runs over a local Unix socket")
    func exchange() async throws {
        let server = try SocketServer(answer: Array(crlf("HTTP/1.1 200 OK\nContent-Length: 2\nApi-Version: 1.45\n\nOK").utf8))
        defer { server.stop() }
        let docker = DockerClient(connector: UnixSocketConnector(path: server.path), timeout: .seconds(60))
        try await docker.ping()
        #expect(server.received.hasPrefix("GET /_ping HTTP/1.1\r\n"))
    }

    @Test("a missing socket is a transport error that names the path and the system's reason")
    func missingSocket() async throws {
        let docker = DockerClient(connector: UnixSocketConnector(path: "/nonexistent/docker.sock"), timeout: .seconds(60))
        let error = await #expect(throws: DockerError.self) { try await docker.ping() }
        #expect(error?.code == .transport)
        #expect(error?.underlying is UnixSocketError)
        #expect(error?.message.contains("cannot connect to /nonexistent/docker.sock: No such file or directory") == true)
    }

    @Test("a silent engine times out: closing wakes the blocked read")
    func silentEngine() async throws {
        let server = try SocketServer(answer: nil)
        defer { server.stop() }
        let docker = DockerClient(connector: UnixSocketConnector(path: server.path), timeout: .milliseconds(300))
        let start = ContinuousClock.now
        let error = await #expect(throws: DockerError.self) { try await docker.ping() }
        #expect(error?.code == .timeout)
        // No hang: well within the bound even on a loaded 2-core machine (this is not a benchmark).
        #expect(ContinuousClock.now - start < .seconds(30))
    }

    @Test("closing a stream makes a pending read fail at once, and closing twice is harmless")
    func closeWakesRead() async throws {
        let server = try SocketServer(answer: nil)
        defer { server.stop() }
        let stream = try await UnixSocketConnector(path: server.path).connect()
        let reader = Task { try await stream.read(maxLength: 100) }
        try await Task.sleep(for: .milliseconds(100))
        await stream.close()
        await stream.close()
        await #expect(throws: UnixSocketError.self) { try await reader.value }
        await #expect(throws: UnixSocketError.self) { try await stream.write([1]) }
    }
}

/// A one-connection server on a Unix socket in a temporary directory: reads a request head
/// and answers with fixed bytes, or stays silent until stopped.
final class SocketServer: @unchecked Sendable {
    let path: String
    private let listener: Int32
    private let lock = NSLock()
    private var request: [UInt8] = []
    private let done = DispatchSemaphore(value: 0)
    private var connection: Int32 = -1

    init(answer: [UInt8]?) throws {
        path = NSTemporaryDirectory() + "molt-\(UInt32.random(in: 0...UInt32.max)).sock"
        listener = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: path.utf8)
            buffer[path.utf8.count] = 0
        }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listener, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        guard bound == 0, listen(listener, 4) == 0 else { throw ScriptError.custom("cannot listen on \(path)") }
        Thread.detachNewThread { [self] in serve(answer) }
    }

    private func serve(_ answer: [UInt8]?) {
        let connection = accept(listener, nil, nil)
        guard connection >= 0 else { return }
        lock.withLock { self.connection = connection }
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !String(decoding: received.utf8, as: UTF8.self).contains("\r\n\r\n") {
            let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { break }
            lock.withLock { request += buffer[..<count] }
        }
        if let answer {
            _ = answer.withUnsafeBytes { send(connection, $0.baseAddress, $0.count, 0) }
            shutdown(connection, Int32(SHUT_RDWR))
        } else {
            done.wait()
        }
    }

    var received: String { lock.withLock { String(decoding: request, as: UTF8.self) } }

    func stop() {
        done.signal()
        lock.withLock { if connection >= 0 { shutdown(connection, Int32(SHUT_RDWR)) } }
        shutdown(listener, Int32(SHUT_RDWR))
        close(listener)
        unlink(path)
    }
}
