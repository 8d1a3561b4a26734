import CLibSSH2

#if canImport(Glibc)
import Glibc
#endif

/// A `direct-tcpip` channel bridged to one end of a socketpair, so that another libssh2
/// session (a host behind a jump host) can run on the other end as if it were a TCP socket.
///
/// It lives on the loop thread of the session owning the channel, which calls `service` on
/// each round and polls `fd` for `events`: nothing blocks and nothing spins. Bytes move both
/// ways through one buffer each, so a slow reader on either side holds the other back (the
/// channel's window, the socket's buffer) instead of filling memory. End of stream travels
/// both ways: the local end closing sends EOF on the channel, the channel's EOF shuts the
/// socket for writing. Once the local end is gone, or both directions are finished, the
/// channel is closed and freed and the local end closed.
final class ChannelPump {
    /// The pump's end of the socketpair.
    let fd: Int32
    /// `bastion → host:port`, for messages.
    let label: String
    private let channel: OpaquePointer

    private var toChannel: [UInt8] = []
    private var toChannelSent = 0
    private var toSocket: [UInt8] = []
    private var toSocketSent = 0
    private var buffer = [UInt8](repeating: 0, count: 32_768)

    /// The local end will write nothing more (EOF read, or it is gone).
    private var socketEOF = false
    /// The local end is closed: nothing more can be delivered to it.
    private var peerGone = false
    private var eofSent = false
    private var channelEOF = false
    private var socketShut = false
    private var closeStarted: ContinuousClock.Instant?
    private var channelClosed = false

    /// A channel call is half sent: it must be repeated before anything else is sent.
    private(set) var halfSent = false
    /// The channel is freed (or abandoned) and the local end closed.
    private(set) var isFinished = false
    /// Set when the session's connection broke under the pump.
    private(set) var fatalError: SSHError?

    init(channel: OpaquePointer, fd: Int32, label: String) {
        self.channel = channel
        self.fd = fd
        self.label = label
    }

    /// What to poll the local end for.
    var events: Int16 {
        if isFinished || closeStarted != nil { return 0 }
        var events: Int16 = 0
        if !socketEOF && toChannelSent >= toChannel.count { events |= Int16(POLLIN) }
        if toSocketSent < toSocket.count { events |= Int16(POLLOUT) }
        return events
    }

    /// Moves whatever can be moved without blocking; true when something moved or changed.
    func service(_ session: OpaquePointer) -> Bool {
        guard !isFinished else { return false }
        halfSent = false
        if closeStarted != nil { return finishClosing(session) }
        var progressed = false
        while true {
            var moved = false

            // Local end → channel. A half-sent write goes first, alone.
            while toChannelSent < toChannel.count {
                let count = toChannel.withUnsafeBufferPointer { bytes in
                    bytes.withMemoryRebound(to: CChar.self) { chars in
                        libssh2_channel_write_ex(channel, 0, chars.baseAddress! + toChannelSent, chars.count - toChannelSent)
                    }
                }
                if count == Int(LIBSSH2_ERROR_EAGAIN) {
                    if blockedOutbound(session) {
                        halfSent = true
                        return progressed || moved
                    }
                    break
                }
                if count < 0 { return failed(session, Int32(count), doing: "writing to the tunnel") }
                toChannelSent += count
                moved = true
            }
            if toChannelSent >= toChannel.count && !socketEOF {
                let count = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if count > 0 {
                    toChannel = Array(buffer[..<count])
                    toChannelSent = 0
                    moved = true
                } else if count == 0 {
                    socketEOF = true
                    peerGone = localEndHungUp()
                    moved = true
                } else if errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR {
                    socketEOF = true
                    peerGone = true
                    moved = true
                }
            }
            if socketEOF && toChannelSent >= toChannel.count && !eofSent && !channelEOF {
                let rc = libssh2_channel_send_eof(channel)
                if rc == LIBSSH2_ERROR_EAGAIN {
                    if blockedOutbound(session) {
                        halfSent = true
                        return true
                    }
                } else if rc != 0 {
                    return failed(session, rc, doing: "ending the tunnel's input")
                } else {
                    eofSent = true
                    moved = true
                }
            }

            // Channel → local end.
            if toSocketSent >= toSocket.count && !channelEOF {
                let count = buffer.withUnsafeMutableBufferPointer { bytes in
                    bytes.withMemoryRebound(to: CChar.self) { chars in
                        libssh2_channel_read_ex(channel, 0, chars.baseAddress, chars.count)
                    }
                }
                if count > 0 {
                    toSocket = Array(buffer[..<count])
                    toSocketSent = 0
                    moved = true
                } else if count == 0 || count == Int(LIBSSH2_ERROR_EAGAIN) {
                    if libssh2_channel_eof(channel) != 0 {
                        channelEOF = true
                        moved = true
                    }
                } else {
                    return failed(session, Int32(count), doing: "reading from the tunnel")
                }
            }
            if peerGone {
                toSocket = []
                toSocketSent = 0
            }
            while toSocketSent < toSocket.count {
                let count = toSocket.withUnsafeBytes { bytes in
                    send(fd, bytes.baseAddress! + toSocketSent, bytes.count - toSocketSent, Int32(MSG_NOSIGNAL))
                }
                if count > 0 {
                    toSocketSent += count
                    moved = true
                    continue
                }
                if count < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) { break }
                peerGone = true
                socketEOF = true
                toSocket = []
                toSocketSent = 0
                moved = true
            }
            if channelEOF && toSocketSent >= toSocket.count && !socketShut && !peerGone {
                _ = shutdown(fd, Int32(SHUT_WR))
                socketShut = true
                moved = true
            }

            let drained = toSocketSent >= toSocket.count && toChannelSent >= toChannel.count
            if peerGone || (socketEOF && channelEOF && drained) {
                closeStarted = .now
                _ = finishClosing(session)
                return true
            }
            if !moved { return progressed }
            progressed = true
        }
    }

    /// Ends the pump at once, without a word on the channel: the session is broken or being
    /// freed (which frees the channel). The local end sees its stream close.
    func abort() {
        guard !isFinished else { return }
        isFinished = true
        close(fd)
    }

    // MARK: - Details

    /// Closes and frees the channel, waiting (without blocking) for the server's close; after
    /// ten seconds without one the channel is left for the session to free.
    private func finishClosing(_ session: OpaquePointer) -> Bool {
        if !channelClosed {
            let rc = libssh2_channel_close(channel)
            if rc == LIBSSH2_ERROR_EAGAIN {
                if blockedOutbound(session) { halfSent = true }
                if let closeStarted, ContinuousClock.now - closeStarted > .seconds(10), !halfSent { abort() }
                return false
            }
            channelClosed = true
        }
        let rc = libssh2_channel_free(channel)
        if rc == LIBSSH2_ERROR_EAGAIN {
            if blockedOutbound(session) { halfSent = true }
            return false
        }
        abort()
        return true
    }

    private func failed(_ session: OpaquePointer, _ code: Int32, doing what: String) -> Bool {
        let error = LibSSH2.error(session, code, label: label, doing: what)
        if error.code == .connectionLost {
            fatalError = error
            abort()
            return true
        }
        // The channel alone failed (closed under us): end this tunnel, keep the session.
        peerGone = true
        closeStarted = .now
        channelClosed = code == LIBSSH2_ERROR_CHANNEL_CLOSED
        _ = finishClosing(session)
        return true
    }

    private func blockedOutbound(_ session: OpaquePointer) -> Bool {
        libssh2_session_block_directions(session) & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0
    }

    /// Whether the local end is closed altogether (not only shut for writing), so nothing
    /// more needs to reach it.
    private func localEndHungUp() -> Bool {
        var probe = pollfd(fd: fd, events: 0, revents: 0)
        return poll(&probe, 1, 0) > 0 && probe.revents & Int16(POLLHUP) != 0
    }
}
