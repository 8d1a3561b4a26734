import Synchronization

/// What an engine's event subscription has brought so far, for code that waits on a container.
///
/// A waiter does not act on the events themselves: it reads the container's state again when
/// anything new came (an event, the subscription confirmed or lost), and otherwise at a pace
/// of its own. So a missed or duplicate event costs at most a wait, never a wrong answer;
/// ``status`` tells how far the events can be relied on, and so how often to poll.
///
/// ``follow(_:_:)`` runs a subscription for the length of a body and renews it when the
/// engine drops it.
public final class ContainerEventFeed: Sendable {
    /// How far the subscription has come.
    public enum Status: Sendable, Equatable {
        /// Asked for; the engine has not answered yet.
        case opening
        /// The engine answered: every event from now on arrives.
        case following
        /// The subscription failed or ended, for this reason; it is being renewed.
        case interrupted(String)
    }

    /// The most events kept in ``events``.
    public static let keptEvents = 256

    private struct State {
        var status = Status.opening
        var generation = 0
        var events: [ContainerEvent] = []
        var waiters: [Int: CheckedContinuation<Void, Never>] = [:]
        var nextWaiter = 0
    }

    private let state = Mutex(State())

    public init() {}

    public var status: Status { state.withLock { $0.status } }

    /// Whether every event arrives now; otherwise a waiter must poll.
    public var isFollowing: Bool { status == .following }

    /// Counts everything new: each event and each change of ``status``.
    public var generation: Int { state.withLock { $0.generation } }

    /// The events received, oldest first (the latest ``keptEvents``).
    public var events: [ContainerEvent] { state.withLock { $0.events } }

    /// Whether a task waits in ``wait(past:until:)`` now.
    public var isAwaited: Bool { state.withLock { !$0.waiters.isEmpty } }

    /// Returns once ``generation`` has passed `seen`, or at `deadline`, whichever comes first,
    /// with the generation then.
    /// - Throws: `CancellationError` when the task is cancelled.
    public func wait(past seen: Int, until deadline: ContinuousClock.Instant) async throws -> Int {
        if generation <= seen && deadline > .now {
            await withTaskGroup(of: Void.self) { group in
                group.addTask { try? await Task.sleep(until: deadline, clock: .continuous) }
                group.addTask { await self.news(past: seen) }
                await group.next()
                group.cancelAll()
            }
        }
        try Task.checkCancellation()
        return generation
    }

    // MARK: The subscription's side

    /// The engine accepted the subscription.
    public func confirm() {
        change { state in
            guard state.status != .following else { return false }
            state.status = .following
            return true
        }
    }

    /// An event arrived.
    public func deliver(_ event: ContainerEvent) {
        change { state in
            state.events.append(event)
            if state.events.count > Self.keptEvents { state.events.removeFirst(state.events.count - Self.keptEvents) }
            return true
        }
    }

    /// The subscription failed or ended.
    public func interrupt(_ reason: String) {
        change { state in
            state.status = .interrupted(reason)
            return true
        }
    }

    /// Applies `update`; when it reports a change, counts it and wakes every waiter.
    private func change(_ update: (inout State) -> Bool) {
        let woken: [CheckedContinuation<Void, Never>] = state.withLock { state in
            guard update(&state) else { return [] }
            state.generation += 1
            defer { state.waiters = [:] }
            return Array(state.waiters.values)
        }
        for waiter in woken { waiter.resume() }
    }

    /// Returns once the generation has passed `seen`, or the task is cancelled.
    private func news(past seen: Int) async {
        let id = state.withLock { state in
            state.nextWaiter += 1
            return state.nextWaiter
        }
        await withTaskCancellationHandler {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                // Checked under the lock the cancellation handler takes: either the handler
                // finds the continuation, or the task was already cancelled here.
                let now = state.withLock { state in
                    if state.generation > seen || Task.isCancelled { return true }
                    state.waiters[id] = continuation
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { $0.waiters.removeValue(forKey: id) }?.resume()
        }
    }
}

extension ContainerEventFeed {
    /// The first pause before a lost subscription is renewed; it doubles up to 2 s, and starts
    /// over once a subscription has been confirmed.
    public static let renewalPause: Duration = .milliseconds(250)

    /// Runs `body` with a feed that `subscribe` fills, and ends the subscription when `body`
    /// returns or throws.
    ///
    /// `subscribe` runs one subscription: it calls ``confirm()`` once the engine has accepted
    /// it, ``deliver(_:)`` for each event, and returns or throws when the stream ends; it is
    /// cancelled when `body` is done. A subscription that fails or ends is renewed after a
    /// pause for as long as `body` runs; the feed says ``Status/interrupted(_:)`` meanwhile.
    /// Its failures never reach `body`'s caller: waiting on the feed then means polling.
    public static func follow<R>(
        _ subscribe: @escaping @Sendable (ContainerEventFeed) async throws -> Void,
        _ body: (ContainerEventFeed) async throws -> R
    ) async throws -> R {
        let feed = ContainerEventFeed()
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                var pause = renewalPause
                while !Task.isCancelled {
                    var reason = "the engine ended the event stream"
                    do {
                        try await subscribe(feed)
                    } catch {
                        reason = "\(error)"
                    }
                    if Task.isCancelled { break }
                    // A stream that was followed and dropped is renewed soon; one refused
                    // again and again, less and less often.
                    if feed.isFollowing { pause = renewalPause }
                    feed.interrupt(reason)
                    try? await Task.sleep(for: pause)
                    pause = min(pause * 2, .seconds(2))
                }
            }
            defer { group.cancelAll() }
            return try await body(feed)
        }
    }
}
