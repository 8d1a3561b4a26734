import DockerEngine
import Fleet
import Foundation
import Playbook
import SSH

/// Waits for a container to become healthy by every check the service asks for, and to
/// stay healthy for `stable` (SPEC §3 `health`).
///
/// HTTP and TCP probes go to `127.0.0.1:PORT` on the host, through the host's SSH session,
/// so nothing needs to be reachable from the coordinator. A container that exits, restarts
/// or that Docker calls unhealthy fails at once rather than at the deadline.
struct HealthCheck: Sendable {
    let spec: HealthSpec
    let connection: HostConnection
    /// Whether the container's image defines a HEALTHCHECK (the default of `docker:`).
    let imageHasHealthcheck: Bool

    /// Returns when healthy and stable; throws `HealthFailure` with the reason otherwise.
    func waitUntilHealthy(_ container: String) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + spec.timeout
        var healthySince: ContinuousClock.Instant?
        var lastReason = "no check has run yet"
        var restartCount: Int?
        while true {
            try Task.checkCancellation()
            let details = try await connection.docker.inspectContainer(container)
            if let previous = restartCount, details.restartCount > previous {
                throw HealthFailure(reason: "the container restarted (exit code \(details.state.exitCode))", probes: probes(details))
            }
            restartCount = restartCount ?? details.restartCount
            if !details.state.running || details.state.restarting {
                throw HealthFailure(reason: "the container is \(details.state.status) (exit code \(details.state.exitCode)\(details.state.error.isEmpty ? "" : ", \(details.state.error)"))",
                                    probes: probes(details))
            }
            let verdict = await evaluate(details)
            switch verdict {
            case .healthy:
                let since = healthySince ?? clock.now
                healthySince = since
                if clock.now - since >= spec.stable { return }
            case .waiting(let reason):
                healthySince = nil
                lastReason = reason
            case .failed(let reason):
                throw HealthFailure(reason: reason, probes: probes(details))
            }
            if clock.now >= deadline {
                throw HealthFailure(reason: "not healthy within \(DurationText.format(spec.timeout)): \(lastReason)", probes: probes(details))
            }
            try await Task.sleep(for: min(spec.interval, max(.milliseconds(50), deadline - clock.now)))
        }
    }

    enum Verdict {
        case healthy
        case waiting(String)
        case failed(String)
    }

    private func evaluate(_ details: ContainerDetails) async -> Verdict {
        if spec.docker ?? imageHasHealthcheck {
            switch details.state.health?.status {
            case "healthy": break
            case "unhealthy":
                return .failed("Docker reports it unhealthy after \(details.state.health?.failingStreak ?? 0) failed probes")
            case nil, "none":
                if spec.docker == true { return .failed("docker: true, but the container has no HEALTHCHECK") }
            default:
                return .waiting("Docker health is \(details.state.health?.status ?? "?")")
            }
        }
        if let http = spec.http {
            let status = await httpStatus(port: http.port, path: http.path)
            switch status {
            case .success(let code) where code == http.status: break
            case .success(let code): return .waiting("http://127.0.0.1:\(http.port)\(http.path) answered \(code), not \(http.status)")
            case .failure(let error): return .waiting("http://127.0.0.1:\(http.port)\(http.path): \(error.message)")
            }
        }
        if let tcp = spec.tcp {
            do {
                let channel = try await connection.session.openTCP(host: "127.0.0.1", port: tcp.port, timeout: probeTimeout)
                await channel.close()
            } catch {
                return .waiting("tcp 127.0.0.1:\(tcp.port): \(Self.text(error))")
            }
        }
        if let command = spec.exec {
            do {
                let result = try await connection.docker.exec(in: details.id, command: command, timeout: probeTimeout)
                if !result.succeeded {
                    let output = (result.stderrText + result.stdoutText).trimmingCharacters(in: .whitespacesAndNewlines)
                    return .waiting("\(command.joined(separator: " ")) exited \(result.exitCode)\(output.isEmpty ? "" : ": \(output.prefix(200))")")
                }
            } catch {
                return .waiting("exec \(command.joined(separator: " ")): \(Self.text(error))")
            }
        }
        return .healthy
    }

    private var probeTimeout: Duration { min(max(spec.interval * 5, .seconds(2)), .seconds(10)) }

    struct ProbeError: Error {
        var message: String
    }

    /// One HTTP/1.0 GET through a direct-tcpip channel; the status code of the answer.
    private func httpStatus(port: Int, path: String) async -> Result<Int, ProbeError> {
        do {
            let channel = try await connection.session.openTCP(host: "127.0.0.1", port: port, timeout: probeTimeout)
            defer { Task { await channel.close() } }
            try await channel.write(Array("GET \(path) HTTP/1.0\r\nHost: 127.0.0.1:\(port)\r\nUser-Agent: molt\r\nConnection: close\r\n\r\n".utf8), timeout: probeTimeout)
            var head: [UInt8] = []
            while !head.contains(UInt8(ascii: "\n")) && head.count < 4096 {
                let chunk = try await channel.read(maxLength: 4096, timeout: probeTimeout)
                if chunk.isEmpty { break }
                head += chunk
            }
            let line = String(decoding: head.prefix { $0 != UInt8(ascii: "\n") }, as: UTF8.self)
            let parts = line.split(separator: " ")
            guard parts.count >= 2, parts[0].hasPrefix("HTTP/"), let code = Int(parts[1]) else {
                return .failure(ProbeError(message: head.isEmpty ? "closed without an answer" : "not an HTTP answer: \(line.prefix(80))"))
            }
            return .success(code)
        } catch {
            return .failure(ProbeError(message: Self.text(error)))
        }
    }

    private func probes(_ details: ContainerDetails) -> [String] {
        (details.state.health?.log ?? []).suffix(3).map { "probe exit \($0.exitCode): \($0.output.trimmingCharacters(in: .whitespacesAndNewlines))" }
    }

    static func text(_ error: any Error) -> String {
        if let ssh = error as? SSHError { return ssh.message }
        return String(describing: error)
    }
}

/// Why a container was not healthy in time.
struct HealthFailure: Error, CustomStringConvertible {
    var reason: String
    /// The last HEALTHCHECK probe outputs, when Docker ran any.
    var probes: [String]
    var description: String { reason }
}
