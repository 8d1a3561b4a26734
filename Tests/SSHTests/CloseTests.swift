import Foundation
@testable import SSH
import Synchronization
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Closing sessions suspends the caller until each session's own thread is done, and holds no
/// thread meanwhile: a rollout closes its hosts all at once, and the two threads async code
/// shares on this machine go on with other work.
@Suite("Closing sessions")
struct CloseTests {
    /// A loop over one end of a socket pair (no SSH server needed: nothing is sent before the
    /// work below), busy with a call that finishes once `until` says so or `busyFor` passes:
    /// the loop stops only after that.
    struct BusyLoop {
        let loop: SessionLoop
        let peer: Int32
        let call: Task<Void, Never>
    }

    /// A count several threads add to.
    final class Counter: Sendable {
        private let value = Mutex(0)
        func add() { value.withLock { $0 += 1 } }
        var count: Int { value.withLock { $0 } }
    }

    static func busyLoop(_ index: Int, busyFor: Duration, attempted: Counter, until done: Counter = Counter()) async throws -> BusyLoop {
        var ends: [Int32] = [-1, -1]
        let rc = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends)
        try #require(rc == 0)
        let loop = try await SessionLoop.start(
            label: "busy\(index)", transport: .socket(ends[0]), deadline: .now + .seconds(60), keepalive: .zero)
        let deadline = ContinuousClock.now + busyFor
        let call = Task {
            var first = true
            _ = try? await loop.perform(deadline: deadline, what: "a call that waits") { _ -> Step<Void> in
                if first {
                    first = false
                    attempted.add()
                }
                return done.count > 0 ? .done(()) : .again
            }
        }
        return BusyLoop(loop: loop, peer: ends[1], call: call)
    }

    @Test("50 sessions closed at once, each stopping only once another task on the shared threads lets it: every close waits for its loop, and none holds a thread")
    func manyClosesAtOnce() async throws {
        let attempted = Counter()
        let released = Counter()
        var loops: [BusyLoop] = []
        // Without the other task, each loop would stop after 20 s, its call timed out.
        for index in 0..<50 {
            loops.append(try await Self.busyLoop(index, busyFor: .seconds(20), attempted: attempted, until: released))
        }
        defer { for busy in loops { close(busy.peer) } }
        // Every loop has its call in hand before it is asked to close.
        let settle = ContinuousClock.now + .seconds(30)
        while attempted.count < loops.count && ContinuousClock.now < settle {
            try await Task.sleep(for: .milliseconds(10))
        }
        try #require(attempted.count == loops.count)

        let started = ContinuousClock.now
        let stopping = loops.map(\.loop)
        await withTaskGroup(of: Void.self) { group in
            for busy in loops {
                group.addTask { await busy.loop.shutdownAndWait(limit: .seconds(60)) }
            }
            // Runs on the same two shared threads as the closes: if they held those threads
            // while waiting, this would not run until the calls timed out.
            group.addTask {
                while !stopping.allSatisfy(\.isFinished) { try? await Task.sleep(for: .milliseconds(5)) }
                released.add()
            }
        }
        let elapsed = ContinuousClock.now - started
        for busy in loops { await busy.call.value }

        #expect(loops.allSatisfy { $0.loop.hasStopped }, "a close returned before its loop stopped")
        #expect(elapsed < .seconds(15), "50 closes took \(elapsed): the loops stopped by their timeouts, not by the other task")
    }

    @Test("a loop asked to close while a read with no deadline waits fails the read as closed and stops: nothing else would ever end that read")
    func closeEndsReadWithoutDeadline() async throws {
        let (loop, peer) = try await CancellationTests.loop("reading")
        defer { close(peer) }
        let attempted = Counter()
        let read = Task {
            try await loop.perform(deadline: nil, abandonable: true, what: "a read that waits") { _ -> Step<Void> in
                attempted.add()
                return .again
            }
        }
        while attempted.count < 1 { try await Task.sleep(for: .milliseconds(10)) }
        let started = ContinuousClock.now
        await loop.shutdownAndWait(limit: .seconds(5))
        let elapsed = ContinuousClock.now - started
        #expect(loop.hasStopped, "the loop still runs \(elapsed) after it was asked to close")
        #expect(elapsed < .seconds(2), "the close took \(elapsed)")
        guard loop.hasStopped else { return }
        let error = try await #require(throws: SSHError.self) { try await read.value }
        #expect(error.code == .closed, "\(error)")
    }

    @Test("a close that outlasts its limit returns at the limit; the loop still stops afterwards")
    func closeLimit() async throws {
        let attempted = Counter()
        let busy = try await Self.busyLoop(0, busyFor: .seconds(6), attempted: attempted)
        defer { close(busy.peer) }
        while attempted.count < 1 { try await Task.sleep(for: .milliseconds(10)) }
        let started = ContinuousClock.now
        await busy.loop.shutdownAndWait(limit: .milliseconds(200))
        let elapsed = ContinuousClock.now - started
        #expect(elapsed < .seconds(2), "the close waited \(elapsed) past its limit of 200 ms")
        #expect(!busy.loop.hasStopped)
        await busy.loop.waitUntilStopped()
        #expect(busy.loop.hasStopped)
        await busy.call.value
    }
}
