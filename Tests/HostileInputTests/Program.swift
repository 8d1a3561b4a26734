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

    /// Runs `molt ARGUMENTS` in `directory` with a clean environment whose home and state
    /// directories are `directory`, under `prlimit --as --cpu`; the seconds include the wrapper.
    static func molt(_ arguments: [String], in directory: String) async throws -> Result {
        var environment = ProcessInfo.processInfo.environment
        environment["MOLT_INVENTORY"] = nil
        environment["SSH_AUTH_SOCK"] = nil
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
