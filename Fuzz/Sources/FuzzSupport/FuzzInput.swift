import Dispatch

/// One input from libFuzzer, with the choices a target makes from it.
///
/// Choices come from the input's length rather than from bytes set aside for them, so that
/// every corpus file is a plain example of the format (a real response, a real inventory)
/// that a person can read and edit; the fuzzer changes the choices by growing or shrinking it.
public struct FuzzInput: Sendable {
    /// The bytes libFuzzer gave.
    public let bytes: [UInt8]

    /// Copies the input libFuzzer passes to `LLVMFuzzerTestOneInput`.
    public init(_ data: UnsafePointer<UInt8>?, _ size: Int) {
        bytes = data.map { Array(UnsafeBufferPointer(start: $0, count: size)) } ?? []
    }

    /// The bytes as text, invalid UTF-8 repaired, the way molt reads a text file it was given.
    public var text: String { String(decoding: bytes, as: UTF8.self) }

    /// One of `choices`, picked by the input's length.
    public func pick<T>(_ choices: [T], salt: Int = 0) -> T {
        choices[(bytes.count / (salt + 1)) % choices.count]
    }

    /// The bytes cut into reads the way a network might deliver them: a byte at a time, a
    /// few bytes, or large pieces, so that every parser state is entered at a read boundary.
    public func pieces(sizes: [Int] = [1, 2, 3, 7, 64, 4096]) -> [[UInt8]] {
        let size = pick(sizes)
        return stride(from: 0, to: bytes.count, by: size).map { Array(bytes[$0..<min($0 + size, bytes.count)]) }
    }
}

/// Runs `body` to its end from libFuzzer's thread, which is not one of Swift's async threads,
/// so waiting on it blocks nothing the task needs.
public func runBlocking(_ body: @escaping @Sendable () async -> Void) {
    let done = DispatchSemaphore(value: 0)
    Task {
        await body()
        done.signal()
    }
    done.wait()
}

/// Traps unless `<` and `==` order `values` as a sort needs: irreflexive, antisymmetric,
/// transitive, with `==` agreeing. A version order that breaks these sorts `molt find`'s
/// results differently run to run, or puts a vulnerable version above a fixed one.
public func checkTotalOrder<T: Comparable>(_ values: [T]) {
    let values = Array(values.prefix(12))
    for a in values {
        precondition(a == a && !(a < a), "\(a) is not equal to itself")
        for b in values {
            precondition(!(a < b && b < a), "\(a) and \(b) are each below the other")
            precondition((a == b) == (!(a < b) && !(b < a)), "\(a) and \(b): == disagrees with <")
        }
    }
    // With the pairs consistent, a sorted list in which a later value is below an earlier
    // one can only come from a broken transitivity.
    let sorted = values.sorted()
    for (i, a) in sorted.enumerated() {
        for b in sorted[(i + 1)...] {
            precondition(!(b < a), "sorted, \(b) comes after \(a) but is below it: < is not transitive")
        }
    }
}
