import Dispatch

/// Work that blocks its thread (SQLite's file I/O and busy wait), run on a dispatch queue and
/// awaited, so that no thread of Swift's cooperative pool ever waits on it.
enum BlockingWork {
    /// Runs `body` on `queue` and returns what it returned, or throws what it threw.
    ///
    /// Not cancellable, on purpose: a journal write that has begun is finished, so a run's record
    /// never depends on whether its task was cancelled meanwhile.
    static func run<T: Sendable>(
        on queue: DispatchQueue, _ body: @escaping @Sendable () throws -> T
    ) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async { continuation.resume(with: Result { try body() }) }
        }
    }
}
