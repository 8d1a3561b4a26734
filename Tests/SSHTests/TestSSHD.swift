import Foundation
import MoltTestSupport
import Synchronization
import SSH

#if canImport(Glibc)
import Glibc
#endif

/// A real OpenSSH server on a loopback address and a free port, started for one test and
/// stopped by its PID: root logs in with the keys it is given, forwarding is allowed.
final class TestSSHD: @unchecked Sendable {
    let address: String
    let port: Int
    let pid: pid_t
    /// sshd's log (`-e`, `LogLevel DEBUG1`).
    let logPath: String
    /// The host's public key as `type base64`.
    let hostKey: String
    /// The directory its files are in.
    let directory: String

    /// The loopback network of this test process: `127.0.0.N` in a test stands for `127.A.B.N`,
    /// A and B drawn once per process, so that servers other processes start on loopback
    /// (other test runs, the lab) never answer in place of these.
    static let network: String = "127.\(Int.random(in: 64...250)).\(Int.random(in: 1...250))."

    /// The address `127.0.0.N` stands for in this process.
    static func loopback(_ address: String) -> String {
        address.hasPrefix("127.0.0.") ? network + address.dropFirst("127.0.0.".count) : address
    }

    /// Starts sshd on `loopback(address)`; returns once it listens.
    static func start(
        address: String, in scratch: TemporaryDirectory, authorizing keys: [String], name: String? = nil,
        hostKeyType: String = "ed25519", extraConfig: String = ""
    ) async throws -> TestSSHD {
        let address = loopback(address)
        let name = name ?? "sshd-\(address)"
        let directory = scratch.path + "/" + name
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let hostKeyPath = directory + "/host_\(hostKeyType)"
        try await Run.checked(["/usr/bin/ssh-keygen", "-q", "-t", hostKeyType, "-N", "", "-f", hostKeyPath])
        var authorized = ""
        for key in keys { authorized += try String(contentsOfFile: key + ".pub", encoding: .utf8) }
        try Data(authorized.utf8).write(to: URL(fileURLWithPath: directory + "/authorized_keys"))
        let config = """
            HostKey \(hostKeyPath)
            AuthorizedKeysFile \(directory)/authorized_keys
            StrictModes no
            PermitRootLogin prohibit-password
            PidFile none
            PasswordAuthentication no
            KbdInteractiveAuthentication no
            UsePAM no
            AllowTcpForwarding yes
            LogLevel DEBUG1
            \(extraConfig.replacingOccurrences(of: "$DIR", with: directory))

            """
        try Data(config.utf8).write(to: URL(fileURLWithPath: directory + "/sshd_config"))
        // sshd's privilege separation directory: /run is emptied at boot, and only the lab
        // (`scripts/lab up`) makes it otherwise.
        try FileManager.default.createDirectory(
            atPath: "/run/sshd", withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let port = try freePort(address)
        let logPath = directory + "/log"
        _ = FileManager.default.createFile(atPath: logPath, contents: nil)
        let pid = try Spawn.start(
            ["/usr/sbin/sshd", "-D", "-e", "-f", directory + "/sshd_config", "-o", "ListenAddress=\(address)", "-p", String(port)],
            log: logPath)
        let hostKey = try String(contentsOfFile: hostKeyPath + ".pub", encoding: .utf8)
            .split(separator: " ").prefix(2).joined(separator: " ")
        let server = TestSSHD(address: address, port: port, pid: pid, logPath: logPath, hostKey: hostKey, directory: directory)
        let deadline = ContinuousClock.now + .seconds(10)
        while !server.log.contains("Server listening on") {
            guard !server.log.contains("Cannot bind"), ContinuousClock.now < deadline else {
                throw TestFailure("sshd on \(address):\(port) did not start: \(server.log)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return server
    }

    private init(address: String, port: Int, pid: pid_t, logPath: String, hostKey: String, directory: String) {
        self.address = address
        self.port = port
        self.pid = pid
        self.logPath = logPath
        self.hostKey = hostKey
        self.directory = directory
    }

    deinit {
        stopNow(SIGTERM)
        Spawn.reapLater(pid)
    }

    var log: String { (try? String(contentsOfFile: logPath, encoding: .utf8)) ?? "" }

    /// How many logins the server accepted.
    var logins: Int { log.components(separatedBy: "Accepted publickey").count - 1 }

    /// The known_hosts line for this server (`[address]:port type key`).
    var knownHostsLine: String { "[\(address)]:\(port) \(hostKey)" }

    /// Stops the server and every connection it serves at once (SIGKILL, by PID): what a
    /// host that dies looks like.
    func kill() { stopNow(SIGKILL) }

    private func stopNow(_ signal: Int32) {
        for child in Self.children(of: pid) { Glibc.kill(child, signal) }
        Glibc.kill(pid, signal)
    }

    /// The processes whose parent is `pid` (sshd's per-connection processes).
    private static func children(of pid: pid_t) -> [pid_t] {
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: "/proc") else { return [] }
        return entries.compactMap { entry -> pid_t? in
            guard let child = pid_t(entry),
                let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { return nil }
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 1 && pid_t(fields[1]) == pid ? child : nil
        }
    }

    private static func freePort(_ address: String) throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var addr = sockaddr_in()
        addr.sin_family = sa_family_t(AF_INET)
        addr.sin_port = 0
        inet_pton(AF_INET, address, &addr.sin_addr)
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &addr) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        guard bound else { throw TestFailure("no free port on \(address)") }
        return Int(UInt16(bigEndian: addr.sin_port))
    }
}

/// A test's own failure, with its reason.
struct TestFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

/// Runs programs to their end on a thread of their own (never on the threads async code shares).
enum Run {
    struct Result: Sendable {
        var status: Int32
        var output: String
    }

    static func run(_ arguments: [String], environment: [String: String]? = nil) async throws -> Result {
        try await withCheckedThrowingContinuation { (done: CheckedContinuation<Result, any Error>) in
            Thread.detachNewThread {
                var ends: [Int32] = [-1, -1]
                // Close-on-exec: a server another test starts meanwhile must not hold the
                // write end, or this read would wait for that server's end.
                guard socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0, &ends) == 0 else { return done.resume(throwing: TestFailure("pipe failed")) }
                let pid: pid_t
                do {
                    pid = try Spawn.start(arguments, environment: environment, outputFD: ends[1])
                } catch {
                    close(ends[0])
                    close(ends[1])
                    return done.resume(throwing: error)
                }
                close(ends[1])
                var output: [UInt8] = []
                var chunk = [UInt8](repeating: 0, count: 4096)
                while true {
                    let count = read(ends[0], &chunk, chunk.count)
                    if count < 0 && errno == EINTR { continue }
                    if count <= 0 { break }
                    output += chunk[..<count]
                }
                close(ends[0])
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                let code = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
                done.resume(returning: Result(status: code, output: String(decoding: output, as: UTF8.self)))
            }
        }
    }

    @discardableResult
    static func checked(_ arguments: [String], environment: [String: String]? = nil) async throws -> String {
        let result = try await run(arguments, environment: environment)
        guard result.status == 0 else { throw TestFailure("\(arguments.joined(separator: " ")) failed: \(result.output)") }
        return result.output
    }

    /// A new ed25519 key pair at `path` (and `path.pub`), encrypted with `passphrase` if given.
    static func keygen(_ path: String, passphrase: String = "", type: String = "ed25519") async throws {
        try await checked(["/usr/bin/ssh-keygen", "-q", "-t", type, "-N", passphrase, "-f", path, "-C", "test"])
    }
}

/// An ssh-agent for one test, on its own socket, stopped by its PID.
final class TestAgent: @unchecked Sendable {
    let socket: String
    private let pid: pid_t

    init(in scratch: TemporaryDirectory) async throws {
        socket = scratch.path + "/agent.sock"
        pid = try Spawn.start(["/usr/bin/ssh-agent", "-D", "-a", socket], log: "/dev/null")
        let deadline = ContinuousClock.now + .seconds(5)
        while !FileManager.default.fileExists(atPath: socket) {
            guard ContinuousClock.now < deadline else { throw TestFailure("ssh-agent did not start") }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    private let stopped = Mutex(false)

    deinit { stop() }

    /// Stops the agent (once). Tests call it in a `defer` right after starting it: the agent
    /// must outlive every use of its socket, which the object's own lifetime does not promise
    /// (Swift may release it after its last use, and a session still talking to a killed
    /// agent would get SIGPIPE).
    func stop() {
        guard stopped.withLock({ done in defer { done = true }; return !done }) else { return }
        kill(pid, SIGTERM)
        Spawn.reapLater(pid)
    }

    /// Adds a key, answering its passphrase through an askpass script (no terminal needed).
    func add(_ key: String, passphrase: String = "", scratch: TemporaryDirectory) async throws {
        let askpass = "\(scratch.path)/askpass-\(UUID().uuidString).sh"
        try writeExecutable(askpass, "#!/bin/sh\necho '\(passphrase)'\n")
        var environment = ProcessInfo.processInfo.environment
        environment["SSH_AUTH_SOCK"] = socket
        environment["SSH_ASKPASS"] = askpass
        environment["SSH_ASKPASS_REQUIRE"] = "force"
        environment["DISPLAY"] = ":0"
        // A process another test spawns in the instant the script is open for writing holds
        // it until that process execs, and the script cannot be run meanwhile ("Text file busy").
        for attempt in 1... {
            let result = try await Run.run(["/usr/bin/setsid", "/usr/bin/ssh-add", key], environment: environment)
            if result.status == 0 { return }
            guard attempt < 5, result.output.contains("Text file busy") else {
                throw TestFailure("ssh-add \(key) failed: \(result.output)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
    }
}

/// Processes started with `posix_spawn` and reaped by PID: Foundation's `Process` cannot be
/// trusted to notice short-lived children while a long-lived one (sshd) is still running.
enum Spawn {
    /// Starts `arguments[0]`; standard input from /dev/null, output and errors to `log` (a
    /// file, appended) or to `outputFD`.
    static func start(
        _ arguments: [String], environment: [String: String]? = nil, log: String? = nil, outputFD: Int32? = nil
    ) throws -> pid_t {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        if let outputFD {
            posix_spawn_file_actions_adddup2(&actions, outputFD, 1)
            posix_spawn_file_actions_adddup2(&actions, outputFD, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, log ?? "/dev/null", O_WRONLY | O_APPEND | O_CREAT, 0o600)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        let environment = environment ?? ProcessInfo.processInfo.environment
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = environment.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer {
            for pointer in argv { free(pointer) }
            for pointer in envp { free(pointer) }
        }
        // The child starts with no signal blocked and default dispositions: a test thread
        // may block SIGTERM, and a blocked mask would outlive exec (the child would never stop).
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t()
        sigemptyset(&none)
        var all = sigset_t()
        sigfillset(&all)
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &all)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, arguments[0], &actions, &attributes, &argv, &envp)
        guard rc == 0 else { throw TestFailure("cannot start \(arguments[0]): \(String(cString: strerror(rc)))") }
        return pid
    }

    /// Reaps `pid` on a thread of its own once it has exited.
    static func reapLater(_ pid: pid_t) {
        Thread.detachNewThread {
            var status: Int32 = 0
            while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
        }
    }
}

/// A script only this user may run, written as MoltTestSupport writes every test script.
func writeExecutable(_ path: String, _ text: String) throws {
    try MoltTestSupport.writeExecutable(path, text, mode: 0o700, exclusive: true)
}
