import Foundation

/// OpenSSH's own resolution: `ssh -G -F CONFIG ARGS HOST`, run with `HOME` set to the fixture so
/// that `~/.ssh` includes resolve inside it. `-G` prints the configuration and touches no
/// network as long as no `Match exec` and no canonicalisation are involved.
enum SSHDashG {
    static let executable = "/usr/bin/ssh"

    static var isAvailable: Bool { FileManager.default.isExecutableFile(atPath: executable) }

    /// Each keyword `ssh -G` prints with its values, in order.
    static func run(_ fixture: ConfigFixture, host: String, config: String = "config", arguments: [String] = []) throws -> [String: [String]] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = ["-G", "-F", fixture.path(config)] + arguments + [host]
        var environment = ProcessInfo.processInfo.environment
        environment["HOME"] = fixture.directory
        process.environment = environment
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        let errorText = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw Failure(message: "ssh -G failed (\(process.terminationStatus)): \(errorText)")
        }
        var values: [String: [String]] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            let parts = line.split(separator: " ", maxSplits: 1)
            values[String(parts[0]), default: []].append(parts.count > 1 ? String(parts[1]) : "")
        }
        return values
    }

    struct Failure: Error, CustomStringConvertible {
        var message: String
        var description: String { message }
    }
}
