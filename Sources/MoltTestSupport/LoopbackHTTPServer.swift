import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A real HTTP server on `127.0.0.1` for tests of code that makes HTTP requests from the
/// coordinator (metric checks): it listens on a port of its own, reads each request's head and
/// answers what the test's handler says, on threads of its own.
///
/// Stop it with ``stop()``; connections held silent are then closed.
public final class LoopbackHTTPServer: @unchecked Sendable {
    /// What to do with one request.
    public enum Reply: Sendable {
        /// Send these bytes as they are (status line, headers, body), then close.
        case raw([UInt8])
        /// Answer nothing and keep the connection open until the server stops.
        case silent

        /// A complete response with `status`, a `Content-Length` and `body`.
        public static func status(_ status: Int, _ body: String, contentType: String = "application/json") -> Reply {
            let bytes = Array(body.utf8)
            let head = "HTTP/1.1 \(status) \(status == 200 ? "OK" : "Status \(status)")\r\nContent-Type: \(contentType)\r\n"
                + "Content-Length: \(bytes.count)\r\nConnection: close\r\n\r\n"
            return .raw(Array(head.utf8) + bytes)
        }
    }

    /// The port it listens on.
    public let port: Int
    /// `http://127.0.0.1:PORT`.
    public var baseURL: String { "http://127.0.0.1:\(port)" }

    private let listener: Int32
    private let handler: @Sendable (_ requestHead: String) -> Reply
    private let lock = NSLock()
    private var heads: [String] = []
    private var open: Set<Int32> = []
    private var stopped = false

    /// Starts listening; `handler` gets each request's head (request line and header fields).
    public init(_ handler: @escaping @Sendable (_ requestHead: String) -> Reply) throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = 0
        inet_pton(AF_INET, "127.0.0.1", &address.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound, listen(fd, 16) == 0 else {
            let code = errno
            close(fd)
            throw ListenFailure(errno: code)
        }
        self.listener = fd
        self.port = Int(UInt16(bigEndian: address.sin_port))
        self.handler = handler
        Thread.detachNewThread { [self] in acceptLoop() }
    }

    /// The heads of the requests received so far, in order.
    public var requests: [String] { lock.withLock { heads } }

    /// Stops listening and closes every connection still open.
    ///
    /// Descriptors are only shut down here; each is closed by the thread that uses it, once it
    /// no longer does, so that no thread ever touches a number the process has reused.
    public func stop() {
        lock.withLock {
            guard !stopped else { return }
            stopped = true
            for connection in open { shutdown(connection, Int32(SHUT_RDWR)) }
            shutdown(listener, Int32(SHUT_RDWR))
        }
    }

    #if canImport(Darwin)
    private static let sendFlags: Int32 = 0
    #else
    private static let sendFlags = Int32(MSG_NOSIGNAL)
    #endif

    private func acceptLoop() {
        defer { close(listener) }
        while true {
            let connection = accept(listener, nil, nil)
            guard connection >= 0 else {
                if errno == EINTR || errno == ECONNABORTED { continue }
                return
            }
            let accepted = lock.withLock {
                guard !stopped else { return false }
                open.insert(connection)
                return true
            }
            guard accepted else {
                close(connection)
                return
            }
            Thread.detachNewThread { [self] in serve(connection) }
        }
    }

    private func serve(_ connection: Int32) {
        defer {
            lock.withLock { _ = open.remove(connection) }
            close(connection)
        }
        var request: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while !request.containsHeadEnd {
            let count = buffer.withUnsafeMutableBytes { recv(connection, $0.baseAddress, $0.count, 0) }
            guard count > 0 else { return }
            request += buffer[..<count]
        }
        let head = String(decoding: request, as: UTF8.self).components(separatedBy: "\r\n\r\n")[0]
        lock.withLock { heads.append(head) }
        switch handler(head) {
        case .raw(let bytes):
            var offset = 0
            while offset < bytes.count {
                let sent = bytes.withUnsafeBytes { send(connection, $0.baseAddress! + offset, $0.count - offset, Self.sendFlags) }
                guard sent > 0 else { return }
                offset += sent
            }
            shutdown(connection, Int32(SHUT_WR))
            // Wait for the client to close, so that it reads everything before the reset a
            // close with unread data could send.
            while buffer.withUnsafeMutableBytes({ recv(connection, $0.baseAddress, $0.count, 0) }) > 0 {}
        case .silent:
            while buffer.withUnsafeMutableBytes({ recv(connection, $0.baseAddress, $0.count, 0) }) > 0 {}
        }
    }
}

/// The server could not listen on 127.0.0.1.
struct ListenFailure: Error, CustomStringConvertible {
    var errno: Int32
    var description: String { "cannot listen on 127.0.0.1: \(String(cString: strerror(errno)))" }
}

extension [UInt8] {
    fileprivate var containsHeadEnd: Bool {
        guard count >= 4 else { return false }
        for index in 0...(count - 4) where self[index] == 13 && self[index + 1] == 10 && self[index + 2] == 13 && self[index + 3] == 10 {
            return true
        }
        return false
    }
}
