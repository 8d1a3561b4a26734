import Synchronization

/// How long a run waits, at most, for work on one host on its way to releasing its locks.
///
/// A host whose work never ends (a dead link whose calls were not stopped, a cancellation
/// that was lost) must not hold every other host's locks with it: past the limit the work is
/// cancelled and left behind, the operator is warned, naming the host, and the run goes on.
enum HostDeadline {
    /// A pull started ahead for a batch that will not run: cancelled, it ends at once.
    @TaskLocal static var pullAbandon: Duration = .seconds(10)
    /// Removing one host's locks, an engine that is away waited for (``EngineAway/patience``).
    @TaskLocal static var lockRelease: Duration = .seconds(60)

    /// Runs `body` in a task of its own and waits for it at most `limit`; nil when the limit
    /// passed first (the task is then cancelled, and not waited for).
    static func run<Value: Sendable>(_ limit: Duration, _ body: @escaping @Sendable () async -> Value) async -> Value? {
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
