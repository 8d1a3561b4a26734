import DockerEngine
import Foundation
import MoltNames
import Playbook

/// One service's containers on one host, and what every kind of work on them needs: finding
/// them by their names, pulling the target, checking health, reading logs, and telling
/// whether the live container can be trusted. Replacement, TrialRun and PlanAction share it.
struct ServiceOnHost: Sendable {
    let host: RolloutHost
    let service: Service
    /// Progress within the host: "pulling …", "stopping …".
    let step: @Sendable (String) -> Void

    init(host: RolloutHost, service: Service, step: @escaping @Sendable (String) -> Void = { _ in }) {
        self.host = host
        self.service = service
        self.step = step
    }

    var names: ContainerNames { ContainerNames(service.container) }
    var engine: any ContainerEngine { host.engine }
    var hostName: String { host.name }

    /// The container of exactly this name, or nil.
    func inspect(_ name: String) async throws -> ContainerDetails? {
        try await engine.container(named: name)
    }

    /// The target image on the host, pulled as `policy` says. The registry credentials are
    /// looked up only when a pull is needed.
    func resolve(_ target: String, policy: PullPolicy, alreadyPulled: Bool, auth: () async throws -> RegistryAuth?) async throws -> ImageDetails {
        let present = try await engine.inspectImage(target)
        switch policy {
        case .never:
            guard let present else { throw ReplacementError("image \(target) is not on \(hostName), and the playbook says pull: never") }
            return present
        case .missing:
            if let present { return present }
        case .always:
            if alreadyPulled, let present { return present }
        }
        step("pulling \(target)")
        try await Pull.image(target, on: engine, auth: try await auth(), step: step)
        guard let pulled = try await engine.inspectImage(target) else {
            throw ReplacementError("image \(target) is still missing on \(hostName) after pulling it")
        }
        return pulled
    }

    /// Waits until the container passes the service's checks (or `spec`) and stays passing.
    ///
    /// `container` is an ID: the engine's event filter takes a name as a prefix.
    func healthCheck(_ container: String, spec: HealthSpec? = nil) async throws {
        try await HealthCheck(spec: spec ?? service.health, host: host).waitUntilHealthy(container)
    }

    /// Whether the container has a Docker HEALTHCHECK of its own or from its image.
    static func hasHealthcheck(_ details: ContainerDetails) -> Bool {
        let test = details.config["Healthcheck"]?["Test"]?.arrayValue?.compactMap(\.stringValue) ?? []
        return !test.isEmpty && test.first != "NONE"
    }

    /// The health probes' last outputs and the container's last log lines, for the report.
    func lastLogs(_ container: String, failure: any Error) async -> [String] {
        var lines = (failure as? HealthFailure)?.probes ?? []
        if let logs = try? await engine.logs(container, tail: 20) {
            lines += logs.lines.map(\.text)
        }
        return lines
    }

    /// Names of the containers whose namespaces `live` shares (`--network container:NAME`):
    /// the engine records them by ID, and a recreation must name them.
    func sharedNamespaceNames(_ live: ContainerDetails) async throws -> [String: String] {
        let modes = ["NetworkMode", "IpcMode", "PidMode"].compactMap { live.hostConfig[$0]?.stringValue }
        guard modes.contains(where: { $0.hasPrefix("container:") }) else { return [:] }
        return Dictionary(try await engine.listContainers(all: true).map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
    }

    // MARK: Trust

    /// Whether the live container may be taken as it is (SPEC §4.8).
    enum Trust: Equatable {
        /// molt did not make it: the operator's container, taken as it is.
        case foreign
        /// A molt run saw it pass its checks before naming it `NAME`.
        case confirmed
        /// A molt run made it, and no run has seen it pass its checks (an older molt named new
        /// containers `NAME` before checking them): check it before anything else.
        case unconfirmed(run: String)
    }

    /// How far `live` can be trusted; `previous` is the retained `NAME.molt-prev`, if any.
    static func trust(_ live: ContainerDetails, previous: ContainerDetails?) -> Trust {
        guard let run = live.labels[MoltLabel.run] else { return .foreign }
        if live.labels[MoltLabel.confirmedOnRename] != nil { return .confirmed }
        return previous == nil ? .confirmed : .unconfirmed(run: run)
    }

    /// Whether `live` already is what the playbook asks for, without any check: on the target
    /// image, running, confirmed or made by the operator, and not known to be unhealthy.
    ///
    /// A container molt never saw healthy and that Docker cannot vouch for (no HEALTHCHECK)
    /// is not up to date by this test alone: ``needsChecksToBeCurrent(_:target:)`` says so.
    static func isCurrent(_ live: ContainerDetails, target: ImageDetails) -> Bool {
        guard live.image == target.id, live.state.running, !live.state.paused, !live.state.restarting else { return false }
        switch live.state.health?.status {
        case nil, "none", "healthy": return true
        default: return false
        }
    }

    /// A container on the target image that no molt run checked and whose Docker health says
    /// nothing: the playbook's checks decide whether it is up to date.
    static func needsChecksToBeCurrent(_ live: ContainerDetails, trust: Trust) -> Bool {
        trust != .confirmed && live.state.health?.status != "healthy"
    }
}

/// A replacement step that cannot go on, in the operator's words.
struct ReplacementError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension String {
    var nilIfEmpty: String? { isEmpty ? nil : self }
}
