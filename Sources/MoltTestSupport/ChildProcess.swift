import Foundation

/// Runs a program to its end and collects what it printed, the way tests run `molt` and
/// `scripts/lab`: on a thread of its own, so that waiting for the child never holds one of
/// the few threads every test's async work shares.
public enum ChildProcess {
    public struct Result: Sendable {
        public var status: Int32
        public var stdout: String
        public var stderr: String
        /// Wall time from launch to exit.
        public var seconds: Double
    }

    /// Runs `arguments[0]` with the rest as its arguments.
    public static func run(_ arguments: [String], environment: [String: String]? = nil, directory: String? = nil) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Swift.Result { try runBlocking(arguments, environment: environment, directory: directory) })
            }
        }
    }

    /// The `molt` executable built beside the test bundle, else in `.build/debug` of `repository`.
    public static func builtMolt(repository: String) -> String {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let beside = bundleDirectory.appendingPathComponent("molt").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        return repository + "/.build/debug/molt"
    }

    private static func runBlocking(_ arguments: [String], environment: [String: String]?, directory: String?) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        if let environment { process.environment = environment }
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        let start = ContinuousClock.now
        try process.run()
        // Read both pipes to the end before waiting, so a chatty child never blocks on a full pipe.
        let group = DispatchGroup()
        nonisolated(unsafe) var errData = Data()
        group.enter()
        DispatchQueue.global().async {
            errData = err.fileHandleForReading.readDataToEndOfFile()
            group.leave()
        }
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        group.wait()
        process.waitUntilExit()
        let elapsed = ContinuousClock.now - start
        return Result(status: process.terminationStatus,
                      stdout: String(decoding: outData, as: UTF8.self),
                      stderr: String(decoding: errData, as: UTF8.self),
                      seconds: Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18)
    }
}

/// Runs blocking or CPU-heavy work on a thread of its own and returns its result. Seconds of
/// parsing, or a wait for a child process, on one of the two threads every test's async work
/// shares would starve the deadline-bound tests running beside it. Assert on the result, not in
/// `body`: the thread carries no test context.
public func onOwnThread<Value: Sendable>(_ body: @escaping @Sendable () throws -> Value) async throws -> Value {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread { continuation.resume(with: Result { try body() }) }
    }
}

/// Writes an executable script at `path` in place, through a close-on-exec descriptor: a
/// process another test spawns meanwhile must not keep it open for writing, which makes it
/// "Text file busy" to run. With `exclusive`, a file already there is an error.
public func writeExecutable(_ path: String, _ text: String, mode: UInt32 = 0o755, exclusive: Bool = false) throws {
    let fd = open(path, O_WRONLY | O_CREAT | (exclusive ? O_EXCL : O_TRUNC) | O_CLOEXEC, mode_t(mode))
    guard fd >= 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
    defer { close(fd) }
    let bytes = Array(text.utf8)
    guard bytes.withUnsafeBytes({ Glibc.write(fd, $0.baseAddress, $0.count) }) == bytes.count else {
        throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path])
    }
}

/// A scratch directory removed when its owner goes away, so tests can run side by side.
public final class TemporaryDirectory: Sendable {
    public let path: String

    public init(prefix: String = "molt-test-") throws {
        path = NSTemporaryDirectory() + prefix + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes an executable script `name` inside the directory and returns its full path. It is
    /// written in place through a close-on-exec descriptor: a process another test spawns
    /// meanwhile must not keep it open for writing, which makes it "Text file busy" to run.
    @discardableResult
    public func writeExecutable(_ name: String, _ text: String) throws -> String {
        let file = "\(path)/\(name)"
        try FileManager.default.createDirectory(atPath: (file as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try MoltTestSupport.writeExecutable(file, text)
        return file
    }

    /// Writes `text` to `name` inside the directory and returns its full path.
    @discardableResult
    public func write(_ name: String, _ text: String) throws -> String {
        let file = "\(path)/\(name)"
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }
}

/// The CPU time the calling thread has used. Tests that hold parsing to a time bound measure
/// this, not the wall clock: on a loaded machine the wall clock also counts the time the thread
/// waited for a core, which says nothing about molt.
public enum ThreadCPUTime {
    public static var now: Duration {
        var time = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
        return .seconds(time.tv_sec) + .nanoseconds(time.tv_nsec)
    }
}
