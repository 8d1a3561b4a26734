import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A `ProxyCommand` running: `/bin/sh -c COMMAND` with its standard input and output on one
/// end of a socketpair, whose other end carries the SSH session.
///
/// Its standard error goes to an unlinked temporary file, so it can never block on a full
/// pipe, and its last lines explain a failure. The command runs in a process group of its
/// own, so a Ctrl-C at the terminal reaches molt (which finishes cleanly) and not the
/// stream under its sessions. It is stopped and reaped by PID when the session ends, on the
/// session's own thread.
final class ProxyCommand: Sendable {
    /// The command line, as given.
    let command: String
    let pid: pid_t
    /// The session's end of the socketpair (non-blocking); the session owns it.
    let socket: Int32
    private let stderrFD: Int32

    /// Starts the command.
    /// - Throws: `SSHError` when the socketpair, the log file or the process cannot be made.
    init(command: String, label: String) throws(SSHError) {
        self.command = command
        var ends: [Int32] = [-1, -1]
        guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else {
            throw SSHError(.other, host: label, "ProxyCommand: socketpair() failed: \(errnoText())")
        }
        // Close-on-exec from the start (Glibc's module has no mkostemp), a name of its own.
        let path = NSTemporaryDirectory() + "/molt-proxy-\(UInt64.random(in: 0...UInt64.max))"
        let log = open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        guard log >= 0 else {
            close(ends[0])
            close(ends[1])
            throw SSHError(.other, host: label, "ProxyCommand: cannot create a file for its errors: \(errnoText())")
        }
        unlink(path)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, ends[1], 0)
        posix_spawn_file_actions_adddup2(&actions, ends[1], 1)
        posix_spawn_file_actions_adddup2(&actions, log, 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP, SIGQUIT] { sigaddset(&defaults, signal) }
        var empty = sigset_t()
        sigemptyset(&empty)
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        posix_spawnattr_setsigmask(&attributes, &empty)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETPGROUP))

        var child: pid_t = 0
        let arguments = ["/bin/sh", "-c", command]
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        let rc = posix_spawn(&child, "/bin/sh", &actions, &attributes, &argv, environ)
        close(ends[1])
        guard rc == 0 else {
            close(ends[0])
            close(log)
            throw SSHError(.other, host: label, "ProxyCommand `\(command)` could not be started: \(String(cString: strerror(rc)))")
        }
        _ = fcntl(ends[0], F_SETFL, fcntl(ends[0], F_GETFL) | O_NONBLOCK)
        pid = child
        socket = ends[0]
        stderrFD = log
    }

    /// The last lines the command wrote to its standard error, joined with "; ", or `nil`.
    func errorTail(lines: Int = 3) -> String? {
        var status = stat()
        guard fstat(stderrFD, &status) == 0, status.st_size > 0 else { return nil }
        let length = min(Int(status.st_size), 4096)
        var bytes = [UInt8](repeating: 0, count: length)
        let count = bytes.withUnsafeMutableBytes { pread(stderrFD, $0.baseAddress, length, off_t(status.st_size) - off_t(length)) }
        guard count > 0 else { return nil }
        let text = String(decoding: bytes[..<count], as: UTF8.self)
        let tail = text.split(whereSeparator: \.isNewline).suffix(lines).map { $0.trimmingCharacters(in: .whitespaces) }
        return tail.isEmpty ? nil : tail.joined(separator: "; ")
    }

    /// Stops the command (SIGTERM, then SIGKILL after a second) and reaps it. Blocks for at
    /// most about a second: call it on a session thread, never from async code.
    func stop() {
        var status: Int32 = 0
        if waitpid(pid, &status, WNOHANG) == 0 {
            kill(pid, SIGTERM)
            let deadline = ContinuousClock.now + .seconds(1)
            var reaped = false
            while ContinuousClock.now < deadline {
                if waitpid(pid, &status, WNOHANG) != 0 {
                    reaped = true
                    break
                }
                usleep(10_000)
            }
            if !reaped {
                kill(pid, SIGKILL)
                _ = waitpid(pid, &status, 0)
            }
        }
        close(stderrFD)
    }
}
