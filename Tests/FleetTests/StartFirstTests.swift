import DockerEngine
import Foundation
import Inventory
import MoltTestSupport
import Testing

extension LabFleetTests {
    /// Issue 9's "start-first has zero failed probes", on real parts: a service on lab1's host
    /// network that shares its port with a second copy (the web image's reuseport-httpd, with
    /// SO_REUSEPORT; the lab sets net.ipv4.tcp_migrate_req=1 in every host), rolled start-first
    /// while this test asks it for its release every 20 ms from this machine.
    @Suite("start-first on a shared host port on the lab fleet")
    struct StartFirstTests {
        static let name = "sf-reuseport"
        static let port = 8091

        @Test("start-first of a SO_REUSEPORT service on host networking: not one probe fails, 2.0 takes over from 1.0, the old copy ends stopped (exit 0) as NAME.molt-prev")
        func zeroFailedProbes() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            let docker = try fixture.docker("lab1")
            try await Self.removeService(docker)

            let oldID = try await docker.createContainer(name: Self.name, body: [
                "Image": .string(RolloutFixture.web1),
                "Cmd": ["/app/reuseport-httpd"],
                "Env": .array([.string("PORT=\(Self.port)")]),
                // The copy itself, through a Unix socket in its own /tmp: over the shared port the
                // other copy could answer for it.
                "Healthcheck": ["Test": ["CMD", "/app/reuseport-httpd", "check"], "Interval": 500_000_000, "Timeout": 2_000_000_000, "Retries": 3],
                "HostConfig": ["NetworkMode": "host"],
            ])
            _ = try await docker.startContainer(oldID)
            try await Self.waitUntilHealthy(docker, oldID)

            let playbook = try fixture.scratch.write("sf-reuseport.yml", """
                name: \(Self.name)
                hosts: lab1
                container: \(Self.name)
                image: \(RolloutFixture.web2)
                order: start-first
                health: {docker: true, interval: 500ms, timeout: 30s, stable: 0s}
                batches: ["100%"]
                stop_timeout: 10s
                retain: 1
                """)
            let probe = VersionProbe(host: try lab.host("lab1").address, port: Self.port)
            probe.start()
            try await Task.sleep(for: .milliseconds(300))
            let result = try await fixture.molt("rollout", playbook, "--yes")
            try await Task.sleep(for: .milliseconds(500))
            let answers = await probe.stop()

            let live = try await docker.inspectContainer(Self.name)
            let previous = try await docker.container(named: "\(Self.name).molt-prev")
            // Gone before anything is asserted, so a failure here leaves no stray for the tests after.
            try await Self.removeService(docker)

            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(result.stdout.contains("creating \(Self.name).molt-next"), "\(result.stdout)")
            let failed = answers.filter { $0.release == nil }
            #expect(answers.count >= 50, "only \(answers.count) probes")
            #expect(failed.isEmpty, "\(failed.count) of \(answers.count) probes failed: \(failed.prefix(10).map { "\($0.at) s: \($0.detail)" })")
            let releases = answers.compactMap(\.release)
            #expect(releases.first == "1.0", "\(releases.prefix(5))")
            #expect(releases.suffix(10).allSatisfy { $0 == "2.0" }, "\(releases.suffix(10))")
            let old = try #require(releases.lastIndex(of: "1.0"))
            let new = try #require(releases.firstIndex(of: "2.0"))
            print("start-first on a shared port: \(answers.count) probes, \(failed.count) failed; 1.0 answered \(releases.filter { $0 == "1.0" }.count) times, 2.0 \(releases.filter { $0 == "2.0" }.count); both answered from probe \(new) to probe \(old)")

            #expect(live.id != oldID)
            #expect(live.configImage == RolloutFixture.web2)
            #expect(live.state.health?.status == "healthy")
            #expect(previous?.id == oldID)
            #expect(previous?.state.running == false)
            // It closed its socket on SIGTERM and exited by itself, before Docker's SIGKILL.
            #expect(previous?.state.exitCode == 0, "\(String(describing: previous?.state))")
        }

        /// Removes the service's containers (and their anonymous /data volumes) and its lock.
        static func removeService(_ docker: DockerClient) async throws {
            for container in try await docker.listContainers(all: true)
            where container.name == name || container.name.hasPrefix("\(name).molt-") || container.name == "molt-lock.\(name)" {
                try await docker.removeContainer(container.id, force: true, volumes: true)
            }
        }

        static func waitUntilHealthy(_ docker: DockerClient, _ id: String) async throws {
            let deadline = ContinuousClock.now + .seconds(30)
            while ContinuousClock.now < deadline {
                if try await docker.inspectContainer(id).state.health?.status == "healthy" { return }
                try await Task.sleep(for: .milliseconds(100))
            }
            throw LabMissing(message: "\(name) on web 1.0 did not become healthy within 30 s")
        }
    }
}

/// Asks `GET /version` of `host:port` every 20 ms on a thread of its own, a new connection each
/// time and never retried, until stopped. A probe fails when the connection is refused or
/// reset, or when no 200 answer comes within 1 s (a deadline wide enough that a loaded
/// machine's scheduling is no failure; a service that goes away fails at once).
final class VersionProbe: @unchecked Sendable {
    struct Answer: Sendable {
        /// Seconds since the probe started.
        var at: Double
        /// The release that answered; nil for a failed probe.
        var release: String?
        var detail: String
    }

    private let host: String
    private let port: Int
    private let lock = NSLock()
    private var answers: [Answer] = []
    private var stopping = false
    private var finished: CheckedContinuation<Void, Never>?
    private var done = false

    init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    func start() {
        Thread.detachNewThread { [self] in
            let started = ContinuousClock.now
            var next = started
            while !lock.withLock({ stopping }) {
                let at = ContinuousClock.now - started
                let answer = Self.ask(host: host, port: port)
                lock.withLock {
                    answers.append(Answer(at: Double(at.components.seconds) + Double(at.components.attoseconds) / 1e18,
                                          release: answer.release, detail: answer.detail))
                }
                next += .milliseconds(20)
                let now = ContinuousClock.now
                if next > now {
                    let wait = (next - now).components
                    Thread.sleep(forTimeInterval: Double(wait.seconds) + Double(wait.attoseconds) / 1e18)
                } else {
                    next = now
                }
            }
            let waiting = lock.withLock { () -> CheckedContinuation<Void, Never>? in
                done = true
                return finished
            }
            waiting?.resume()
        }
    }

    /// Stops the probe and returns every answer, in order.
    func stop() async -> [Answer] {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let resumeNow = lock.withLock { () -> Bool in
                stopping = true
                if done { return true }
                finished = continuation
                return false
            }
            if resumeNow { continuation.resume() }
        }
        return lock.withLock { answers }
    }

    /// One probe: the body of a 200 answer, or why there was none.
    private static func ask(host: String, port: Int) -> (release: String?, detail: String) {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return (nil, "socket: errno \(errno)") }
        defer { close(fd) }
        // On Linux SO_SNDTIMEO bounds connect() too.
        var limit = timeval(tv_sec: 1, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        guard inet_pton(AF_INET, host, &address.sin_addr) == 1 else { return (nil, "bad address \(host)") }
        let connected = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard connected == 0 else { return (nil, "connect: \(String(cString: strerror(errno)))") }
        let request = Array("GET /version HTTP/1.0\r\nHost: \(host)\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else {
            return (nil, "send: \(String(cString: strerror(errno)))")
        }
        var reply: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 4096)
        while reply.count < 65536 {
            let got = buffer.withUnsafeMutableBytes { recv(fd, $0.baseAddress, $0.count, 0) }
            if got < 0 { return (nil, "recv: \(String(cString: strerror(errno))) after \(reply.count) bytes") }
            if got == 0 { break }
            reply += buffer[..<got]
        }
        let text = String(decoding: reply, as: UTF8.self)
        guard text.hasPrefix("HTTP/1.0 200 ") || text.hasPrefix("HTTP/1.1 200 "),
              let body = text.range(of: "\r\n\r\n").map({ text[$0.upperBound...] }) else {
            return (nil, "answer: \(text.prefix(40))")
        }
        return (body.trimmingCharacters(in: .whitespacesAndNewlines), "ok")
    }
}
