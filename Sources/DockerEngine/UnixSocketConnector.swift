#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization

/// Opens connections to a local Unix socket, such as `/var/run/docker.sock`.
///
/// For an engine on this machine, and for tests against a real engine. Each connection does
/// its blocking system calls on dispatch queues of its own, away from Swift's cooperative
/// threads; closing it shuts the socket down, which wakes any read or write at once.
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
        let descriptor = try await UnixSocketStream.blocking(on: queue) { try UnixSocketStream.open(path) }
        return UnixSocketStream(descriptor: descriptor, path: path)
    }
}

/// One connection to a Unix socket.
///
/// The descriptor is closed only once no call uses it any more, so that a close racing a
/// read can never make the read touch a descriptor number the process has reused.
final class UnixSocketStream: ByteStream {
    private struct State {
        var descriptor: Int32
        var users = 0
        var closed = false
    }

    private let state: Mutex<State>
    private let path: String
    private let readQueue = DispatchQueue(label: "molt.unix-socket.read")
    private let writeQueue = DispatchQueue(label: "molt.unix-socket.write")

    init(descriptor: Int32, path: String) {
        self.state = Mutex(State(descriptor: descriptor))
        self.path = path
    }

    deinit {
        state.withLock { state in
            if state.descriptor >= 0 { _ = systemClose(state.descriptor) }
        }
    }

    func write(_ bytes: [UInt8]) async throws {
        guard !bytes.isEmpty else { return }
        let descriptor = try acquire()
        defer { release() }
        let path = self.path
        try await withTaskCancellationHandler {
            try await Self.blocking(on: writeQueue) {
                var offset = 0
                while offset < bytes.count {
                    let written = bytes.withUnsafeBytes { buffer in
                        send(descriptor, buffer.baseAddress! + offset, buffer.count - offset, Self.sendFlags)
                    }
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw UnixSocketError(operation: "write to", path: path, errno: errno)
                    }
                    offset += written
                }
            }
        } onCancel: {
            shutDown()
        }
        if isClosed { throw UnixSocketError(operation: "write to", path: path, errno: EPIPE) }
    }

    func read(maxLength: Int) async throws -> [UInt8] {
        let descriptor = try acquire()
        defer { release() }
        let path = self.path
        let bytes = try await withTaskCancellationHandler {
            try await Self.blocking(on: readQueue) {
                var buffer = [UInt8](repeating: 0, count: max(1, maxLength))
                while true {
                    let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                    if count < 0 {
                        if errno == EINTR { continue }
                        throw UnixSocketError(operation: "read from", path: path, errno: errno)
                    }
                    buffer.removeSubrange(count...)
                    return buffer
                }
            }
        } onCancel: {
            shutDown()
        }
        // A read woken by close() sees the end of the stream; say that it was closed instead.
        if bytes.isEmpty, isClosed { throw UnixSocketError(operation: "read from", path: path, errno: ECONNABORTED) }
        return bytes
    }

    func close() async {
        shutDown()
    }

    // MARK: - Private

    private var isClosed: Bool { state.withLock { $0.closed } }

    /// Shuts the socket down, which wakes pending calls, and closes it if none is pending.
    private func shutDown() {
        state.withLock { state in
            guard !state.closed else { return }
            state.closed = true
            _ = shutdown(state.descriptor, Int32(SHUT_RDWR))
            if state.users == 0 {
                _ = systemClose(state.descriptor)
                state.descriptor = -1
            }
        }
    }

    private func acquire() throws -> Int32 {
        try state.withLock { state in
            guard !state.closed else { throw UnixSocketError(operation: "use", path: path, errno: EBADF) }
            state.users += 1
            return state.descriptor
        }
    }

    private func release() {
        state.withLock { state in
            state.users -= 1
            if state.closed, state.users == 0, state.descriptor >= 0 {
                _ = systemClose(state.descriptor)
                state.descriptor = -1
            }
        }
    }

    #if canImport(Darwin)
    private static let sendFlags: Int32 = 0
    #else
    private static let sendFlags = Int32(MSG_NOSIGNAL)
    #endif

    /// Runs a blocking call on `queue` and waits for it without holding a cooperative thread.
    static func blocking<T: Sendable>(on queue: DispatchQueue, _ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }

    /// A connected socket descriptor for `path`.
    static func open(_ path: String) throws -> Int32 {
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
                Glue.connect(descriptor, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
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

/// The C library's `close` and `connect`, which the stream's own methods shadow.
private enum Glue {
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

private func systemClose(_ descriptor: Int32) -> Int32 {
    #if canImport(Darwin)
    Darwin.close(descriptor)
    #elseif canImport(Glibc)
    Glibc.close(descriptor)
    #else
    Musl.close(descriptor)
    #endif
}
