import Foundation

/// Runs the built `molt` executable the way an operator would, under an address-space limit,
/// and measures how long it took.
enum Program {
    struct Result: Sendable {
        var status: Int32
        var stdout: String
        var stderr: String
        /// Wall time from launch to exit, the limiting wrapper included.
        var seconds: Double
    }

    /// The address space `molt` may use: 1 GiB, as the promise says.
    static let addressSpace = 1 << 30

    /// Runs `molt ARGUMENTS` in `directory` with a clean environment whose home and state
    /// directories are `directory`, under `prlimit --as`.
    ///
    /// The child is waited for on a thread of its own, never on one of the few threads that
    /// every test's async work shares.
    static func molt(_ arguments: [String], in directory: String) async throws -> Result {
        try await withCheckedThrowingContinuation { continuation in
            Thread.detachNewThread {
                continuation.resume(with: Swift.Result { try runBlocking(arguments, in: directory) })
            }
        }
    }

    /// The `molt` executable built beside the test bundle.
    static var executable: String {
        let bundleDirectory = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        let beside = bundleDirectory.appendingPathComponent("molt").path
        if FileManager.default.isExecutableFile(atPath: beside) { return beside }
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return repository.appendingPathComponent(".build/debug/molt").path
    }

    private static func runBlocking(_ arguments: [String], in directory: String) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/prlimit")
        process.arguments = ["--as=\(addressSpace)", "--", executable] + arguments
        process.currentDirectoryURL = URL(fileURLWithPath: directory)
        var environment = ProcessInfo.processInfo.environment
        environment["MOLT_INVENTORY"] = nil
        environment["SSH_AUTH_SOCK"] = nil
        environment["HOME"] = directory
        environment["XDG_STATE_HOME"] = directory + "/state"
        process.environment = environment
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
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        return Result(
            status: process.terminationStatus, stdout: String(decoding: outData, as: UTF8.self),
            stderr: String(decoding: errData, as: UTF8.self), seconds: seconds)
    }
}

/// A scratch directory removed when the test ends.
final class Scratch {
    let path: String

    init() throws {
        path = NSTemporaryDirectory() + "molt-hostile-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    /// Writes `text` to `name` inside the directory and returns its full path.
    @discardableResult
    func write(_ name: String, _ text: String) throws -> String {
        let file = "\(path)/\(name)"
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        return file
    }
}
