import Durations
import Foundation

/// A Docker credential helper, `docker-credential-NAME`, run as the Docker CLI runs it:
/// `docker-credential-NAME get` with the server address on standard input, answering
/// `{"ServerURL", "Username", "Secret"}` on standard output.
struct CredentialHelper: Sendable {
    /// `NAME` of `docker-credential-NAME`.
    var name: String
    /// Why this helper is asked (`credHelpers "reg:5000"`, `credsStore`), for messages.
    var reason: String
    /// The `config.json` that names it.
    var configPath: String

    /// What the helpers answer when they hold nothing for the server (docker-credential-helpers'
    /// `ErrCredentialsNotFound`): anonymous, not a failure.
    static let notFoundMessage = "credentials not found in native keychain"

    var program: String { "docker-credential-" + name }

    /// The helper's credentials for `serverAddress`, or `nil` when it has none.
    ///
    /// Runs on a thread of its own: waiting for a child process must not hold one of the
    /// threads every task shares.
    func get(serverAddress: String, registry: String, environment: [String: String], timeout: Duration) async throws(RegistryCredentialError) -> RegistryAuth? {
        let failure = { (message: String) in
            RegistryCredentialError(source: "\(program) (\(reason) in \(configPath))", registry: registry, message)
        }
        guard let executable = Self.find(program, path: environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin") else {
            throw failure("\(program) is not on PATH: install it, or remove it from \(configPath)")
        }
        let run: HelperRun
        do {
            run = try await withCheckedThrowingContinuation { continuation in
                Thread.detachNewThread {
                    continuation.resume(with: Result {
                        try Self.runBlocking(executable, input: serverAddress, environment: environment, timeout: timeout)
                    })
                }
            }
        } catch {
            throw failure("could not be started: \(error)")
        }
        if run.timedOut {
            throw failure("\(program) get did not answer within \(timeout); it was stopped")
        }
        let output = String(decoding: run.stdout, as: UTF8.self).trimmingWhitespace()
        guard run.status == 0 else {
            if output == Self.notFoundMessage { return nil }
            let said = output.isEmpty ? String(decoding: run.stderr, as: UTF8.self).trimmingWhitespace() : output
            throw failure("\(program) get failed (exit \(run.status))" + (said.isEmpty ? "" : ": \(Self.firstLine(said))"))
        }
        // The answer holds the secret: never quote it in a message.
        guard let answer = try? JSONValue(json: Array(run.stdout)), answer.objectValue != nil else {
            throw failure("\(program) get answered something other than {\"ServerURL\", \"Username\", \"Secret\"} JSON")
        }
        let username = answer["Username"]?.stringValue ?? ""
        let secret = answer["Secret"]?.stringValue ?? ""
        if secret.isEmpty { return nil }
        // `<token>` as the user name means the secret is an identity token (docker-credential-helpers).
        if username == "<token>" { return RegistryAuth(identityToken: secret, serverAddress: serverAddress) }
        guard !username.isEmpty else {
            throw failure("\(program) get answered a secret without a Username")
        }
        return RegistryAuth(username: username, password: secret, serverAddress: serverAddress)
    }

    // MARK: - Private

    private struct HelperRun: Sendable {
        var status: Int32
        var stdout: Data
        var stderr: Data
        var timedOut: Bool
    }

    private static func find(_ program: String, path: String) -> String? {
        for directory in path.split(separator: ":", omittingEmptySubsequences: true) {
            let candidate = "\(directory)/\(program)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }

    private static func firstLine(_ text: String) -> String {
        let line = text.split(whereSeparator: \.isNewline).first.map(String.init) ?? text
        return line.count > 300 ? String(line.prefix(300)) + "…" : line
    }

    /// Runs the helper to its end on the calling thread, or kills it, with every process it
    /// started (it leads a process group of its own), at `timeout`.
    private static func runBlocking(_ executable: String, input: String, environment: [String: String], timeout: Duration) throws -> HelperRun {
        var stdin: [Int32] = [-1, -1], stdout: [Int32] = [-1, -1], stderr: [Int32] = [-1, -1]
        defer { for fd in stdin + stdout + stderr where fd >= 0 { close(fd) } }
        for index in 0..<3 {
            // Socket pairs, close-on-exec from the start (Glibc's module has no pipe2): a
            // program another thread spawns meanwhile must never hold an end.
            let type = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
            let created = index == 0 ? socketpair(AF_UNIX, type, 0, &stdin) : index == 1 ? socketpair(AF_UNIX, type, 0, &stdout) : socketpair(AF_UNIX, type, 0, &stderr)
            guard created == 0 else { throw SpawnError(call: "socketpair", code: errno) }
        }
        // The address is written before the helper starts, into the pipe's buffer: a helper
        // that exits without reading it can then never raise SIGPIPE here.
        let bytes = Array(input.utf8)
        guard bytes.count < 4096, write(stdin[1], bytes, bytes.count) == bytes.count else { throw SpawnError(call: "write", code: errno) }
        close(stdin[1])
        stdin[1] = -1

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_adddup2(&actions, stdin[0], 0)
        posix_spawn_file_actions_adddup2(&actions, stdout[1], 1)
        posix_spawn_file_actions_adddup2(&actions, stderr[1], 2)
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETSIGMASK))
        posix_spawnattr_setpgroup(&attributes, 0)
        var defaults = sigset_t()
        sigemptyset(&defaults)
        for signal in [SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGQUIT, SIGCHLD] { sigaddset(&defaults, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaults)
        var unblocked = sigset_t()
        sigemptyset(&unblocked)
        posix_spawnattr_setsigmask(&attributes, &unblocked)

        let arguments: [UnsafeMutablePointer<CChar>?] = [executable, "get"].map { (text: String) in strdup(text) } + [nil]
        let variables: [UnsafeMutablePointer<CChar>?] = environment.map { (entry: (key: String, value: String)) in strdup(entry.key + "=" + entry.value) } + [nil]
        defer { for pointer in arguments + variables { free(pointer) } }
        var pid: pid_t = 0
        var spawned = posix_spawn(&pid, executable, &actions, &attributes, arguments, variables)
        // A helper just written (by an installer, a test) may still be open for writing in a
        // process another thread is starting: the kernel then refuses to run it for a moment.
        for _ in 0..<20 where spawned == ETXTBSY {
            usleep(50_000)
            spawned = posix_spawn(&pid, executable, &actions, &attributes, arguments, variables)
        }
        guard spawned == 0 else { throw SpawnError(call: "posix_spawn", code: spawned) }
        // The helper holds its ends now; ours must go, or the pipes never reach their ends.
        for fd in [stdin[0], stdout[1], stderr[1]] { close(fd) }
        stdin[0] = -1
        stdout[1] = -1
        stderr[1] = -1

        // Read both pipes to their ends, killing the helper's process group at the deadline
        // (and giving up on a pipe some stray process keeps open two seconds after that).
        let deadline = ContinuousClock.now + timeout
        var timedOut = false
        var outputs: [[UInt8]] = [[], []]
        var open = [stdout[0], stderr[0]]
        var buffer = [UInt8](repeating: 0, count: 4096)
        while open.contains(where: { $0 >= 0 }) {
            let now = ContinuousClock.now
            if now >= deadline && !timedOut {
                timedOut = true
                kill(-pid, SIGKILL)
            }
            if timedOut && now >= deadline + .seconds(2) { break }
            var fds = open.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
            let wait = timedOut ? deadline + .seconds(2) - now : deadline - now
            let milliseconds = Int32(clamping: max(1, wait.milliseconds))
            let ready = poll(&fds, nfds_t(fds.count), milliseconds)
            if ready < 0 {
                if errno == EINTR { continue }
                throw SpawnError(call: "poll", code: errno)
            }
            for index in fds.indices where fds[index].fd >= 0 && fds[index].revents != 0 {
                let count = read(fds[index].fd, &buffer, buffer.count)
                if count > 0 {
                    // A helper's answer is small; more is not a helper's answer.
                    if outputs[index].count < 1 << 20 { outputs[index] += buffer[0..<count] }
                } else if count == 0 || (errno != EINTR && errno != EAGAIN) {
                    open[index] = -1
                }
            }
        }
        if timedOut { kill(-pid, SIGKILL) }
        // A helper that closed its output may still take its time to exit: the deadline holds.
        var status: Int32 = 0
        while true {
            let reaped = waitpid(pid, &status, WNOHANG)
            if reaped == pid { break }
            if reaped < 0 && errno != EINTR { throw SpawnError(call: "waitpid", code: errno) }
            if ContinuousClock.now >= deadline && !timedOut {
                timedOut = true
                kill(-pid, SIGKILL)
            }
            usleep(5_000)
        }
        let exited = status & 0x7F == 0
        return HelperRun(status: exited ? (status >> 8) & 0xFF : 128 + status & 0x7F,
                         stdout: Data(outputs[0]), stderr: Data(outputs[1]), timedOut: timedOut)
    }

    private struct SpawnError: Error, CustomStringConvertible {
        var call: String
        var code: Int32
        var description: String { "\(call): \(String(cString: strerror(code)))" }
    }
}
