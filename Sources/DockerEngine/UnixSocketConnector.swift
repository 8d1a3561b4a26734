#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch

/// Opens connections to a local Unix socket, such as `/var/run/docker.sock`.
///
/// For an engine on this machine, and for tests against a real engine. Each connection does
/// its blocking system calls on dispatch queues of its own (see ``SocketStream``).
public struct UnixSocketConnector: ByteStreamConnector {
    /// The socket's path.
    public var path: String

    /// Connections to the socket at `path`.
    public init(path: String = "/var/run/docker.sock") {
        self.path = path
    }

    /// A new connection; fails with ``UnixSocketError`` when the socket is missing or refuses.
    public func connect() async throws -> any ByteStream {
        let path = self.path
        let queue = DispatchQueue(label: "molt.unix-socket.connect")
        let descriptor = try await SocketStream.blocking(on: queue) { try Self.open(path) }
        return SocketStream(descriptor: descriptor) { operation, code in
            UnixSocketError(operation: operation, path: path, errno: code)
        }
    }

    /// A connected socket descriptor for `path`.
    private static func open(_ path: String) throws -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let capacity = MemoryLayout.size(ofValue: address.sun_path)
        guard path.utf8.count < capacity else {
            throw UnixSocketError(operation: "connect to", path: path, errno: ENAMETOOLONG)
        }
        withUnsafeMutableBytes(of: &address.sun_path) { buffer in
            buffer.copyBytes(from: path.utf8)
            buffer[path.utf8.count] = 0
        }
        #if canImport(Darwin)
        let descriptor = socket(AF_UNIX, SOCK_STREAM, 0)
        #else
        let descriptor = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        #endif
        guard descriptor >= 0 else {
            throw UnixSocketError(operation: "create a socket for", path: path, errno: errno)
        }
        #if canImport(Darwin)
        var one: Int32 = 1
        _ = setsockopt(descriptor, SOL_SOCKET, SO_NOSIGPIPE, &one, socklen_t(MemoryLayout<Int32>.size))
        #endif
        let result = withUnsafePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                SocketGlue.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard result == 0 else {
            let code = errno
            _ = systemClose(descriptor)
            throw UnixSocketError(operation: "connect to", path: path, errno: code)
        }
        return descriptor
    }
}

/// The C library's `connect`, which the connectors' own `connect` methods shadow.
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
