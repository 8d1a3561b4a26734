import Fleet
import Foundation
public import SSH

/// Runs commands on a host itself, as the SSH user: how molt asks the host's own tools
/// (`docker-compose`) what they would do, where the Docker API cannot say.
public protocol HostShell: Sendable {
    /// Runs `command` (a shell command line) and collects what it printed and its status.
    func run(_ command: String, timeout: Duration) async throws -> HostCommandResult
}

/// What a command run on a host left behind.
public struct HostCommandResult: Sendable, Hashable {
    /// The exit status; -1 when the host did not say.
    public var status: Int
    public var stdout: String
    public var stderr: String

    public init(status: Int, stdout: String = "", stderr: String = "") {
        self.status = status
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// Commands over the host's SSH session, speaking to the Docker engine molt speaks to:
/// `DOCKER_HOST` names the host's `docker_socket`.
public struct SSHShell: HostShell {
    public let session: SSHSession
    /// The engine's socket on the host.
    public let dockerSocket: String

    public init(session: SSHSession, dockerSocket: String) {
        self.session = session
        self.dockerSocket = dockerSocket
    }

    public func run(_ command: String, timeout: Duration) async throws -> HostCommandResult {
        let line = "DOCKER_HOST=" + ShellQuoting.quote("unix://" + dockerSocket) + " " + command
        let result = try await session.exec(line, timeout: timeout)
        return HostCommandResult(status: result.exitStatus, stdout: String(decoding: result.stdout, as: UTF8.self),
                                 stderr: String(decoding: result.stderr, as: UTF8.self))
    }
}

/// POSIX shell quoting for command lines molt sends to a host.
public enum ShellQuoting {
    /// `text` as one shell word: single-quoted unless it is plainly safe.
    public static func quote(_ text: String) -> String {
        let safe = !text.isEmpty && text.unicodeScalars.allSatisfy {
            CharacterSet.alphanumerics.contains($0) && $0.isASCII || "-_./:=,@%+".unicodeScalars.contains($0)
        }
        return safe ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    /// The words as one command line.
    public static func line(_ words: [String]) -> String {
        words.map(quote).joined(separator: " ")
    }
}
