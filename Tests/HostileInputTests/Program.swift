import Foundation
import MoltTestSupport

/// Runs the built `molt` executable the way an operator would, under an address-space limit,
/// and measures how long it took.
enum Program {
    typealias Result = ChildProcess.Result

    /// The address space `molt` may use: 1 GiB, as the promise says.
    static let addressSpace = 1 << 30

    /// CPU seconds `molt` may use before the kernel stops it (SIGXCPU): a hostile file must be
    /// refused in under a second of work.
    static let cpuSeconds = 1

    /// Runs `molt ARGUMENTS` in `directory` with a clean environment (plus `added`) whose home
    /// and state directories are `directory`, under `prlimit --as --cpu`; the seconds include the wrapper.
    static func molt(_ arguments: [String], in directory: String, adding added: [String: String] = [:]) async throws -> Result {
        var environment = ProcessInfo.processInfo.environment
        for name in ["MOLT_INVENTORY", "MOLT_JOURNAL", "SSH_AUTH_SOCK", "PGPASSWORD", "PGPASSFILE"] { environment[name] = nil }
        environment.merge(added) { $1 }
        environment["HOME"] = directory
        environment["XDG_STATE_HOME"] = directory + "/state"
        return try await ChildProcess.run(["/usr/bin/prlimit", "--as=\(addressSpace)", "--cpu=\(cpuSeconds)", "--", executable] + arguments,
                                          environment: environment, directory: directory)
    }

    /// The `molt` executable built beside the test bundle.
    static var executable: String {
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
        return ChildProcess.builtMolt(repository: repository.path)
    }
}

/// A scratch directory removed when the test ends.
typealias Scratch = TemporaryDirectory
