#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
import Dispatch
import Synchronization

/// One connected stream socket (Unix or TCP), as a ``ByteStream``.
///
/// Each connection does its blocking system calls on dispatch queues of its own, away from
/// Swift's cooperative threads; closing it shuts the socket down, which wakes any read or
/// write at once. The descriptor is closed only once no call uses it any more, so that a close racing a
/// read can never make the read touch a descriptor number the process has reused.
final class SocketStream: ByteStream {
    private struct State {
        var descriptor: Int32
        var users = 0
        var closed = false
    }

    private let state: Mutex<State>
    private let failure: @Sendable (_ operation: String, _ errno: Int32) -> any Error
    private let readQueue = DispatchQueue(label: "molt.socket.read")
    private let writeQueue = DispatchQueue(label: "molt.socket.write")

    /// A stream over the connected `descriptor`, which it then owns; `failure` makes the error
    /// for a failed call (`read from`, `write to`, `use`) and its `errno`, naming the peer.
    init(descriptor: Int32, failure: @escaping @Sendable (_ operation: String, _ errno: Int32) -> any Error) {
        self.state = Mutex(State(descriptor: descriptor))
        self.failure = failure
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
        let failure = self.failure
        try await withTaskCancellationHandler {
            try await Self.blocking(on: writeQueue) {
                var offset = 0
                while offset < bytes.count {
                    let written = bytes.withUnsafeBytes { buffer in
                        send(descriptor, buffer.baseAddress! + offset, buffer.count - offset, Self.sendFlags)
                    }
                    if written < 0 {
                        if errno == EINTR { continue }
                        throw failure("write to", errno)
                    }
                    offset += written
                }
            }
        } onCancel: {
            shutDown()
        }
        if isClosed { throw failure("write to", EPIPE) }
    }

    func read(maxLength: Int) async throws -> [UInt8] {
        let descriptor = try acquire()
        defer { release() }
        let failure = self.failure
        let bytes = try await withTaskCancellationHandler {
            try await Self.blocking(on: readQueue) {
                var buffer = [UInt8](repeating: 0, count: max(1, maxLength))
                while true {
                    let count = buffer.withUnsafeMutableBytes { recv(descriptor, $0.baseAddress, $0.count, 0) }
                    if count < 0 {
                        if errno == EINTR { continue }
                        throw failure("read from", errno)
                    }
                    buffer.removeSubrange(count...)
                    return buffer
                }
            }
        } onCancel: {
            shutDown()
        }
        // A read woken by close() sees the end of the stream; say that it was closed instead.
        if bytes.isEmpty, isClosed { throw failure("read from", ECONNABORTED) }
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
            guard !state.closed else { throw failure("use", EBADF) }
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
}

func systemClose(_ descriptor: Int32) -> Int32 {
    #if canImport(Darwin)
    Darwin.close(descriptor)
    #elseif canImport(Glibc)
    Glibc.close(descriptor)
    #else
    Musl.close(descriptor)
    #endif
}
