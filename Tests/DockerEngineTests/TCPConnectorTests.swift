import Dispatch
import Foundation
import Testing

@testable import DockerEngine

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

@Suite("TCP connections (the metric checks' transport)")
struct TCPConnectorTests {
    @Test("an HTTP exchange runs over a TCP connection to 127.0.0.1")
    func exchange() async throws {
        let server = try SocketServer(answer: Array(crlf("HTTP/1.1 200 OK\nContent-Length: 2\nApi-Version: 1.45\n\nOK").utf8))
        defer { server.stop() }
        let docker = DockerClient(connector: TCPConnector(host: "127.0.0.1", port: server.port), timeout: .seconds(60))
        try await docker.ping()
        #expect(server.received.hasPrefix("GET /_ping HTTP/1.1\r\n"))
    }

    @Test("a port nothing listens on is a transport error that names the address and the system's reason")
    func refused() async throws {
        let port = try SocketServer.unusedPort()
        let docker = DockerClient(connector: TCPConnector(host: "127.0.0.1", port: port), timeout: .seconds(60))
        let error = await #expect(throws: DockerError.self) { try await docker.ping() }
        #expect(error?.code == .transport)
        #expect(error?.underlying is TCPError)
        #expect(error?.message.contains("cannot connect to 127.0.0.1:\(port): Connection refused") == true)
    }

    @Test("a silent engine times out: closing wakes the blocked read")
    func silentEngine() async throws {
        let server = try SocketServer(answer: nil)
        defer { server.stop() }
        let docker = DockerClient(connector: TCPConnector(host: "127.0.0.1", port: server.port), timeout: .milliseconds(300))
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
        let stream = try await TCPConnector(host: "127.0.0.1", port: server.port).connect()
        let reader = Task { try await stream.read(maxLength: 100) }
        try await Task.sleep(for: .milliseconds(100))
        await stream.close()
        await stream.close()
        await #expect(throws: TCPError.self) { try await reader.value }
        await #expect(throws: TCPError.self) { try await stream.write([1]) }
    }
}

/// A one-connection server on 127.0.0.1: reads a request head and answers with fixed bytes,
/// or stays silent until stopped.
final class SocketServer: @unchecked Sendable {
    let port: Int
    private let listener: Int32
    private let lock = NSLock()
    private var request: [UInt8] = []
    private let done = DispatchSemaphore(value: 0)
    private var connection: Int32 = -1

    init(answer: [UInt8]?) throws {
        (listener, port) = try Self.bound()
        guard listen(listener, 4) == 0 else { throw ScriptError.custom("cannot listen on 127.0.0.1:\(port)") }
        Thread.detachNewThread { [self] in serve(answer) }
    }

    /// A port on 127.0.0.1 that was free a moment ago and that nothing listens on.
    static func unusedPort() throws -> Int {
        let (socket, port) = try bound()
        close(socket)
        return port
    }

    /// A TCP socket bound to 127.0.0.1 on a port the kernel chose, and that port.
    private static func bound() throws -> (Int32, Int) {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(descriptor, $0, length) == 0 ? getsockname(descriptor, $0, &length) : -1
            }
        }
        guard descriptor >= 0, named == 0 else { throw ScriptError.custom("cannot bind a socket on 127.0.0.1") }
        return (descriptor, Int(UInt16(bigEndian: address.sin_port)))
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
    }
}
