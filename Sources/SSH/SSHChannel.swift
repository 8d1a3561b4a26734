import CLibSSH2
import Synchronization

/// One SSH channel: a byte stream to a socket, port or command on the host.
///
/// Safe to use from any task; every call runs on the session's loop thread. Reads and
/// writes may be concurrent with each other and with other channels of the session.
public final class SSHChannel: Sendable {
    /// The host, for messages.
    public let label: String
    private let loop: SessionLoop
    private let handle: ChannelHandle
    private let state = Mutex(Lifecycle.open)

    private enum Lifecycle { case open, closing, closed }

    init(loop: SessionLoop, handle: ChannelHandle, label: String) {
        self.loop = loop
        self.handle = handle
        self.label = label
    }

    deinit {
        let handle = self.handle
        let loop = self.loop
        guard state.withLock({ $0 == .open }) else { return }
        Task { _ = try? await Self.free(handle, on: loop) }
    }

    /// Reads up to `maxLength` bytes of the channel's main stream; `[]` at end of stream.
    public func read(maxLength: Int = 65_536, timeout: Duration? = nil) async throws -> [UInt8] {
        let handle = self.handle
        let label = self.label
        var buffer = [UInt8](repeating: 0, count: maxLength)
        return try await loop.perform(
            deadline: timeout.map { .now + $0 }, abandonable: true, what: "reading from the channel"
        ) { raw -> Step<[UInt8]> in
            guard !handle.isClosed else { return .failed(Self.closedError(label, doing: "reading from the channel")) }
            let channel = handle.pointer
            let count = buffer.withUnsafeMutableBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { chars in
                    libssh2_channel_read_ex(channel, 0, chars.baseAddress, maxLength)
                }
            }
            if count > 0 { return .done(Array(buffer[..<count])) }
            if count == Int(LIBSSH2_ERROR_EAGAIN) { return .again }
            if count == 0 { return libssh2_channel_eof(channel) != 0 ? .done([]) : .again }
            return .failed(LibSSH2.error(raw, Int32(count), label: label, doing: "reading from a channel"))
        }
    }

    /// Writes all of `bytes`, waiting for the peer's window as needed.
    public func write(_ bytes: [UInt8], timeout: Duration = .seconds(300)) async throws {
        guard !bytes.isEmpty else { return }
        let handle = self.handle
        let label = self.label
        var offset = 0
        try await loop.perform(deadline: .now + timeout, what: "writing to the channel") { raw -> Step<Void> in
            guard !handle.isClosed else { return .failed(Self.closedError(label, doing: "writing to the channel")) }
            let channel = handle.pointer
            while offset < bytes.count {
                let count = bytes.withUnsafeBufferPointer { all in
                    all.withMemoryRebound(to: CChar.self) { chars in
                        libssh2_channel_write_ex(channel, 0, chars.baseAddress! + offset, bytes.count - offset)
                    }
                }
                if count == Int(LIBSSH2_ERROR_EAGAIN) { return .again }
                if count < 0 {
                    return .failed(LibSSH2.error(raw, Int32(count), label: label, doing: "writing to a channel"))
                }
                offset += count
            }
            return .done(())
        }
    }

    /// Tells the peer nothing more will be written.
    public func sendEOF(timeout: Duration = .seconds(30)) async throws {
        let handle = self.handle
        let label = self.label
        try await loop.perform(deadline: .now + timeout, what: "ending the channel's input") { raw -> Step<Void> in
            guard !handle.isClosed else { return .failed(Self.closedError(label, doing: "sending EOF")) }
            let channel = handle.pointer
            let rc = libssh2_channel_send_eof(channel)
            if rc == LIBSSH2_ERROR_EAGAIN { return .again }
            if rc != 0 { return .failed(LibSSH2.error(raw, rc, label: label, doing: "sending EOF")) }
            return .done(())
        }
    }

    /// Closes and frees the channel; later calls fail. Safe to call more than once.
    public func close() async {
        guard begin(closing: true) else { return }
        _ = try? await Self.free(handle, on: loop)
        state.withLock { $0 = .closed }
    }

    // MARK: - exec support

    struct Output {
        var stdout: [UInt8] = []
        var stderr: [UInt8] = []
        var eof = false
    }

    /// Reads whatever stdout and stderr hold; both are drained so neither window stalls.
    func readBoth(deadline: ContinuousClock.Instant) async throws -> Output {
        let handle = self.handle
        let label = self.label
        var buffer = [UInt8](repeating: 0, count: 32_768)
        return try await loop.perform(deadline: deadline, abandonable: true, what: "reading command output") {
            raw -> Step<Output> in
            guard !handle.isClosed else { return .failed(Self.closedError(label, doing: "reading command output")) }
            let channel = handle.pointer
            var output = Output()
            for stream: Int32 in [0, 1] {
                let count = buffer.withUnsafeMutableBufferPointer { bytes in
                    bytes.withMemoryRebound(to: CChar.self) { chars in
                        libssh2_channel_read_ex(channel, stream, chars.baseAddress, chars.count)
                    }
                }
                if count > 0 {
                    if stream == 0 { output.stdout = Array(buffer[..<count]) } else { output.stderr = Array(buffer[..<count]) }
                } else if count < 0 && count != Int(LIBSSH2_ERROR_EAGAIN) {
                    return .failed(LibSSH2.error(raw, Int32(count), label: label, doing: "reading command output"))
                }
            }
            if !output.stdout.isEmpty || !output.stderr.isEmpty { return .done(output) }
            if libssh2_channel_eof(channel) != 0 {
                output.eof = true
                return .done(output)
            }
            return .again
        }
    }

    /// Closes the channel and returns the command's exit status (-1 if unknown).
    func closeAndExitStatus() async -> Int {
        guard begin(closing: true) else { return -1 }
        let status = (try? await Self.free(handle, on: loop)) ?? -1
        state.withLock { $0 = .closed }
        return status
    }

    private func begin(closing: Bool) -> Bool {
        state.withLock { state in
            guard state == .open else { return false }
            state = .closing
            return true
        }
    }

    /// What a call on a channel that is closed (or closing) fails with.
    private static func closedError(_ label: String, doing what: String) -> SSHError {
        SSHError(.closed, host: label, "\(what) failed: the channel is closed")
    }

    /// Sends CLOSE, waits for the peer's, and frees the channel; returns the exit status.
    /// Other calls on the channel fail from its first attempt on (see `ChannelHandle`).
    private static func free(_ handle: ChannelHandle, on loop: SessionLoop) async throws -> Int {
        let channel = handle.pointer
        var closed = false
        var status = -1
        return try await loop.perform(deadline: .now + .seconds(10), what: "closing a channel") { _ -> Step<Int> in
            handle.isClosed = true
            if !closed {
                let rc = libssh2_channel_close(channel)
                if rc == LIBSSH2_ERROR_EAGAIN { return .again }
                closed = true
                status = Int(libssh2_channel_get_exit_status(channel))
            }
            let rc = libssh2_channel_free(channel)
            if rc == LIBSSH2_ERROR_EAGAIN { return .again }
            return .done(status)
        }
    }
}
