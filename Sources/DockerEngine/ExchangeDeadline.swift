import Durations
import Synchronization

/// The time limits of one HTTP exchange, and whether one has passed.
///
/// Two limits: the whole exchange (`timeout`), and the longest silence between two reads
/// (`idleTimeout`), for long streams such as a pull that are alive as long as they progress.
///
/// When a limit passes, or the task is cancelled, the exchange's stream is closed: that is the
/// one thing that reliably wakes a pending read. The read then fails, and ``translate(_:)``
/// turns that failure into what really happened.
final class ExchangeDeadline: Sendable {
    let timeout: Duration?
    let idleTimeout: Duration?
    private let start: ContinuousClock.Instant
    private let state: Mutex<State>

    private struct State {
        var lastActivity: ContinuousClock.Instant
        var expired: Expiry?
    }

    private enum Expiry {
        case whole, idle
    }

    init(timeout: Duration?, idleTimeout: Duration? = nil) {
        let now = ContinuousClock.now
        self.timeout = timeout
        self.idleTimeout = idleTimeout
        self.start = now
        self.state = Mutex(State(lastActivity: now, expired: nil))
    }

    var hasExpired: Bool { state.withLock { $0.expired != nil } }

    /// The instant the exchange fails unless something happens first; `nil` without limits.
    var instant: ContinuousClock.Instant? {
        let lastActivity = state.withLock { $0.lastActivity }
        let whole = timeout.map { start.advanced(by: $0) }
        let idle = idleTimeout.map { lastActivity.advanced(by: $0) }
        switch (whole, idle) {
        case (let whole?, let idle?): return min(whole, idle)
        case (let whole?, nil): return whole
        case (nil, let idle?): return idle
        case (nil, nil): return nil
        }
    }

    /// Records that bytes arrived, which pushes the idle limit back.
    func noteActivity() {
        guard idleTimeout != nil else { return }
        state.withLock { $0.lastActivity = .now }
    }

    /// The error to report for a failure of the exchange.
    func translate(_ error: any Error) -> any Error {
        if let expiry = state.withLock({ $0.expired }) {
            var failure = HTTPError(.timeout, timeoutMessage(expiry))
            failure.request = (error as? HTTPError)?.request
            return failure
        }
        if Task.isCancelled {
            return CancellationError()
        }
        return error
    }

    /// Opens a stream with `open`, failing with a timeout when the deadline passes first and
    /// with `CancellationError` as soon as the task is cancelled.
    ///
    /// The attempt runs in a task of its own so that a connector which ignores cancellation
    /// cannot hold the caller past the deadline; a stream it still delivers afterwards is closed.
    func opening(_ open: @escaping @Sendable () async throws -> any ByteStream) async throws -> any ByteStream {
        let outcome = FirstOutcome<any ByteStream>()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                guard outcome.wait(with: continuation) else { return }
                let attempt = Task {
                    do {
                        let stream = try await open()
                        if !outcome.resolve(.success(stream)) { await stream.close() }
                    } catch {
                        outcome.resolve(.failure(error))
                    }
                }
                let timer = instant.map { instant in
                    Task {
                        try? await Task.sleep(until: instant, clock: .continuous)
                        guard !Task.isCancelled else { return }
                        let limit = DurationText.format(self.start.duration(to: instant))
                        outcome.resolve(.failure(HTTPError(.timeout, "no connection to the engine within \(limit)")))
                    }
                }
                outcome.onResolve {
                    timer?.cancel()
                    attempt.cancel()
                }
            }
        } onCancel: {
            outcome.resolve(.failure(CancellationError()))
        }
    }

    /// Runs `body`, closing `stream` when a limit passes or the task is cancelled.
    func guarding<R>(_ stream: any ByteStream, _ body: () async throws -> R) async throws -> R {
        try await withTaskCancellationHandler {
            try await withThrowingTaskGroup(of: Void.self) { group in
                if instant != nil {
                    group.addTask {
                        while let instant = self.instant {
                            try? await Task.sleep(until: instant, clock: .continuous)
                            guard !Task.isCancelled else { return }
                            if let expiry = self.expiry(at: .now) {
                                self.state.withLock { $0.expired = expiry }
                                await stream.close()
                                return
                            }
                        }
                    }
                }
                defer { group.cancelAll() }
                do {
                    return try await body()
                } catch {
                    throw translate(error)
                }
            }
        } onCancel: {
            Task { await stream.close() }
        }
    }

    private func expiry(at now: ContinuousClock.Instant) -> Expiry? {
        if let timeout, now >= start.advanced(by: timeout) { return .whole }
        let lastActivity = state.withLock { $0.lastActivity }
        if let idleTimeout, now >= lastActivity.advanced(by: idleTimeout) { return .idle }
        return nil
    }

    private func timeoutMessage(_ expiry: Expiry) -> String {
        switch expiry {
        case .whole: "no complete response within \(DurationText.format(timeout ?? .zero))"
        case .idle: "the engine sent nothing for \(DurationText.format(idleTimeout ?? .zero))"
        }
    }
}

/// The first of several competing outcomes, handed to one waiting continuation.
private final class FirstOutcome<Value: Sendable>: Sendable {
    private struct State {
        var continuation: CheckedContinuation<Value, any Error>?
        var early: Result<Value, any Error>?
        var resolved = false
        var cleanup: (@Sendable () -> Void)?
    }

    private let state = Mutex(State())

    /// Sets the continuation to resume, or resumes it at once if an outcome came first;
    /// returns whether the outcome is still pending.
    func wait(with continuation: CheckedContinuation<Value, any Error>) -> Bool {
        let early: Result<Value, any Error>? = state.withLock { state in
            if let early = state.early {
                state.early = nil
                return early
            }
            state.continuation = continuation
            return nil
        }
        guard let early else { return true }
        continuation.resume(with: early)
        return false
    }

    /// Runs `cleanup` once an outcome is known (at once if it already is).
    func onResolve(_ cleanup: @escaping @Sendable () -> Void) {
        let runNow = state.withLock { state in
            if state.resolved { return true }
            state.cleanup = cleanup
            return false
        }
        if runNow { cleanup() }
    }

    /// Offers an outcome; returns whether it was the first.
    @discardableResult
    func resolve(_ outcome: Result<Value, any Error>) -> Bool {
        let (first, continuation, cleanup) = state.withLock { state in
            guard !state.resolved else { return (false, nil as CheckedContinuation<Value, any Error>?, nil as (@Sendable () -> Void)?) }
            state.resolved = true
            let continuation = state.continuation
            state.continuation = nil
            if continuation == nil { state.early = outcome }
            let cleanup = state.cleanup
            state.cleanup = nil
            return (true, continuation, cleanup)
        }
        continuation?.resume(with: outcome)
        cleanup?()
        return first
    }
}
