public import DockerEngine
import Fleet
import Foundation
import Inventory
public import Playbook

/// How a replacement behaves: the playbook's rollout settings that apply to one host.
public struct ReplacementSettings: Sendable {
    public var pull: PullPolicy
    public var order: UpdateOrder
    public var stopTimeout: Duration
    public var retain: Int
    /// Registry credentials per image reference (from `MOLT_REGISTRY_AUTH` or ~/.docker/config.json).
    public var registryAuth: @Sendable (String) -> RegistryAuth?

    public init(pull: PullPolicy, order: UpdateOrder, stopTimeout: Duration, retain: Int,
                registryAuth: @escaping @Sendable (String) -> RegistryAuth? = { _ in nil }) {
        self.pull = pull
        self.order = order
        self.stopTimeout = stopTimeout
        self.retain = retain
        self.registryAuth = registryAuth
    }

    public init(playbook: Playbook, registryAuth: @escaping @Sendable (String) -> RegistryAuth? = { _ in nil }) {
        self.init(pull: playbook.pull, order: playbook.order, stopTimeout: playbook.stopTimeout,
                  retain: playbook.retain, registryAuth: registryAuth)
    }
}

/// Replacing one service's container on one host (SPEC §4), and undoing it. The caller
/// holds the service's lock on the host.
///
/// The old container is never removed before the new one is healthy: it is stopped and
/// renamed `NAME.molt-prev`, and renamed back if anything goes wrong. Volumes are never
/// removed. State lives on the host, so a rerun repairs what a killed run left half-done.
struct Replacement: Sendable {
    let connection: HostConnection
    let service: Service
    let settings: ReplacementSettings
    let identity: RunIdentity
    /// Progress within the host: "pulling", "stopping" …
    let step: @Sendable (String) -> Void

    var host: String { connection.host.name }
    var name: String { service.container }
    var previousName: String { "\(name).molt-prev" }
    var nextName: String { "\(name).molt-next" }
    var docker: DockerClient { connection.docker }

    // MARK: Rolling forward

    /// Brings the service to `image` (defaults to the playbook's target).
    func run(image target: String? = nil, alreadyPulled: Bool = false) async -> ServiceOutcome {
        let started = ContinuousClock.now
        let target = target ?? service.image
        var outcome = await attempt(target: target, alreadyPulled: alreadyPulled)
        outcome.seconds = Self.seconds(since: started)
        return outcome
    }

    private func attempt(target: String, alreadyPulled: Bool) async -> ServiceOutcome {
        // What is there: the live container, a retained one, a leftover next.
        let current: ContainerDetails?
        let previous: ContainerDetails?
        do {
            current = try await inspect(name)
            previous = try await inspect(previousName)
        } catch {
            return failed(error, to: target)
        }
        guard current != nil || previous != nil else {
            return ServiceOutcome(host: host, service: name, kind: .skipped, to: target, message: "no container named \(name)")
        }
        return await replaceLocked(current: current, previous: previous, target: target, alreadyPulled: alreadyPulled, notes: [])
    }

    private func replaceLocked(current: ContainerDetails?, previous: ContainerDetails?, target: String,
                               alreadyPulled: Bool, notes: [String]) async -> ServiceOutcome {
        var notes = notes
        // Repair what an interrupted run left behind.
        let live: ContainerDetails
        do {
            if let next = try await inspect(nextName) {
                step("removing a leftover \(nextName)")
                try await docker.removeContainer(next.id, force: true)
                notes.append("removed a leftover \(nextName)")
            }
            if let current {
                live = current
            } else if let previous {
                step("restoring \(previousName)")
                try await docker.renameContainer(previous.id, to: name)
                _ = try await docker.startContainer(previous.id)
                notes.append("restored \(name) from \(previousName), left by an interrupted run")
                live = try await docker.inspectContainer(previous.id)
            } else {
                return ServiceOutcome(host: host, service: name, kind: .skipped, to: target, message: "no container named \(name)")
            }
        } catch {
            return failed(error, from: current?.configImage, to: target, notes: notes)
        }
        let from = live.configImage

        // The target image, on the host.
        let targetImage: ImageDetails
        do {
            targetImage = try await resolve(target, alreadyPulled: alreadyPulled)
        } catch {
            return failed(error, from: from, to: target, notes: notes)
        }

        if live.image == targetImage.id && live.state.running && (live.state.health == nil || live.state.health?.status == "healthy") {
            return ServiceOutcome(host: host, service: name, kind: .upToDate, from: from, to: target,
                                  message: (["up to date"] + notes).joined(separator: "; "))
        }

        // Rehearse against clones of the live data first, when the playbook asks for it.
        if let trial = service.trial {
            let rehearsal = await TrialRun(replacement: self, trial: trial).run(image: target, alreadyPulled: true)
            if rehearsal.result == .failed {
                return ServiceOutcome(host: host, service: name, kind: .failed, from: from, to: target,
                                      message: (notes + ["the trial failed; the live container was not touched"]).joined(separator: "; "),
                                      error: rehearsal.error, logs: rehearsal.logs)
            }
            notes.append(Self.trialNote(rehearsal))
        }

        let recreation: ContainerRecreation
        do {
            let oldImage = try await docker.inspectImage(live.image)
            recreation = try ContainerRecreation(
                container: live, oldImage: oldImage, image: target,
                labels: [
                    "molt.run": identity.id,
                    "molt.previous-image": from,
                    "molt.previous-container": live.id,
                ],
                apiVersion: docker.apiVersion,
                containerNames: try await sharedNamespaceNames(live))
        } catch {
            return failed(error, from: from, to: target, notes: notes)
        }

        switch settings.order {
        case .stopFirst:
            return await stopFirst(live: live, recreation: recreation, from: from, to: target, notes: notes)
        case .startFirst:
            return await startFirst(live: live, recreation: recreation, from: from, to: target, notes: notes)
        }
    }

    private func stopFirst(live: ContainerDetails, recreation: ContainerRecreation, from: String, to target: String, notes: [String]) async -> ServiceOutcome {
        do {
            try await makeRoomForRetained()
            step("stopping \(name)")
            _ = try await docker.stopContainer(live.id, timeout: settings.stopTimeout)
            try await docker.renameContainer(live.id, to: previousName)
        } catch {
            // The old container may be stopped: bring it back as it was.
            let restored = await bringBack(oldID: live.id, newID: nil)
            return ServiceOutcome(host: host, service: name, kind: restored ? .failed : .degraded, from: from, to: target,
                                  message: notes.joined(separator: "; ").nilIfEmpty, error: "\(Self.text(error))\(restored ? "" : "; and \(name) could not be started again")")
        }
        let newID: String
        do {
            step("creating \(name) from \(target)")
            newID = try await create(name, recreation)
            step("starting \(name)")
            _ = try await docker.startContainer(newID)
        } catch {
            let restored = await bringBack(oldID: live.id, newID: nil, removingNamed: name)
            return ServiceOutcome(host: host, service: name, kind: restored ? .rolledBack : .degraded, from: from, to: target,
                                  message: notes.joined(separator: "; ").nilIfEmpty, error: Self.text(error))
        }
        do {
            step("waiting for \(name) to be healthy")
            try await healthCheck(newID)
        } catch {
            let logs = await lastLogs(newID, failure: error)
            step("rolling back to \(from)")
            let restored = await bringBack(oldID: live.id, newID: newID)
            return ServiceOutcome(host: host, service: name, kind: restored ? .rolledBack : .degraded, from: from, to: target,
                                  message: notes.joined(separator: "; ").nilIfEmpty, error: Self.text(error), logs: logs)
        }
        if settings.retain == 0 {
            try? await docker.removeContainer(live.id, force: true)
        }
        return ServiceOutcome(host: host, service: name, kind: .updated, from: from, to: target, message: notes.joined(separator: "; ").nilIfEmpty)
    }

    private func startFirst(live: ContainerDetails, recreation: ContainerRecreation, from: String, to target: String, notes: [String]) async -> ServiceOutcome {
        let newID: String
        do {
            step("creating \(nextName) from \(target)")
            newID = try await create(nextName, recreation)
            step("starting \(nextName)")
            _ = try await docker.startContainer(newID)
            step("waiting for \(nextName) to be healthy")
            try await healthCheck(newID)
        } catch {
            let logs = await lastLogs(nextName, failure: error)
            try? await docker.removeContainer(nextName, force: true)
            // The live container was never touched.
            return ServiceOutcome(host: host, service: name, kind: .rolledBack, from: from, to: target,
                                  message: (notes + ["\(name) was never stopped"]).joined(separator: "; "), error: Self.text(error), logs: logs)
        }
        do {
            try await makeRoomForRetained()
            step("stopping \(name)")
            _ = try await docker.stopContainer(live.id, timeout: settings.stopTimeout)
            try await docker.renameContainer(live.id, to: previousName)
            try await docker.renameContainer(newID, to: name)
        } catch {
            try? await docker.removeContainer(newID, force: true)
            let restored = await bringBack(oldID: live.id, newID: nil)
            return ServiceOutcome(host: host, service: name, kind: restored ? .rolledBack : .degraded, from: from, to: target,
                                  message: notes.joined(separator: "; ").nilIfEmpty, error: Self.text(error))
        }
        if settings.retain == 0 {
            try? await docker.removeContainer(live.id, force: true)
        }
        return ServiceOutcome(host: host, service: name, kind: .updated, from: from, to: target, message: notes.joined(separator: "; ").nilIfEmpty)
    }

    // MARK: Rolling back

    /// Puts the retained `NAME.molt-prev` back in place of `NAME` (or, with none retained, the
    /// image in the `molt.previous-image` label), health-checked. `onlyRun` restricts it to a
    /// container that run created.
    func rollBack(onlyRun: String? = nil) async -> ServiceOutcome {
        let started = ContinuousClock.now
        var outcome = await rollBackAttempt(onlyRun: onlyRun)
        outcome.seconds = Self.seconds(since: started)
        return outcome
    }

    private func rollBackAttempt(onlyRun: String?) async -> ServiceOutcome {
        let current: ContainerDetails?
        let previous: ContainerDetails?
        do {
            current = try await inspect(name)
            previous = try await inspect(previousName)
        } catch {
            return failed(error)
        }
        guard let current else {
            if previous != nil {
                // Half-done: a rollout run again repairs this; here, just restore.
                return await run(image: previous!.configImage)
            }
            return ServiceOutcome(host: host, service: name, kind: .skipped, message: "no container named \(name)")
        }
        if let onlyRun, current.labels["molt.run"] != onlyRun {
            return ServiceOutcome(host: host, service: name, kind: .skipped, from: current.configImage,
                                  message: "\(name) was not created by run \(onlyRun)\(current.labels["molt.run"].map { " (it was by \($0))" } ?? "")")
        }
        guard let previous else {
            guard let image = current.labels["molt.previous-image"] else {
                return ServiceOutcome(host: host, service: name, kind: .skipped, from: current.configImage,
                                      message: "nothing to roll back to: no \(previousName) and no molt.previous-image label")
            }
            return await run(image: image)
        }

        return await swapBack(current: current, previous: previous, from: current.configImage, to: previous.configImage)
    }

    private func swapBack(current: ContainerDetails, previous: ContainerDetails, from: String, to: String) async -> ServiceOutcome {
        let undone = "\(name).molt-undone"
        do {
            if let stale = try await inspect(undone) { try await docker.removeContainer(stale.id, force: true) }
            step("stopping \(name)")
            _ = try await docker.stopContainer(current.id, timeout: settings.stopTimeout)
            try await docker.renameContainer(current.id, to: undone)
            try await docker.renameContainer(previous.id, to: name)
            step("starting \(name) from \(to)")
            _ = try await docker.startContainer(previous.id)
            step("waiting for \(name) to be healthy")
            try await healthCheck(previous.id)
        } catch {
            let logs = await lastLogs(previous.id, failure: error)
            // Put the release we came from back.
            _ = try? await docker.stopContainer(previous.id, timeout: settings.stopTimeout)
            try? await docker.renameContainer(previous.id, to: previousName)
            try? await docker.renameContainer(current.id, to: name)
            _ = try? await docker.startContainer(current.id)
            let back = (try? await healthCheck(current.id)) != nil
            return ServiceOutcome(host: host, service: name, kind: back ? .rolledBack : .degraded, from: from, to: to,
                                  error: "rolling back to \(to) failed: \(Self.text(error))", logs: logs)
        }
        try? await docker.removeContainer(current.id, force: true)
        return ServiceOutcome(host: host, service: name, kind: .updated, from: from, to: to)
    }

    // MARK: Pieces

    func inspect(_ container: String) async throws -> ContainerDetails? {
        try await docker.container(named: container)
    }

    /// The target image on the host, pulled as the `pull` policy says.
    func resolve(_ target: String, alreadyPulled: Bool) async throws -> ImageDetails {
        let present = try await docker.inspectImage(target)
        switch settings.pull {
        case .never:
            guard let present else { throw ReplacementError("image \(target) is not on \(host), and the playbook says pull: never") }
            return present
        case .missing:
            if let present { return present }
        case .always:
            if alreadyPulled, let present { return present }
        }
        step("pulling \(target)")
        try await Pull.image(target, on: connection, auth: settings.registryAuth(target), step: step)
        guard let pulled = try await docker.inspectImage(target) else {
            throw ReplacementError("image \(target) is still missing on \(host) after pulling it")
        }
        return pulled
    }

    /// Names of the containers whose namespaces `live` shares (`--network container:NAME`):
    /// the engine records them by ID, and a recreation must name them.
    func sharedNamespaceNames(_ live: ContainerDetails) async throws -> [String: String] {
        let modes = ["NetworkMode", "IpcMode", "PidMode"].compactMap { live.hostConfig[$0]?.stringValue }
        guard modes.contains(where: { $0.hasPrefix("container:") }) else { return [:] }
        return Dictionary(try await docker.listContainers(all: true).map { ($0.id, $0.name) }, uniquingKeysWith: { first, _ in first })
    }

    private func create(_ containerName: String, _ recreation: ContainerRecreation) async throws -> String {
        let id = try await docker.createContainer(name: containerName, body: recreation.createBody)
        for network in recreation.laterNetworks {
            try await docker.connectNetwork(network.name, container: id, endpointConfig: network.endpointConfig)
        }
        return id
    }

    func healthCheck(_ container: String, spec: HealthSpec? = nil) async throws {
        let details = try await docker.inspectContainer(container)
        let test = details.config["Healthcheck"]?["Test"]?.arrayValue?.compactMap(\.stringValue) ?? []
        let hasHealthcheck = !test.isEmpty && test.first != "NONE"
        try await HealthCheck(spec: spec ?? service.health, connection: connection, imageHasHealthcheck: hasHealthcheck)
            .waitUntilHealthy(container)
    }

    /// Keeps at most `retain` replaced containers once the live one becomes `NAME.molt-prev`.
    private func makeRoomForRetained() async throws {
        guard let existing = try await inspect(previousName) else { return }
        if settings.retain <= 1 {
            try await docker.removeContainer(existing.id, force: true)
            return
        }
        try await docker.renameContainer(existing.id, to: "\(previousName)-\(existing.id.prefix(12))")
        let older = try await docker.listContainers(all: true, filters: ["name": ["^/\(NSRegularExpression.escapedPattern(for: previousName))-"]])
            .sorted { $0.created > $1.created }
        for stale in older.dropFirst(settings.retain - 1) {
            try await docker.removeContainer(stale.id, force: true)
        }
    }

    /// After a failure: removes the new container, renames the old one back to `NAME`,
    /// starts it and checks it. True when the old one is healthy again.
    private func bringBack(oldID: String, newID: String?, removingNamed stray: String? = nil) async -> Bool {
        // The failed container steps aside but stays until the old one is healthy again:
        // on a degraded host nothing is deleted, so the operator has both to look at.
        var failed: String?
        if newID != nil || stray != nil, let earlier = try? await inspect(failedName) {
            try? await docker.renameContainer(earlier.id, to: "\(failedName)-\(earlier.id.prefix(12))")
        }
        if let newID {
            _ = try? await docker.stopContainer(newID, timeout: settings.stopTimeout)
            try? await docker.renameContainer(newID, to: failedName)
            failed = newID
        }
        if let stray, let leftover = try? await inspect(stray), leftover.id != oldID {
            _ = try? await docker.stopContainer(leftover.id, timeout: settings.stopTimeout)
            try? await docker.renameContainer(leftover.id, to: failedName)
            failed = leftover.id
        }
        try? await docker.renameContainer(oldID, to: name)
        _ = try? await docker.startContainer(oldID)
        step("waiting for the old \(name) to be healthy")
        do {
            try await healthCheck(oldID)
        } catch {
            step("the old \(name) is not healthy either: \(Self.text(error)); \(failed == nil ? "" : "the failed new container is kept as \(failedName); ")nothing was deleted")
            return false
        }
        if let failed { try? await docker.removeContainer(failed, force: true) }
        return true
    }

    /// Where a failed new container waits while the old one comes back.
    var failedName: String { "\(name).molt-failed" }

    func lastLogs(_ container: String, failure: any Error) async -> [String] {
        var lines = (failure as? HealthFailure)?.probes ?? []
        if let logs = try? await docker.logs(container, tail: 20) {
            lines += logs.lines.map(\.text)
        }
        return lines
    }

    private func failed(_ error: any Error, from: String? = nil, to: String? = nil, notes: [String] = []) -> ServiceOutcome {
        ServiceOutcome(host: host, service: name, kind: .failed, from: from, to: to,
                       message: notes.joined(separator: "; ").nilIfEmpty, error: Self.text(error))
    }

    static func trialNote(_ trial: TrialOutcome) -> String {
        let pause = trial.clones.reduce(0) { $0 + $1.pauseSeconds }
        return String(format: "trial passed in %.1fs, live paused %.2fs for %d volume clone(s)", trial.seconds, pause, trial.clones.count)
    }

    static func text(_ error: any Error) -> String {
        HealthCheck.text(error).split(whereSeparator: \.isNewline).joined(separator: " ")
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
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
