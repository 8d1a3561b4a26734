/// What a command run with ``DockerClient/exec(in:command:user:timeout:)`` printed, and how it ended.
public struct ExecResult: Sendable, Hashable {
    /// The command's exit code.
    public var exitCode: Int
    /// Standard output, as bytes: the command may print binary data.
    public var stdout: [UInt8]
    /// Standard error, as bytes.
    public var stderr: [UInt8]

    /// A result given field by field, for tests and fakes.
    public init(exitCode: Int, stdout: [UInt8] = [], stderr: [UInt8] = []) {
        self.exitCode = exitCode
        self.stdout = stdout
        self.stderr = stderr
    }

    /// Whether the command exited with 0.
    public var succeeded: Bool { exitCode == 0 }

    /// Standard output as UTF-8 text.
    public var stdoutText: String { String(decoding: stdout, as: UTF8.self) }

    /// Standard error as UTF-8 text.
    public var stderrText: String { String(decoding: stderr, as: UTF8.self) }
}
