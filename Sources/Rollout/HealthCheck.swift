import DockerEngine
import Foundation
import Playbook

/// Waits for a container to become healthy by every check the service asks for within
/// `timeout`, and then to stay healthy for `stable` (SPEC §3 `health`): a `stable` longer than
/// `timeout` is allowed, the deadline is for becoming healthy.
///
/// HTTP and TCP probes go to `127.0.0.1:PORT` on the host through ``HostPorts``, so nothing
/// needs to be reachable from the coordinator. A container that exits, restarts or that
/// Docker calls unhealthy fails at once rather than at the deadline.
struct HealthCheck: Sendable {
    let spec: HealthSpec
    let host: RolloutHost
    /// Whether the container's image defines a HEALTHCHECK (the default of `docker:`).
    let imageHasHealthcheck: Bool

    /// Returns when healthy and stable; throws `HealthFailure` with the reason otherwise.
    func waitUntilHealthy(_ container: String) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + spec.timeout
        var healthySince: ContinuousClock.Instant?
        var lastReason = "no check has run yet"
        var restartCount: Int?
        var startedAt: String?
        while true {
            try Task.checkCancellation()
            let details: ContainerDetails
            do {
                details = try await host.engine.inspectContainer(container)
            } catch where EngineAway.matches(error) && clock.now < deadline {
                // dockerd restarting: the container's fate is not known yet, and not its fault.
                healthySince = nil
                lastReason = "the Docker engine does not answer: \(ErrorText.oneLine(error))"
                try await Task.sleep(for: min(spec.interval, max(.milliseconds(1), deadline - clock.now)))
                continue
            }
            if let previous = restartCount, details.restartCount > previous {
                throw HealthFailure(reason: "the container restarted (exit code \(details.state.exitCode))", probes: probes(details))
            }
            restartCount = restartCount ?? details.restartCount
            if let previous = startedAt, previous != details.state.startedAt {
                // Started again without a restart of its own: the engine restarted, and the
                // container must stay healthy for `stable` from now.
                healthySince = nil
            }
            startedAt = details.state.startedAt
            if !details.state.running || details.state.restarting {
                throw HealthFailure(reason: "the container is \(details.state.status) (exit code \(details.state.exitCode)\(details.state.error.isEmpty ? "" : ", \(details.state.error)"))",
                                    probes: probes(details))
            }
            switch await evaluate(details) {
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
            // The deadline is for becoming healthy; once healthy, `stable` runs its course.
            if healthySince == nil && clock.now >= deadline {
                throw HealthFailure(reason: "not healthy within \(DurationText.format(spec.timeout)): \(lastReason)", probes: probes(details))
            }
            try await Task.sleep(for: healthySince == nil ? min(spec.interval, max(.milliseconds(1), deadline - clock.now)) : spec.interval)
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
            let url = "http://127.0.0.1:\(http.port)\(http.path)"
            do {
                let status = try await httpStatus(port: http.port, path: http.path)
                if status != http.status { return .waiting("\(url) answered \(status), not \(http.status)") }
            } catch {
                return .waiting("\(url): \(ErrorText.oneLine(error))")
            }
        }
        if let tcp = spec.tcp {
            do {
                let stream = try await host.ports.connector(port: tcp.port, timeout: probeTimeout).connect()
                await stream.close()
            } catch {
                return .waiting("tcp 127.0.0.1:\(tcp.port): \(ErrorText.oneLine(error))")
            }
        }
        if let command = spec.exec {
            do {
                let result = try await host.engine.exec(in: details.id, command: command, timeout: probeTimeout)
                if !result.succeeded {
                    let output = (result.stderrText + result.stdoutText).trimmingCharacters(in: .whitespacesAndNewlines)
                    return .waiting("\(command.joined(separator: " ")) exited \(result.exitCode)\(output.isEmpty ? "" : ": \(output.prefix(200))")")
                }
            } catch {
                return .waiting("exec \(command.joined(separator: " ")): \(ErrorText.oneLine(error))")
            }
        }
        return .healthy
    }

    private var probeTimeout: Duration { min(max(spec.interval * 5, .seconds(2)), .seconds(10)) }

    /// One GET through the host's port; the status code of the answer (the body is not read).
    private func httpStatus(port: Int, path: String) async throws -> Int {
        let client = HTTPClient(
            connector: host.ports.connector(port: port, timeout: probeTimeout),
            configuration: HTTPClient.Configuration(host: "127.0.0.1:\(port)", userAgent: "molt-health"))
        return try await client.withStreamingResponse(to: HTTPRequest(.get, path), timeout: probeTimeout) { $0.status }
    }

    private func probes(_ details: ContainerDetails) -> [String] {
        (details.state.health?.log ?? []).suffix(3).map { "probe exit \($0.exitCode): \($0.output.trimmingCharacters(in: .whitespacesAndNewlines))" }
    }
}

/// Why a container was not healthy in time.
struct HealthFailure: Error, CustomStringConvertible {
    var reason: String
    /// The last HEALTHCHECK probe outputs, when Docker ran any.
    var probes: [String]
    var description: String { reason }
}
