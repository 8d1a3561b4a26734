import Foundation
@testable import SSH
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A call on a session loop whose task is cancelled ends with `CancellationError`, whenever
/// the cancellation comes: an exchange with the Docker engine abandoned by a rollout (a pull
/// ahead for a batch that will not run) waits on such a call, and the run releases its
/// locks only after it ends.
@Suite("Cancelling calls on a session loop")
struct CancellationTests {
    /// A loop over one end of a socket pair: nothing is sent, the calls below are the loop's
    /// own (no SSH server needed).
    static func loop(_ label: String) async throws -> (SessionLoop, Int32) {
        var ends: [Int32] = [-1, -1]
        let rc = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends)
        try #require(rc == 0)
        let loop = try await SessionLoop.start(
            label: label, transport: .socket(ends[0]), deadline: .now + .seconds(60), keepalive: .zero)
        return (loop, ends[1])
    }

    @Test("a read, started in a task already cancelled while the loop is busy with other calls, ends at once: the cancellation reaches the loop before the call does, and is not lost")
    func cancelledBeforeSubmitted() async throws {
        let (loop, peer) = try await Self.loop("cancel")
        defer { close(peer) }
        // Other tasks keep the loop going round, taking its inbox at any moment.
        let stop = CloseTests.Counter()
        let chatter = (0..<2).map { _ in
            Task.detached {
                while stop.count == 0 {
                    _ = try? await loop.perform(deadline: .now + .seconds(5), what: "a quick call") { _ -> Step<Void> in .done(()) }
                }
            }
        }
        let ended = CloseTests.Counter()
        let rounds = 5000
        await withTaskGroup(of: Void.self) { group in
            for _ in 0..<rounds {
                group.addTask {
                    withUnsafeCurrentTask { $0?.cancel() }
                    // Never ready: only the cancellation ends it (or, were it lost, the deadline,
                    // long after the wait below).
                    _ = try? await loop.perform(deadline: .now + .seconds(40), abandonable: true, what: "a read that waits") { _ -> Step<Void> in .again }
                    ended.add()
                }
            }
            let deadline = ContinuousClock.now + .seconds(20)
            while ended.count < rounds && ContinuousClock.now < deadline {
                try? await Task.sleep(for: .milliseconds(20))
            }
            let count = ended.count
            #expect(count == rounds, "\(rounds - count) of \(rounds) cancelled reads never ended")
            stop.add()
        }
        await loop.shutdownAndWait(limit: .seconds(5))
        for task in chatter { await task.value }
    }
}
