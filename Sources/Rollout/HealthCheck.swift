import DockerEngine
import Durations
import Fleet
import Foundation
import Playbook

/// Waits for a container to become healthy by every check the service asks for within
/// `timeout`, and then to stay healthy for `stable` (SPEC §3 `health`): a `stable` longer than
/// `timeout` is allowed, the deadline is for becoming healthy.
///
/// Docker's own view, the container's state and its HEALTHCHECK, is noticed when Docker
/// notices it (SPEC §4.10): the check follows the engine's events for the container and reads
/// the state again the moment one arrives. Polling is the fallback, at most every 100 ms while
/// the events cannot be followed, and a safety net at `interval` while they can. HTTP, TCP
/// and exec probes run at `interval`, and at once when Docker's health turns healthy.
///
/// HTTP and TCP probes go to `127.0.0.1:PORT` on the host through ``HostPorts``, so nothing
/// needs to be reachable from the coordinator. A container that exits, restarts or that
/// Docker calls unhealthy fails at once rather than at the deadline.
struct HealthCheck: Sendable {
    let spec: HealthSpec
    let host: RolloutHost

    /// The longest pause between two looks at the container while the engine's events cannot
    /// be followed.
    static let fallbackPoll: Duration = .milliseconds(100)
    /// How long the first look waits for the engine to accept the event subscription; past
    /// it the check polls, and looks again once the subscription is accepted.
    static let subscriptionPatience: Duration = .seconds(2)

    /// Returns when healthy and stable; throws `HealthFailure` with the reason otherwise.
    func waitUntilHealthy(_ container: String) async throws {
        try await host.engine.followingEvents(of: container) { events in
            try await waitUntilHealthy(container, events: events)
        }
    }

    /// The wait itself, woken by `events`.
    func waitUntilHealthy(_ container: String, events: ContainerEventFeed) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + spec.timeout
        if events.status == .opening {
            // Subscribed before the first look, so that no change after it goes unnoticed.
            _ = try await events.wait(past: 0, until: clock.now + Self.subscriptionPatience)
        }
        var healthySince: ContinuousClock.Instant?
        var lastReason = "no check has run yet"
        var restartCount: Int?
        var startedAt: String?
        var probeRound = ProbeRound()
        while true {
            try Task.checkCancellation()
            // Whatever the feed brings from here on wakes the next look.
            let seen = events.generation
            let details: ContainerDetails
            do {
                details = try await host.engine.inspectContainer(container)
            } catch where EngineAway.matches(error) && clock.now < deadline {
                // dockerd restarting: the container's fate is not known yet, and not its fault.
                healthySince = nil
                lastReason = "the Docker engine does not answer: \(ErrorText.oneLine(error, besideHost: true))"
                _ = try await events.wait(past: seen, until: min(clock.now + pace(events), deadline))
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
            switch await evaluate(details, round: &probeRound, now: clock.now) {
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
            var wake = clock.now + pace(events)
            if let due = probeRound.next(interval: spec.interval) { wake = min(wake, due) }
            if let since = healthySince {
                wake = min(wake, since + spec.stable)
            } else {
                wake = min(wake, max(deadline, clock.now + .milliseconds(1)))
            }
            _ = try await events.wait(past: seen, until: wake)
        }
    }

    /// The pause before the next look when nothing happens: `interval` while every event
    /// arrives (a safety net), at most ``fallbackPoll`` while they do not.
    private func pace(_ events: ContainerEventFeed) -> Duration {
        events.isFollowing ? spec.interval : min(spec.interval, Self.fallbackPoll)
    }

    enum Verdict {
        case healthy
        case waiting(String)
        case failed(String)
    }

    /// When the probes last ran and what they found: they run at `interval`, not at every look.
    private struct ProbeRound {
        var startedAt: ContinuousClock.Instant?
        var verdict = Verdict.waiting("no probe has run yet")
        /// Whether Docker's side passed at the last look: the probes run as soon as it does.
        var dockerPassed = false

        /// When the next round is due, while one is waited for.
        func next(interval: Duration) -> ContinuousClock.Instant? {
            dockerPassed ? startedAt.map { $0 + interval } : nil
        }
    }

    private var hasProbes: Bool { spec.http != nil || spec.tcp != nil || spec.exec != nil }

    private func evaluate(_ details: ContainerDetails, round: inout ProbeRound, now: ContinuousClock.Instant) async -> Verdict {
        let docker = dockerVerdict(details)
        guard case .healthy = docker else {
            round.dockerPassed = false
            return docker
        }
        guard hasProbes else { return .healthy }
        let due = !round.dockerPassed || round.startedAt.map { now - $0 >= spec.interval } ?? true
        round.dockerPassed = true
        if due {
            round.startedAt = now
            round.verdict = await probe(details)
        }
        return round.verdict
    }

    /// What Docker says: its HEALTHCHECK, when the spec or the image asks for it.
    private func dockerVerdict(_ details: ContainerDetails) -> Verdict {
        guard spec.docker ?? ServiceOnHost.hasHealthcheck(details) else { return .healthy }
        switch details.state.health?.status {
        case "healthy": return .healthy
        case "unhealthy":
            return .failed("Docker reports it unhealthy after \(details.state.health?.failingStreak ?? 0) failed probes")
        case nil, "none":
            return spec.docker == true ? .failed("docker: true, but the container has no HEALTHCHECK") : .healthy
        default:
            return .waiting("Docker health is \(details.state.health?.status ?? "?")")
        }
    }

    /// One round of the HTTP, TCP and exec probes, in that order; the first that does not pass says why.
    private func probe(_ details: ContainerDetails) async -> Verdict {
        if let http = spec.http {
            let url = "http://127.0.0.1:\(http.port)\(http.path)"
            do {
                let status = try await httpStatus(port: http.port, path: http.path)
                if status != http.status { return .waiting("\(url) answered \(status), not \(http.status)") }
            } catch {
                return .waiting("\(url): \(ErrorText.oneLine(error, besideHost: true))")
            }
        }
        if let tcp = spec.tcp {
            do {
                let stream = try await host.ports.connector(port: tcp.port, timeout: probeTimeout).connect()
                await stream.close()
            } catch {
                return .waiting("tcp 127.0.0.1:\(tcp.port): \(ErrorText.oneLine(error, besideHost: true))")
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
                return .waiting("exec \(command.joined(separator: " ")): \(ErrorText.oneLine(error, besideHost: true))")
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
