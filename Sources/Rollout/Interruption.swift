import Foundation
import Synchronization

/// A run asked to stop by a signal (SPEC §4.9): the first signal stops new work and has the
/// step in flight finished or undone on every host; the second skips the undo (a paused live
/// container is still unpaused).
///
/// Nothing is cancelled from outside: the run's code asks ``level`` between steps, and wraps
/// its long waits (pulls, health checks, copies) in ``run(until:_:)`` so that they end at once.
public final class Interruption: Sendable {
    /// How far the operator has asked molt to hurry.
    public enum Level: Int, Sendable, Comparable {
        /// Go on.
        case none
        /// Start nothing new; finish or undo the step in flight.
        case stop
        /// Leave at once; only unpause what molt paused.
        case hurry

        public static func < (lhs: Level, rhs: Level) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    private struct State {
        var level = Level.none
        var signal: Int32?
        var waiters: [Int: (level: Level, continuation: CheckedContinuation<Void, Never>)] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    public init() {}

    /// The level reached so far.
    public var level: Level { state.withLock { $0.level } }

    /// A signal's name as operators know it.
    public static func name(of signal: Int32) -> String {
        switch signal {
        case SIGINT: return "SIGINT"
        case SIGTERM: return "SIGTERM"
        case SIGHUP: return "SIGHUP"
        default: return "signal \(signal)"
        }
    }

    /// The first signal that arrived, if any.
    public var signal: Int32? { state.withLock { $0.signal } }

    /// Records a signal: the first asks to stop, any later one to hurry. Returns the new level.
    @discardableResult
    public func escalate(signal: Int32) -> Level {
        let (level, woken) = state.withLock { state -> (Level, [CheckedContinuation<Void, Never>]) in
            state.signal = state.signal ?? signal
            state.level = state.level == .none ? .stop : .hurry
            let reached = state.waiters.filter { $0.value.level <= state.level }
            for key in reached.keys { state.waiters[key] = nil }
            return (state.level, reached.values.map(\.continuation))
        }
        for continuation in woken { continuation.resume() }
        return level
    }

    /// Runs `body`; if the interruption reaches `level` first, `body` is cancelled and
    /// ``Interrupted`` thrown. A cancelled engine call closes its stream, so this ends at once.
    public func run<Value: Sendable>(until level: Level, _ body: @escaping @Sendable () async throws -> Value) async throws -> Value {
        if self.level >= level { throw Interrupted(level: self.level) }
        return try await withThrowingTaskGroup(of: Finish<Value>.self) { group in
            group.addTask { .value(try await body()) }
            group.addTask {
                await self.reached(level)
                return .interrupted
            }
            defer { group.cancelAll() }
            guard let first = try await group.next() else { throw Interrupted(level: self.level) }
            switch first {
            case .value(let value): return value
            case .interrupted: throw Interrupted(level: self.level)
            }
        }
    }

    /// Returns once the level is reached, or the task is cancelled.
    func reached(_ wanted: Level) async {
        let key = state.withLock { state -> Int? in
            if state.level >= wanted { return nil }
            state.nextWaiter += 1
            return state.nextWaiter
        }
        guard let key else { return }
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { state -> Bool in
                    if state.level >= wanted || Task.isCancelled { return true }
                    state.waiters[key] = (wanted, continuation)
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            let continuation = state.withLock { $0.waiters.removeValue(forKey: key)?.continuation }
            continuation?.resume()
        }
    }
}

/// Which of the two racing tasks of ``Interruption/run(until:_:)`` ended first.
private enum Finish<Value: Sendable>: Sendable {
    case value(Value)
    case interrupted
}

/// The work was stopped by an ``Interruption``.
public struct Interrupted: Error, CustomStringConvertible, Sendable {
    public var level: Interruption.Level
    public var description: String { "interrupted" }
}
