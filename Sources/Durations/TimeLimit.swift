import Synchronization

/// Waiting for work at most a given time, without waiting for the work itself once the time
/// is up: a call that never returns (a lost cancellation, a server gone silent) must not hold
/// its caller with it.
public enum TimeLimit {
    /// Runs `body` in a task of its own and waits for it at most `limit`; nil when the limit
    /// passed first (the task is then cancelled, and not waited for). Cancelling the caller
    /// cancels the task, whose value is still waited for.
    public static func run<Value: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async -> Value) async -> Value? {
        let outcome = FirstResult<Value>()
        let work = Task {
            let value = await body()
            outcome.resolve(value)
        }
        let timer = Task {
            try? await Task.sleep(for: limit)
            outcome.resolve(nil)
        }
        let value = await withTaskCancellationHandler {
            await outcome.value()
        } onCancel: {
            work.cancel()
        }
        timer.cancel()
        if value == nil { work.cancel() }
        return value
    }
}

/// The first of a value and a timeout, handed to one waiter.
private final class FirstResult<Value: Sendable>: Sendable {
    private struct State {
        var result: Value??
        var waiter: CheckedContinuation<Value?, Never>?
    }

    private let state = Mutex(State())

    func resolve(_ value: Value?) {
        let waiter = state.withLock { state -> CheckedContinuation<Value?, Never>? in
            guard state.result == nil else { return nil }
            state.result = .some(value)
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: value)
    }

    func value() async -> Value? {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Value?? in
                if let result = state.result { return result }
                state.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}
