import CLibSSH2
import Foundation
import Synchronization

/// One authenticated SSH connection to a host, shared by every request to that host.
///
/// All libssh2 work for the session runs on the session's own thread (see `SessionLoop`),
/// so the session and its channels can be used from any task: calls are serialised there,
/// and many channels can be open and busy at once.
public final class SSHSession: Sendable {
    /// The host as `user@address[:port]`, for messages.
    public let label: String
    /// The endpoint this session was opened to.
    public let endpoint: SSHEndpoint
    /// What was worth knowing while connecting but did not stop it, such as an encrypted key
    /// file skipped because ssh-agent holds its key.
    public let notices: [String]
    let loop: SessionLoop
    /// The jump host session this one runs over, kept open as long as this one is.
    private let upstream: SSHSession?
    /// The connector made for this session alone (`connect(to:)` without one), closed with it.
    private let ownConnector = Mutex<SSHConnector?>(nil)

    private init(endpoint: SSHEndpoint, loop: SessionLoop, upstream: SSHSession?, notices: [String]) {
        self.endpoint = endpoint
        self.label = endpoint.label
        self.loop = loop
        self.upstream = upstream
        self.notices = notices
    }

    deinit { loop.shutdown() }

    /// Connects along the endpoint's route, verifies the host key against known_hosts and
    /// authenticates.
    ///
    /// Nothing is sent to the host before its key has been verified: an unknown or changed
    /// key ends the attempt with `hostKeyUnknown` / `hostKeyChanged`, unless the endpoint's
    /// policy is `acceptNew`, which records an unknown one. A key known_hosts cannot vouch
    /// for although it names the host (`hostKeyUnverifiable`) is never recorded, and neither
    /// is anything when a file cannot be read (`knownHostsUnreadable`).
    ///
    /// Jump hosts are reached through `connector`, which shares a jump host's session among
    /// the hosts behind it; without one, the session gets jump host sessions of its own.
    /// - Throws: `SSHError` naming the host (and the jump host or proxy command) and the cause.
    public static func connect(to endpoint: SSHEndpoint, using connector: SSHConnector? = nil) async throws -> SSHSession {
        if let connector { return try await connector.connect(to: endpoint) }
        let own = SSHConnector()
        do {
            let session = try await own.connect(to: endpoint)
            session.ownConnector.withLock { $0 = own }
            return session
        } catch {
            await own.close()
            throw error
        }
    }

    /// Whether the session is over (closed, or its connection lost): no new channel can open.
    public var isFinished: Bool { loop.isFinished }

    /// Handshake, host key and authentication on a stream that is already there.
    static func establish(
        _ endpoint: SSHEndpoint, transport: SessionLoop.Transport, upstream: SSHSession?,
        onTeardown: (@Sendable () -> Void)?, passphrases: (any SSHPassphraseSource)?
    ) async throws -> SSHSession {
        let deadline = ContinuousClock.now + endpoint.connectTimeout
        let knownHosts: KnownHosts
        do {
            // An unreadable file fails the host before anything is sent to it.
            knownHosts = try KnownHosts(paths: endpoint.knownHostsFiles)
        } catch {
            if case .socket(let fd) = transport { Glibc.close(fd) }
            // Stopping a proxy command may wait for it: never on a thread async code shares.
            if let onTeardown { Thread.detachNewThread { onTeardown() } }
            throw SSHError(.knownHostsUnreadable, host: endpoint.label, "\(error); nothing was done")
        }
        let loop = try await SessionLoop.start(
            label: endpoint.label, transport: transport, deadline: deadline, keepalive: endpoint.keepaliveInterval,
            onTeardown: onTeardown)
        do {
            try await verifyHost(endpoint, knownHosts: knownHosts, on: loop, deadline: deadline)
            let notices = try await Authentication(endpoint: endpoint, passphrases: passphrases)
                .run(on: loop, deadline: deadline)
            return SSHSession(endpoint: endpoint, loop: loop, upstream: upstream, notices: notices)
        } catch {
            loop.shutdown()
            throw error
        }
    }

    private static func verifyHost(
        _ endpoint: SSHEndpoint, knownHosts: KnownHosts, on loop: SessionLoop, deadline: ContinuousClock.Instant
    ) async throws {
        let name = endpoint.hostKeyName
        let label = endpoint.label
        let acceptNew = endpoint.hostKeyPolicy == .acceptNew
        var preferenceSet = false
        try await loop.perform(deadline: deadline, what: "the SSH handshake") { raw -> Step<Void> in
            if !preferenceSet {
                knownHosts.preferKnownAlgorithms(raw, name: name)
                preferenceSet = true
            }
            let rc = libssh2_session_handshake(raw, loop.socket)
            if rc == LIBSSH2_ERROR_EAGAIN { return .again }
            if rc != 0 {
                let error = LibSSH2.error(raw, rc, label: label, doing: "the SSH handshake")
                return .failed(SSHError(.handshakeFailed, host: label, error.message))
            }
            return .done(())
        }

        try await loop.perform(deadline: deadline, what: "checking the host key") { raw -> Step<Void> in
            let (verdict, key) = knownHosts.verify(raw, name: name)
            let presented = key?.summary ?? "key"
            let file = knownHosts.path
            let files = endpoint.knownHostsFiles.count == 1 ? file : endpoint.knownHostsFiles.joined(separator: ", ")
            func lines(_ locations: [KnownHosts.Location]) -> String {
                let shown = locations.prefix(5).map(\.description).joined(separator: ", ")
                return locations.count > 5 ? shown + " and \(locations.count - 5) more" : shown
            }
            switch verdict {
            case .match:
                return .done(())
            case .revoked(let line):
                return .failed(SSHError(.hostKeyRevoked, host: label,
                    "host key \(presented) is marked @revoked in \(line); nothing was done"))
            case .mismatch(let locations):
                return .failed(SSHError(.hostKeyChanged, host: label,
                    "host key for \(name) has CHANGED (now \(presented)); it does not match \(lines(locations)); nothing was done — if the change is expected, remove the old entry (ssh-keygen -R \(name) -f \(locations[0].path))"))
            case .otherEntries(let locations):
                return .failed(SSHError(.hostKeyUnverifiable, host: label,
                    "host key for \(name) (\(presented)) cannot be verified: \(lines(locations)) name this host with a key of another type or one molt cannot read, so the key may have changed; nothing was done and nothing was recorded — verify the key, then fix or remove those lines (ssh-keygen -R \(name) -f \(locations[0].path))"))
            case .certificateAuthorities(let locations):
                return .failed(SSHError(.hostKeyUnverifiable, host: label,
                    "host key for \(name) (\(presented)) cannot be verified: known_hosts vouches for this host only through a certificate authority (@cert-authority, \(lines(locations))), and host certificates are not supported by libssh2 1.10; add the host key itself (ssh-keyscan -p \(endpoint.port) \(endpoint.address) >> \(file), after checking it); nothing was done"))
            case .notFound:
                guard acceptNew, let key else {
                    return .failed(SSHError(.hostKeyUnknown, host: label,
                        "host key for \(name) (\(presented)) is not in \(files); nothing was done — verify it and add it, or rerun with --accept-new-host-keys"))
                }
                do throws(SSHError) {
                    try knownHosts.record(key, name: name)
                } catch {
                    return .failed(error)
                }
                return .done(())
            }
        }
    }

    /// Opens a channel to a Unix socket on the host (`direct-streamlocal@openssh.com`),
    /// e.g. the Docker socket.
    ///
    /// libssh2 1.10 has no helper for this channel type; it is opened with
    /// `libssh2_channel_open_ex` and the message `string socket_path, string reserved,
    /// uint32 reserved` (OpenSSH PROTOCOL §2.4).
    public func openUnixSocket(_ path: String, timeout: Duration = .seconds(30)) async throws -> SSHChannel {
        var message = SSHWire.string(path)
        message += SSHWire.string("")
        message += SSHWire.uint32(0)
        let type = "direct-streamlocal@openssh.com"
        let label = self.label
        let handle = try await loop.perform(
            deadline: .now + timeout, opensChannel: true, what: "opening a channel to \(path)"
        ) { raw -> Step<ChannelHandle> in
            let channel = message.withUnsafeBufferPointer { bytes in
                bytes.withMemoryRebound(to: CChar.self) { chars in
                    libssh2_channel_open_ex(
                        raw, type, UInt32(type.utf8.count), LibSSH2.windowSize, LibSSH2.packetSize,
                        chars.baseAddress, UInt32(chars.count))
                }
            }
            if let channel { return .done(ChannelHandle(pointer: channel)) }
            if LibSSH2.wouldBlock(raw) { return .again }
            return .failed(LibSSH2.channelError(raw, label: label, what: "a channel to the Unix socket \(path)"))
        }
        return SSHChannel(loop: loop, handle: handle, label: label)
    }

    /// Opens a TCP connection from the host to `host:port` (`direct-tcpip`), e.g. a health
    /// probe of a service listening on the host's own loopback.
    public func openTCP(host: String, port: Int, timeout: Duration = .seconds(30)) async throws -> SSHChannel {
        let label = self.label
        let handle = try await loop.perform(
            deadline: .now + timeout, opensChannel: true, what: "opening a tunnel to \(host):\(port)"
        ) { raw -> Step<ChannelHandle> in
            if let channel = libssh2_channel_direct_tcpip_ex(raw, host, Int32(port), "127.0.0.1", 0) {
                return .done(ChannelHandle(pointer: channel))
            }
            if LibSSH2.wouldBlock(raw) { return .again }
            return .failed(LibSSH2.channelError(raw, label: label, what: "a tunnel to \(host):\(port)"))
        }
        return SSHChannel(loop: loop, handle: handle, label: label)
    }

    /// Runs a command on the host and collects its output and exit status.
    public func exec(_ command: String, input: [UInt8] = [], timeout: Duration = .seconds(60)) async throws -> SSHExecResult {
        let deadline = ContinuousClock.now + timeout
        let label = self.label
        var started = false
        var pending: ChannelHandle?
        let handle = try await loop.perform(deadline: deadline, opensChannel: true, what: "starting `\(command)`") {
            raw -> Step<ChannelHandle> in
            if pending == nil {
                let session = "session"
                guard let channel = libssh2_channel_open_ex(
                    raw, session, UInt32(session.utf8.count), LibSSH2.windowSize, LibSSH2.packetSize, nil, 0)
                else {
                    if LibSSH2.wouldBlock(raw) { return .again }
                    return .failed(LibSSH2.channelError(raw, label: label, what: "a session channel"))
                }
                pending = ChannelHandle(pointer: channel)
            }
            guard let channel = pending?.pointer else { return .again }
            if !started {
                let request = "exec"
                let rc = libssh2_channel_process_startup(
                    channel, request, UInt32(request.utf8.count), command, UInt32(command.utf8.count))
                if rc == LIBSSH2_ERROR_EAGAIN { return .again }
                if rc != 0 { return .failed(LibSSH2.error(raw, rc, label: label, doing: "starting `\(command)`")) }
                started = true
            }
            return .done(ChannelHandle(pointer: channel))
        }
        let channel = SSHChannel(loop: loop, handle: handle, label: label)
        if !input.isEmpty { try await channel.write(input) }
        try await channel.sendEOF()
        var output: [UInt8] = []
        var errors: [UInt8] = []
        while true {
            let chunk = try await channel.readBoth(deadline: deadline)
            output += chunk.stdout
            errors += chunk.stderr
            if chunk.eof { break }
        }
        let status = await channel.closeAndExitStatus()
        return SSHExecResult(exitStatus: status, stdout: output, stderr: errors)
    }

    /// Disconnects politely and frees the session; channels still open fail afterwards, and
    /// reads waiting on them fail at once. Jump host sessions made for this session alone are
    /// closed with it.
    ///
    /// Returns once the session's thread has ended (a few seconds at most); the caller is
    /// suspended meanwhile, never holding a thread, so many sessions close at once.
    public func close() async {
        await loop.shutdownAndWait(limit: .seconds(3))
        await ownConnector.withLock { $0 }?.close()
    }

    /// Asks the session to disconnect and returns at once, waiting for nothing: for a `deinit`
    /// or another place that cannot `await`. Prefer `close()`, which knows when it is over.
    public func shutdown() {
        loop.shutdown()
        ownConnector.withLock { $0 }?.shutdown()
    }
}

/// What a command run with `SSHSession.exec` left behind.
public struct SSHExecResult: Sendable {
    /// The command's exit status; -1 when the server did not say.
    public var exitStatus: Int
    public var stdout: [UInt8]
    public var stderr: [UInt8]
}

/// A channel pointer owned by a session loop; only ever used on that loop's thread.
final class ChannelHandle: @unchecked Sendable {
    let pointer: OpaquePointer
    /// Set on the loop thread as the channel's close begins, read only there: libssh2 frees
    /// the channel, so a call queued before the close, or made after it, must fail instead of
    /// handing libssh2 the pointer (freed memory reads as end of stream, or worse once reused).
    var isClosed = false

    init(pointer: OpaquePointer) { self.pointer = pointer }
}

/// SSH wire encodings (RFC 4251 §5).
enum SSHWire {
    static func uint32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xff), UInt8((value >> 8) & 0xff), UInt8(value & 0xff)]
    }

    static func string(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        return uint32(UInt32(bytes.count)) + bytes
    }
}
