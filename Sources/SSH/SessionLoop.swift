import CLibSSH2
import Durations
import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// What one attempt at a non-blocking libssh2 call gave.
enum Step<Value> {
    case done(Value)
    /// libssh2 said EAGAIN: call again, with the same arguments, when the socket is ready.
    case again
    case failed(SSHError)
}

/// The single owner of one libssh2 session and its socket.
///
/// libssh2 sessions are not thread safe, so every call that touches the session or one of
/// its channels runs on this loop's own thread. The session is in non-blocking mode: each
/// piece of work is retried after EAGAIN, and while all of them wait the thread sleeps in
/// `poll` on the socket, never spinning. Several channels share the session this way: a
/// read waiting for a slow stream does not hold up a request on another channel.
///
/// Two libssh2 rules shape the scheduling: only one channel open may be in flight per
/// session, and once a packet is half sent no other call may send until it is finished
/// (libssh2 answers `LIBSSH2_ERROR_BAD_USE`). So opens are served one at a time, and a
/// task (or pump) blocked on the outbound direction runs alone until it is through.
///
/// A jump host's loop also runs the pumps of the tunnels to the hosts behind it (see
/// `ChannelPump`): each round serves them after the tasks, and `poll` waits on the session
/// socket and on every pump's socketpair end at once. The session itself may run on a
/// socketpair end too (a host behind a jump host, or a `ProxyCommand`).
final class SessionLoop: @unchecked Sendable {
    let label: String
    /// The connected socket the session runs on (TCP, or one end of a socketpair).
    var socket: Int32 { socketFD }
    /// Bytes taken off the socket during the current round (see `countingReceive`).
    fileprivate var received = 0

    private let inbox = Mutex(Inbox())
    /// A pipe whose read end wakes the loop's `poll` when work is submitted.
    private let wakeFD: Int32
    private let wakeWriteFD: Int32
    private var socketFD: Int32 = -1
    private var session: OpaquePointer?
    private var tasks: [any LoopTask] = []
    /// The task or pump whose packet is half sent; it runs alone until it is through.
    private var exclusive: AnyObject?
    /// Channels bridged to local sockets (jump hosts), served on every round.
    private var pumps: [ChannelPump] = []
    /// When the loop was first asked to close, for the grace pumps get to flush.
    private var closingSince: ContinuousClock.Instant?
    /// Run on the loop thread once the session is freed (ends a ProxyCommand).
    private var onTeardown: (@Sendable () -> Void)?
    /// The channel open currently in flight; other opens wait for it.
    private var openInFlight: (any LoopTask)?
    /// A cancelled call could not be ended yet (it runs alone until its packet is sent).
    private var cancelDeferred = false
    private var broken: SSHError?
    private var keepaliveInterval: Duration = .zero
    private var nextKeepalive: ContinuousClock.Instant = .now

    private struct Inbox {
        var submitted: [any LoopTask] = []
        /// The calls themselves, not their identities: a cancellation may arrive before its
        /// call (a task cancelled before it calls), and a finished call's address may be
        /// reused by a new one.
        var cancelled: [any LoopTask] = []
        var closing = false
        var finished: SSHError?
        /// The wake pipe is closed: its descriptor numbers may belong to someone else now.
        var pipeClosed = false
    }

    /// - Throws: when no descriptor is left for the wake socket pair: that host fails with
    ///   the reason, and molt goes on (never a trap).
    private init(label: String) throws(SSHError) {
        self.label = label
        var ends: [Int32] = [-1, -1]
        // A socket pair, close-on-exec from the start (Glibc's module has no pipe2): a program
        // another thread spawns meanwhile (a ProxyCommand, a credential helper) must never
        // hold either end.
        let rc = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &ends)
        guard rc == 0 else {
            let reason = errno == EMFILE || errno == ENFILE
                ? "no file descriptor left (\(errnoText())): lower --forks or raise the hard limit of open files (ulimit -Hn)"
                : errnoText()
            throw SSHError(.other, host: label, "cannot start a session: \(reason)")
        }
        wakeFD = ends[0]
        wakeWriteFD = ends[1]
    }

    /// The stream a session runs on.
    enum Transport {
        /// A TCP connection the loop thread makes.
        case tcp(address: String, port: Int)
        /// A connected stream socket (one end of a socketpair), which the loop now owns.
        case socket(Int32)
    }

    /// Connects (or takes the connected socket) and starts the loop thread; the session is
    /// ready for a handshake. `onTeardown` runs on the loop thread after the session is freed
    /// and its socket closed, also when starting fails.
    static func start(
        label: String, transport: Transport, deadline: ContinuousClock.Instant, keepalive: Duration,
        onTeardown: (@Sendable () -> Void)? = nil
    ) async throws -> SessionLoop {
        LibSSH2.initializeOnce()
        let loop: SessionLoop
        do {
            loop = try SessionLoop(label: label)
        } catch {
            if case .socket(let fd) = transport { close(fd) }
            // Stopping a proxy command may wait for it: never on a thread async code shares.
            if let onTeardown { Thread.detachNewThread { onTeardown() } }
            throw error
        }
        loop.keepaliveInterval = keepalive
        loop.onTeardown = onTeardown
        try await withCheckedThrowingContinuation { (started: CheckedContinuation<Void, any Error>) in
            let thread = Thread {
                do throws(SSHError) {
                    switch transport {
                    case .tcp(let address, let port):
                        loop.socketFD = try TCPConnection.connect(address: address, port: port, deadline: deadline, label: label)
                    case .socket(let fd):
                        loop.socketFD = fd
                    }
                    loop.createSession()
                    started.resume()
                } catch {
                    loop.closePipe(finishing: error)
                    loop.onTeardown?()
                    loop.markStopped()
                    started.resume(throwing: error)
                    return
                }
                loop.run()
            }
            thread.name = "ssh \(label)"
            thread.start()
        }
        return loop
    }

    /// Whether the session is over: broken, or closed.
    var isFinished: Bool { inbox.withLock { $0.finished != nil || $0.closing } }

    /// Opens a `direct-tcpip` channel from the host to `host:port` and bridges it to one end
    /// of a new socketpair, pumped by this loop; returns the other end, which the caller owns.
    ///
    /// The pump runs on this loop's thread with the session's other work: it moves bytes both
    /// ways without blocking, and when the caller closes its end the channel is closed.
    func openTunnelSocket(host: String, port: Int, deadline: ContinuousClock.Instant) async throws -> Int32 {
        let label = self.label
        return try await perform(deadline: deadline, opensChannel: true, what: "opening a tunnel to \(host):\(port)") {
            raw -> Step<Int32> in
            guard let channel = libssh2_channel_direct_tcpip_ex(raw, host, Int32(port), "127.0.0.1", 0) else {
                if LibSSH2.wouldBlock(raw) { return .again }
                return .failed(LibSSH2.channelError(raw, label: label, what: "a tunnel to \(host):\(port)"))
            }
            var ends: [Int32] = [-1, -1]
            guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
                let reason = errnoText()
                _ = libssh2_channel_free(channel)
                return .failed(SSHError(.other, host: label, "socketpair() for a tunnel failed: \(reason)"))
            }
            for end in ends { _ = fcntl(end, F_SETFL, fcntl(end, F_GETFL) | O_NONBLOCK) }
            self.pumps.append(ChannelPump(channel: channel, fd: ends[0], label: "\(label) → \(host):\(port)"))
            return .done(ends[1])
        }
    }

    /// Runs `body` on the loop thread, again after every EAGAIN, until it is done or fails.
    ///
    /// - Parameters:
    ///   - deadline: when to give up with a timeout error.
    ///   - abandonable: whether giving up part way leaves the session usable (true for
    ///     reads; false for calls that may leave a half-sent packet or a half-open channel,
    ///     whose timeout ends the session).
    ///   - opensChannel: whether the call opens a channel (served one at a time).
    func perform<Value: Sendable>(
        deadline: ContinuousClock.Instant?,
        abandonable: Bool = false,
        opensChannel: Bool = false,
        what: String,
        _ body: @escaping (OpaquePointer) -> Step<Value>
    ) async throws -> Value {
        let task = LoopOperation(
            deadline: deadline, abandonable: abandonable, opensChannel: opensChannel, what: what, body: body)
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                task.continuation = continuation
                let refused: SSHError? = inbox.withLock { inbox in
                    if let finished = inbox.finished { return finished }
                    if inbox.closing { return SSHError(.closed, host: label, "the session is closing") }
                    inbox.submitted.append(task)
                    return nil
                }
                if let refused {
                    task.continuation = nil
                    continuation.resume(throwing: refused)
                } else {
                    wake()
                }
            }
        } onCancel: {
            inbox.withLock { $0.cancelled.append(task) }
            wake()
        }
    }

    /// Asks the loop to disconnect, free the session and stop once pending work is through.
    func shutdown() {
        inbox.withLock { $0.closing = true }
        wake()
    }

    /// Shuts down and waits (up to `limit`) until the loop thread has disconnected and freed
    /// the session, so nothing of libssh2 runs while the process exits.
    ///
    /// Waiting never holds a thread: the caller is suspended and the loop thread resumes it as
    /// it ends (or the limit passes first), so any number of sessions close at once.
    func shutdownAndWait(limit: Duration) async {
        shutdown()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.waitUntilStopped() }
            group.addTask { try? await Task.sleep(for: limit) }
            await group.next()
            group.cancelAll()
        }
    }

    /// Whether the loop thread has ended (the session freed, its socket closed).
    var hasStopped: Bool { stopState.withLock { $0.stopped } }

    /// Suspends until the loop thread ends, or the calling task is cancelled.
    func waitUntilStopped() async {
        let id = stopState.withLock { state -> Int in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                let resumeNow = stopState.withLock { state -> Bool in
                    if state.stopped || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        } onCancel: {
            stopState.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }

    /// Run once, on the loop thread, as it ends: every waiter goes on.
    private func markStopped() {
        let waiters = stopState.withLock { state in
            state.stopped = true
            defer { state.waiters.removeAll() }
            return Array(state.waiters.values)
        }
        for waiter in waiters { waiter.resume() }
    }

    private struct StopState {
        var stopped = false
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    /// Whether the loop thread has ended, and who waits for it to.
    private let stopState = Mutex(StopState())

    // MARK: - The loop thread

    private func createSession() {
        let abstract = Unmanaged.passUnretained(self).toOpaque()
        let created = libssh2_session_init_ex(nil, nil, nil, abstract)!
        session = created
        _ = libssh2_session_callback_set(created, LIBSSH2_CALLBACK_RECV, unsafeBitCast(countingReceive, to: UnsafeMutableRawPointer.self))
        libssh2_session_set_blocking(created, 0)
        if keepaliveInterval > .zero {
            libssh2_keepalive_config(created, 1, UInt32(clamping: max(1, keepaliveInterval.secondsRoundedUp)))
            nextKeepalive = .now + keepaliveInterval
        }
    }

    private func run() {
        guard let session else { return }
        while true {
            let (fresh, cancelled, closing) = inbox.withLock { inbox in
                defer { inbox.submitted.removeAll(); inbox.cancelled.removeAll() }
                return (inbox.submitted, inbox.cancelled, inbox.closing)
            }
            tasks.append(contentsOf: fresh)
            if let broken { failAll(broken) }
            for task in cancelled { task.cancelRequested = true }
            if !cancelled.isEmpty || cancelDeferred || fresh.contains(where: \.cancelRequested) { cancelRequested() }
            if closing && closingSince == nil { closingSince = .now }
            if closing { endReads() }
            if closing && tasks.isEmpty && pumpsMayStop { break }

            received = 0
            var progressed = false
            for task in schedulable() {
                // An open that began earlier in this round is in flight now: libssh2 keeps its
                // state in the session, so another open's call would finish that one instead
                // (and hand its channel, to another host or socket, to the wrong caller).
                if task.opensChannel, let inFlight = openInFlight, inFlight !== task { continue }
                if task.attempt(session) {
                    remove(task)
                    progressed = true
                    if let error = task.fatalError {
                        markBroken(error)
                        break
                    }
                    continue
                }
                if task.opensChannel { openInFlight = task }
                let blocked = libssh2_session_block_directions(session)
                if blocked & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 {
                    exclusive = task
                    break
                }
                if exclusive === task { exclusive = nil }
            }
            if servePumps(session) { progressed = true }
            // Bytes another task's call read off the socket may already hold what a task
            // earlier in this round waits for: go round again before sleeping.
            if progressed || received > 0 { continue }
            expireDeadlines()
            if tasks.isEmpty && pumpsMayStop && inbox.withLock({ $0.closing }) { break }
            wait(session)
        }
        teardown()
    }

    /// A closing loop waits a moment for its pumps to be closed by their sessions (so their
    /// goodbyes get through), then tears them down.
    private var pumpsMayStop: Bool {
        guard let closingSince else { return false }
        return pumps.isEmpty || ContinuousClock.now - closingSince > .seconds(1)
    }

    /// One round of every pump; true when any of them moved bytes or finished.
    private func servePumps(_ session: OpaquePointer) -> Bool {
        guard broken == nil, !pumps.isEmpty else { return false }
        if let exclusive, !pumps.contains(where: { $0 === exclusive }) { return false }
        var progressed = false
        for pump in pumps where exclusive == nil || exclusive === pump {
            if pump.service(session) { progressed = true }
            if let fatal = pump.fatalError {
                markBroken(fatal)
                return true
            }
            if pump.isFinished {
                pumps.removeAll { $0 === pump }
                if exclusive === pump { exclusive = nil }
                progressed = true
                continue
            }
            if pump.halfSent {
                exclusive = pump
                break
            }
            if exclusive === pump { exclusive = nil }
        }
        return progressed
    }

    private func schedulable() -> [any LoopTask] {
        if let exclusive { return tasks.filter { $0 === exclusive } }
        return tasks.filter { task in
            !task.opensChannel || openInFlight == nil || openInFlight === task
        }
    }

    private func remove(_ task: any LoopTask) {
        tasks.removeAll { $0 === task }
        if exclusive === task { exclusive = nil }
        if openInFlight === task { openInFlight = nil }
    }

    /// Ends every call whose task was cancelled, once it can be given up. The request stays
    /// on the call, so one that reached the inbox after its cancellation (its task was already
    /// cancelled when it called), or that was running alone with a half-sent packet, is ended
    /// on a later round instead of waiting for data that may never come.
    private func cancelRequested() {
        for task in tasks where task.cancelRequested && task.abandonable && exclusive !== task {
            task.fail(CancellationError())
            remove(task)
        }
        cancelDeferred = tasks.contains { $0.cancelRequested && $0.abandonable }
    }

    /// A closing session waits for no read: one may wait for data that never comes, and one
    /// without a deadline would keep this thread forever. Each fails as closed once it can be
    /// given up (not while its packet is half sent). Every other call has a deadline, and may
    /// finish first.
    private func endReads() {
        let closed = SSHError(.closed, host: label, "the session was closed")
        for task in tasks where task.abandonable && exclusive !== task {
            task.fail(closed)
            remove(task)
        }
    }

    private func expireDeadlines() {
        let now = ContinuousClock.now
        for task in tasks {
            guard let deadline = task.deadline, deadline <= now else { continue }
            let error = SSHError(.timeout, host: label, "\(task.what) timed out")
            task.fail(error)
            remove(task)
            if !task.abandonable {
                // Later calls fail with this: say what it most likely means (a host or link
                // gone quiet), not only which call happened to notice.
                markBroken(SSHError(.connectionLost, host: label, "no answer from the host: \(task.what) timed out, so the session was closed"))
            }
        }
    }

    private func markBroken(_ error: SSHError) {
        guard broken == nil else { return }
        broken = error
        inbox.withLock { $0.finished = error }
        failAll(error)
        // The sessions running over this one's tunnels see their sockets close at once.
        for pump in pumps { pump.abort() }
        pumps.removeAll()
        if exclusive != nil && !(exclusive is any LoopTask) { exclusive = nil }
    }

    private func failAll(_ error: SSHError) {
        let pending = tasks + inbox.withLock { inbox in
            defer { inbox.submitted.removeAll() }
            return inbox.submitted
        }
        tasks.removeAll()
        exclusive = nil
        openInFlight = nil
        for task in pending { task.fail(error) }
    }

    /// Sleeps until the socket is ready in the direction libssh2 waits for, new work
    /// arrives, a deadline passes, or an idle session is due a keepalive.
    private func wait(_ session: OpaquePointer) {
        var timeout: Duration = .seconds(3600)
        let now = ContinuousClock.now
        for task in tasks {
            if let deadline = task.deadline { timeout = min(timeout, now.duration(to: deadline)) }
        }
        var fds = [pollfd(fd: wakeFD, events: Int16(POLLIN), revents: 0)]
        if tasks.isEmpty && keepaliveInterval > .zero && broken == nil && exclusive == nil {
            if nextKeepalive <= now { sendKeepalive(session) }
            timeout = min(timeout, ContinuousClock.now.duration(to: nextKeepalive))
        }
        if broken == nil && (!tasks.isEmpty || !pumps.isEmpty) {
            let blocked = libssh2_session_block_directions(session)
            var events: Int16 = 0
            // A pump always waits for its channel's data, which arrives on the session socket.
            if blocked & LIBSSH2_SESSION_BLOCK_INBOUND != 0 || blocked == 0 || !pumps.isEmpty { events |= Int16(POLLIN) }
            if blocked & LIBSSH2_SESSION_BLOCK_OUTBOUND != 0 { events |= Int16(POLLOUT) }
            fds.append(pollfd(fd: socketFD, events: events, revents: 0))
            // A pending call may be waiting on state libssh2 holds without a socket event
            // (a read returning 0 before EOF is known): look again now and then.
            timeout = min(timeout, tasks.isEmpty ? .seconds(1) : .milliseconds(250))
            for pump in pumps where pump.events != 0 {
                fds.append(pollfd(fd: pump.fd, events: pump.events, revents: 0))
            }
        }
        if closingSince != nil { timeout = min(timeout, .milliseconds(100)) }
        let milliseconds = Int32(clamping: max(0, timeout.milliseconds + 1))
        _ = poll(&fds, nfds_t(fds.count), milliseconds)
        if fds[0].revents != 0 {
            var drain = [UInt8](repeating: 0, count: 64)
            while read(wakeFD, &drain, drain.count) > 0 {}
        }
    }

    private func sendKeepalive(_ session: OpaquePointer) {
        var seconds: Int32 = 0
        let rc = libssh2_keepalive_send(session, &seconds)
        if rc != 0 && rc != LIBSSH2_ERROR_EAGAIN {
            markBroken(LibSSH2.error(session, rc, label: label, doing: "sending a keepalive"))
        }
        nextKeepalive = .now + .seconds(max(1, Int(seconds)))
    }

    private func teardown() {
        let closed = SSHError(.closed, host: label, "the session was closed")
        inbox.withLock { inbox in
            if inbox.finished == nil { inbox.finished = closed }
        }
        failAll(broken ?? closed)
        for pump in pumps { pump.abort() }
        pumps.removeAll()
        if let session {
            let deadline = ContinuousClock.now + .seconds(2)
            // A broken session has nothing more to say. With its socket shut, libssh2 stops
            // waiting for a peer that may never answer (a cut link: channels it would close
            // politely first) and frees the session at once, instead of after the deadline.
            if broken != nil && socketFD >= 0 { _ = Glibc.shutdown(socketFD, Int32(SHUT_RDWR)) }
            if broken == nil {
                while libssh2_session_disconnect_ex(session, SSH_DISCONNECT_BY_APPLICATION, "molt done", "") == LIBSSH2_ERROR_EAGAIN,
                    ContinuousClock.now < deadline
                {
                    waitBriefly()
                }
            }
            while libssh2_session_free(session) == LIBSSH2_ERROR_EAGAIN, ContinuousClock.now < deadline {
                waitBriefly()
            }
            self.session = nil
        }
        if socketFD >= 0 { close(socketFD) }
        socketFD = -1
        closePipe(finishing: closed)
        onTeardown?()
        markStopped()
    }

    /// Closes the wake pipe under the inbox lock, so a late `wake()` never writes to a
    /// descriptor number that has since been reused for another file.
    private func closePipe(finishing error: SSHError) {
        inbox.withLock { inbox in
            if inbox.finished == nil { inbox.finished = error }
            guard !inbox.pipeClosed else { return }
            inbox.pipeClosed = true
            close(wakeFD)
            close(wakeWriteFD)
        }
    }

    private func waitBriefly() {
        var fds = [pollfd(fd: socketFD, events: Int16(POLLIN | POLLOUT), revents: 0)]
        _ = poll(&fds, 1, 50)
    }

    private func wake() {
        inbox.withLock { inbox in
            guard !inbox.pipeClosed else { return }
            var one: UInt8 = 1
            _ = write(wakeWriteFD, &one, 1)
        }
    }
}

/// libssh2's socket receive, counting what it takes so the loop knows a round made progress.
private let countingReceive:
    @convention(c) (Int32, UnsafeMutableRawPointer?, Int, Int32, UnsafeMutablePointer<UnsafeMutableRawPointer?>?) -> Int = {
        socket, buffer, length, flags, abstract in
        let count = recv(socket, buffer, length, flags)
        if count > 0 {
            // sshd sets TCP_NODELAY only for sessions with a terminal, so on a tunnel its next
            // small packet waits for the ACK of the last one, which Linux delays by up to
            // 40 ms: a stall of that length, now and then, inside one Docker exchange. ACK at
            // once instead (re-armed on every receive; a no-op where the link is not TCP).
            var quick: Int32 = 1
            setsockopt(socket, Int32(IPPROTO_TCP), TCP_QUICKACK, &quick, socklen_t(MemoryLayout<Int32>.size))
        }
        if count < 0 {
            let code = errno
            return code == EWOULDBLOCK ? -Int(EAGAIN) : -Int(code)
        }
        if let raw = abstract?.pointee {
            Unmanaged<SessionLoop>.fromOpaque(raw).takeUnretainedValue().received += count
        }
        return count
    }

/// A piece of work the loop retries until it finishes.
protocol LoopTask: AnyObject {
    var deadline: ContinuousClock.Instant? { get }
    var abandonable: Bool { get }
    var opensChannel: Bool { get }
    var what: String { get }
    /// Its caller's task was cancelled; only the loop thread reads or writes this.
    var cancelRequested: Bool { get set }
    /// Set when the task failed in a way that ends the session (the connection broke).
    var fatalError: SSHError? { get }
    /// One attempt; true when the task finished (its caller has been answered).
    func attempt(_ session: OpaquePointer) -> Bool
    func fail(_ error: any Error)
}

final class LoopOperation<Value: Sendable>: LoopTask, @unchecked Sendable {
    let deadline: ContinuousClock.Instant?
    let abandonable: Bool
    let opensChannel: Bool
    let what: String
    var cancelRequested = false
    private(set) var fatalError: SSHError?
    var continuation: CheckedContinuation<Value, any Error>?
    private let body: (OpaquePointer) -> Step<Value>

    init(
        deadline: ContinuousClock.Instant?, abandonable: Bool, opensChannel: Bool, what: String,
        body: @escaping (OpaquePointer) -> Step<Value>
    ) {
        self.deadline = deadline
        self.abandonable = abandonable
        self.opensChannel = opensChannel
        self.what = what
        self.body = body
    }

    func attempt(_ session: OpaquePointer) -> Bool {
        switch body(session) {
        case .again:
            return false
        case .done(let value):
            continuation?.resume(returning: value)
            continuation = nil
            return true
        case .failed(let error):
            if error.code == .connectionLost { fatalError = error }
            fail(error)
            return true
        }
    }

    func fail(_ error: any Error) {
        continuation?.resume(throwing: error)
        continuation = nil
    }
}
