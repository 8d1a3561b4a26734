#if canImport(Glibc)
import Durations
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// Opens TCP connections to one host and port, such as a metrics server the coordinator
/// queries itself (not through SSH).
///
/// Name resolution and the connection happen on a dispatch queue, away from Swift's
/// cooperative threads, and give up after `connectTimeout`; every address the name resolves
/// to is tried in turn. The connections are ``SocketStream``s: closing one wakes a pending read.
public struct TCPConnector: ByteStreamConnector {
    /// The host name or address.
    public var host: String
    /// The TCP port.
    public var port: Int
    /// How long resolving and connecting may take, all addresses together.
    public var connectTimeout: Duration

    /// Connections to `host:port`.
    public init(host: String, port: Int, connectTimeout: Duration = .seconds(10)) {
        self.host = host
        self.port = port
        self.connectTimeout = connectTimeout
    }

    /// A new connection; fails with ``TCPError`` when the host cannot be resolved or reached.
    public func connect() async throws -> any ByteStream {
        let host = self.host
        let port = self.port
        let deadline = ContinuousClock.now.advanced(by: connectTimeout)
        let queue = DispatchQueue(label: "molt.tcp.connect")
        let descriptor = try await SocketStream.blocking(on: queue) { try Self.open(host: host, port: port, deadline: deadline) }
        let endpoint = TCPError.endpoint(host: host, port: port)
        return SocketStream(descriptor: descriptor) { operation, code in
            TCPError(operation: operation, endpoint: endpoint, errno: code)
        }
    }

    // MARK: - Private

    private static func open(host: String, port: Int, deadline: ContinuousClock.Instant) throws -> Int32 {
        let endpoint = TCPError.endpoint(host: host, port: port)
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        #if canImport(Darwin)
        hints.ai_socktype = SOCK_STREAM
        #else
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        #endif
        hints.ai_flags = AI_ADDRCONFIG
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(host, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            throw TCPError(operation: "resolve", endpoint: host, reason: String(cString: gai_strerror(rc)))
        }
        defer { freeaddrinfo(list) }
        var failure = TCPError(operation: "connect to", endpoint: endpoint, reason: "no address")
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            cursor = entry.pointee.ai_next
            do {
                return try attempt(entry.pointee, endpoint: endpoint, deadline: deadline)
            } catch {
                // A refusal says the most: the host is there and nothing listens.
                if failure.errno != ECONNREFUSED { failure = error }
            }
        }
        throw failure
    }

    /// Connects one address without blocking past `deadline`, then hands back a blocking socket.
    private static func attempt(_ info: addrinfo, endpoint: String, deadline: ContinuousClock.Instant) throws(TCPError) -> Int32 {
        #if canImport(Darwin)
        let descriptor = socket(info.ai_family, info.ai_socktype, info.ai_protocol)
        #else
        let descriptor = socket(info.ai_family, info.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), info.ai_protocol)
        #endif
        guard descriptor >= 0 else { throw TCPError(operation: "connect to", endpoint: endpoint, errno: errno) }
        var one: Int32 = 1
        _ = setsockopt(descriptor, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        #if canImport(Darwin)
        _ = setsockopt(descriptor, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
        let flags = fcntl(descriptor, F_GETFL)
        _ = fcntl(descriptor, F_SETFL, flags | O_NONBLOCK)
        func failed(_ code: Int32) -> TCPError {
            _ = systemClose(descriptor)
            return TCPError(operation: "connect to", endpoint: endpoint, errno: code)
        }
        if SocketGlue.connect(descriptor, info.ai_addr, info.ai_addrlen) != 0 {
            guard errno == EINPROGRESS else { throw failed(errno) }
            var poller = pollfd(fd: descriptor, events: Int16(POLLOUT), revents: 0)
            while true {
                let remaining = ContinuousClock.now.duration(to: deadline)
                guard remaining > .zero else { throw failed(ETIMEDOUT) }
                let milliseconds = Int32(clamping: remaining.milliseconds + 1)
                let ready = poll(&poller, 1, milliseconds)
                if ready < 0 && errno == EINTR { continue }
                if ready < 0 { throw failed(errno) }
                if ready > 0 { break }
            }
            var error: Int32 = 0
            var length = socklen_t(MemoryLayout<Int32>.size)
            _ = getsockopt(descriptor, SOL_SOCKET, SO_ERROR, &error, &length)
            guard error == 0 else { throw failed(error) }
        }
        _ = fcntl(descriptor, F_SETFL, flags & ~O_NONBLOCK)
        return descriptor
    }
}

/// The C library's `connect`, which ``TCPConnector/connect()`` shadows.
enum SocketGlue {
    static func connect(_ descriptor: Int32, _ address: UnsafePointer<sockaddr>, _ length: socklen_t) -> Int32 {
        #if canImport(Darwin)
        Darwin.connect(descriptor, address, length)
        #elseif canImport(Glibc)
        Glibc.connect(descriptor, address, length)
        #else
        Musl.connect(descriptor, address, length)
        #endif
    }
}
