public import DockerEngine
import Durations
import Fleet
import Foundation
import MoltNames
public import Playbook

/// How a replacement behaves: the playbook's rollout settings that apply to one host.
public struct ReplacementSettings: Sendable {
    public var pull: PullPolicy
    public var order: UpdateOrder
    public var stopTimeout: Duration
    public var retain: Int
    /// Registry credentials per image reference (``RegistryCredentials/auth(forImage:)`` in molt):
    /// a failure fails the pull, never makes it anonymous.
    public var registryAuth: @Sendable (String) async throws -> RegistryAuth?

    public init(pull: PullPolicy, order: UpdateOrder, stopTimeout: Duration, retain: Int,
                registryAuth: @escaping @Sendable (String) async throws -> RegistryAuth? = { _ in nil }) {
        self.pull = pull
        self.order = order
        self.stopTimeout = stopTimeout
        self.retain = retain
        self.registryAuth = registryAuth
    }

    public init(playbook: Playbook, registryAuth: @escaping @Sendable (String) async throws -> RegistryAuth? = { _ in nil }) {
        self.init(pull: playbook.pull, order: playbook.order, stopTimeout: playbook.stopTimeout,
                  retain: playbook.retain, registryAuth: registryAuth)
    }
}

/// Replacing one service's container on one host (SPEC §4), and undoing it: the state machine.
/// The caller holds the service's lock on the host.
///
/// The state lives on the host, in container names (``ContainerNames``), so that a rerun after a
/// crash finds it:
/// - `NAME` is given only to a container that passed its checks (or one molt did not make).
///   A new container is `NAME.molt-next` until then; a rerun removes a leftover one.
/// - The old container is stopped and renamed `NAME.molt-prev` before the new one starts (in
///   stop-first the new one is created, not started, while the old one still serves), and
///   stays until the new one has passed; older retained ones step aside as
///   `NAME.molt-prev-<id>` and are pruned past `retain` only once the new one has passed.
/// - A failed new container waits as `NAME.molt-failed` until the old one is healthy again,
///   and stays for good on a degraded host: nothing is deleted there. Volumes never are.
///
/// An ``Interruption`` stops it between steps or cuts a wait short; what was in flight is then
/// undone (the old container started again), unless the operator asked to hurry.
struct Replacement: Sendable {
    let target: ServiceOnHost
    let settings: ReplacementSettings
    let identity: RunIdentity
    let interruption: Interruption

    init(host: RolloutHost, service: Service, settings: ReplacementSettings, identity: RunIdentity,
         interruption: Interruption = Interruption(), step: @escaping @Sendable (String) -> Void = { _ in }) {
        self.target = ServiceOnHost(host: host, service: service, step: step)
        self.settings = settings
        self.identity = identity
        self.interruption = interruption
    }

    /// The same replacement over another session to its host (the run reconnected to it).
    func on(_ host: RolloutHost) -> Replacement {
        Replacement(host: host, service: target.service, settings: settings, identity: identity,
                    interruption: interruption, step: target.step)
    }

    var host: String { target.hostName }
    var names: ContainerNames { target.names }
    var name: String { names.live }
    var engine: any ContainerEngine { target.engine }
    var step: @Sendable (String) -> Void { target.step }

    // MARK: Rolling forward

    /// Brings the service to `image` (defaults to the playbook's target).
    func run(image: String? = nil, alreadyPulled: Bool = false) async -> ServiceOutcome {
        let started = ContinuousClock.now
        let image = image ?? target.service.image
        // Whether a Compose tag may need keeping: until the live container is known not to be
        // Compose's, it may.
        var maybeCompose = true
        var outcome = await forward(to: image, alreadyPulled: alreadyPulled, maybeCompose: &maybeCompose)
        if outcome.from != nil && maybeCompose {
            outcome.append(note: await keepComposeTag(reference: image))
        }
        outcome.seconds = (ContinuousClock.now - started).seconds
        return outcome
    }

    /// `pinned`: the image ID to bring the service to, whatever `image` (a tag) names now; a
    /// Compose service's rollback goes back to the image its tag named before.
    private func forward(to image: String, pinned: String? = nil, alreadyPulled: Bool) async -> ServiceOutcome {
        var maybeCompose = true
        return await forward(to: image, pinned: pinned, alreadyPulled: alreadyPulled, maybeCompose: &maybeCompose)
    }

    /// `maybeCompose` turns false once the live container is known not to be Compose's.
    private func forward(to image: String, pinned: String? = nil, alreadyPulled: Bool, maybeCompose: inout Bool) async -> ServiceOutcome {
        var notes: [String] = []
        if interruption.level >= .stop { return interrupted(to: image, notes: notes, changed: false) }

        // 1. What an interrupted run left, repaired; then the live container.
        var live: ContainerDetails
        let previous: ContainerDetails?
        do {
            let found = try await repair(notes: &notes)
            guard let current = found.live else {
                return outcome(.skipped, to: image, message: "no container named \(name)")
            }
            live = current
            if let unchanged = found.previous {
                previous = unchanged
            } else {
                previous = try await target.inspect(names.previous)
            }
        } catch {
            return failed(error, to: image, notes: notes)
        }

        // 2. A container no run has seen healthy is checked before it is trusted (SPEC §4.8).
        var checkedNow = false
        if case .unconfirmed(let run) = ServiceOnHost.trust(live, previous: previous), let previous {
            step("checking \(name): run \(run) made it and no run has seen it healthy")
            let id = live.id
            do {
                try await interruption.run(until: .stop) { [target] in try await target.healthCheck(id) }
                notes.append("\(name) from run \(run) passed its checks")
                checkedNow = true
                live = try await engine.inspectContainer(id)
            } catch is Interrupted {
                return interrupted(from: live.configImage, to: image, notes: notes, changed: false)
            } catch {
                let logs = await target.lastLogs(live.id, failure: error)
                var restored = await swapBack(current: live, previous: previous)
                // As for any rollback: back on `from`, having meant to reach `to`.
                restored.from = previous.configImage
                restored.to = image
                restored.message = (notes + ["\(name) from run \(run) was never seen healthy and failed its checks: \(ErrorText.oneLine(error, besideHost: true)); put \(names.previous) back"] + [restored.message].compactMap { $0 }).joined(separator: "; ")
                restored.logs = logs + restored.logs
                // Back on the previous container is a rollback; anything else left the host on
                // a release that failed its checks.
                restored.kind = restored.kind == .updated ? .rolledBack : .degraded
                restored.error = restored.error ?? "\(name) from run \(run) failed its checks: \(ErrorText.oneLine(error, besideHost: true))"
                return restored
            }
        }
        let from = live.configImage
        // The old image's defaults shape the new container's configuration: asked for now,
        // while the rest is worked out, as each question is a round trip to the host.
        let liveImage = live.image
        async let oldImageLookup = engine.inspectImage(liveImage)

        // Compose must be able to keep the new container as its own, or the service is refused
        // before anything changes; retained containers it would take for its own are copied.
        let compose: ComposeService?
        var previousNow = Lookup.known(previous)
        do {
            compose = try ComposeService.managing(live, host: host)
            maybeCompose = compose != nil
            try compose?.checkStatically(image: image, live: live, host: host, hasShell: target.host.shell != nil)
            let family = try await setAside()
            // Copying Compose's retained containers renames them; otherwise `previous` stands.
            if retainedByCompose(family) {
                notes += try await detachRetained(family)
                previousNow = .unknown
            }
        } catch {
            return failed(error, from: from, to: image, notes: notes)
        }

        // 3. The target image, on the host.
        let targetImage: ImageDetails
        do {
            let settings = self.settings
            targetImage = try await interruption.run(until: .stop) { [target, engine, host] in
                if let pinned {
                    guard let present = try await engine.inspectImage(pinned) else {
                        throw ReplacementError("the image \(pinned) to go back to is no longer on \(host)")
                    }
                    return present
                }
                return try await target.resolve(image, policy: settings.pull, alreadyPulled: alreadyPulled, auth: { try await settings.registryAuth(image) })
            }
        } catch is Interrupted {
            return interrupted(from: from, to: image, notes: notes, changed: false)
        } catch {
            return failed(error, from: from, to: image, notes: notes)
        }

        // 4. Up to date?
        if ServiceOnHost.isCurrent(live, target: targetImage) {
            if ServiceOnHost.needsChecksToBeCurrent(live, trust: ServiceOnHost.trust(live, previous: previous)) && !checkedNow {
                step("checking \(name): it runs \(image), but no molt run has seen it healthy")
                let id = live.id
                do {
                    try await interruption.run(until: .stop) { [target] in try await target.healthCheck(id) }
                } catch is Interrupted {
                    return interrupted(from: from, to: image, notes: notes, changed: false)
                } catch {
                    return ServiceOutcome(host: host, service: name, kind: .failed, from: from, to: image,
                                          message: notes.joined(separator: "; ").nilIfEmpty,
                                          error: "\(name) runs \(image) but fails its checks: \(ErrorText.oneLine(error, besideHost: true)); nothing was changed",
                                          logs: await target.lastLogs(live.id, failure: error))
                }
            }
            return outcome(.upToDate, from: from, to: image, message: (["up to date"] + notes).joined(separator: "; "))
        }

        // The labels by which Compose will know the new container as its own.
        var composeLabels: [String: String] = [:]
        if let compose {
            do {
                step("asking Compose how it will see \(name) on \(targetImage.id.prefix(19))")
                composeLabels = try await interruption.run(until: .stop) { [target, live] in
                    try await compose.replacementLabels(live: live, targetImage: targetImage, on: target)
                }
            } catch is Interrupted {
                return interrupted(from: from, to: image, notes: notes, changed: false)
            } catch {
                return failed(error, from: from, to: image, notes: notes)
            }
        }

        // 5. Rehearse against clones of the live data first, when the playbook asks for it.
        if let trial = target.service.trial {
            let rehearsal = await TrialRun(target: target, trial: trial, identity: identity, settings: settings, interruption: interruption)
                .run(image: image, alreadyPulled: true)
            switch rehearsal.result {
            case .failed:
                return ServiceOutcome(host: host, service: name, kind: .failed, from: from, to: image,
                                      message: (notes + ["the trial failed; the live container was not touched"]).joined(separator: "; "),
                                      error: rehearsal.error, logs: rehearsal.logs)
            case .interrupted:
                return interrupted(from: from, to: image, notes: notes + ["during the trial; the live container was not touched"], changed: false)
            case .passed, .skipped:
                notes.append(TrialRun.note(rehearsal))
            }
        }
        if interruption.level >= .stop { return interrupted(from: from, to: image, notes: notes, changed: false) }

        // 6. The new container's configuration: the old one's, with only the image changed.
        let recreation: ContainerRecreation
        do {
            let oldImage = try await oldImageLookup
            recreation = try ContainerRecreation(
                // Compose's container keeps the reference as Compose wrote it.
                container: live, oldImage: oldImage, image: compose?.reference ?? image,
                labels: [
                    MoltLabel.run: identity.id,
                    MoltLabel.previousImage: from,
                    MoltLabel.previousImageID: live.image,
                    MoltLabel.previousContainer: live.id,
                    MoltLabel.confirmedOnRename: "true",
                ].merging(composeLabels) { _, compose in compose },
                apiVersion: engine.apiVersion,
                containerNames: try await target.sharedNamespaceNames(live))
            for warning in recreation.warnings { step("warning: \(warning)") }
            notes += recreation.warnings.map { "warning: \($0)" }
        } catch {
            return failed(error, from: from, to: image, notes: notes)
        }

        let swap = Swap(live: live, previous: previousNow, recreation: recreation, from: from, to: image, notes: notes)
        switch settings.order {
        case .stopFirst: return await stopFirst(swap)
        case .startFirst: return await startFirst(swap)
        }
    }

    /// What one swap works with.
    private struct Swap {
        var live: ContainerDetails
        /// `NAME.molt-prev`, when it is known as it is now.
        var previous: Lookup
        var recreation: ContainerRecreation
        var from: String
        var to: String
        var notes: [String]
    }

    /// A container looked up earlier, or one to look up again.
    private enum Lookup {
        case known(ContainerDetails?)
        case unknown
    }

    // MARK: Repair

    /// Puts right what an interrupted run left on the host, and returns the live container.
    ///
    /// A `NAME.molt-next` was never confirmed: it goes. A `NAME.molt-prev` without a `NAME`
    /// was stopped for a swap that never finished: it comes back. A live container that a
    /// killed clone left paused is unpaused.
    /// `previous` is `NAME.molt-prev` as it is now when nothing was repaired, and `nil` when it
    /// must be looked up again (or there is none).
    private func repair(notes: inout [String]) async throws -> (live: ContainerDetails?, previous: ContainerDetails?) {
        // The three names are looked up at once: each lookup is a round trip to the host.
        async let nextLookup = target.inspect(names.next)
        async let liveLookup = target.inspect(name)
        async let previousLookup = target.inspect(names.previous)
        let (leftover, found, retained) = try await (nextLookup, liveLookup, previousLookup)
        var repaired = false
        if let next = leftover {
            step("removing \(names.next), left unconfirmed by an interrupted run")
            try await engine.removeContainer(next.id, force: true, volumes: false)
            notes.append("removed \(names.next), left unconfirmed by an interrupted run")
        }
        var live = found
        if live == nil, let previous = retained {
            repaired = true
            if ComposeService.isCopy(previous.labels) {
                throw ReplacementError(
                    "\(name) is gone and \(names.previous) is molt's copy of a Compose container, without Compose's labels; "
                        + "run `docker-compose up -d` in \(previous.labels[MoltLabel.composePrefix + ComposeLabel.workingDir] ?? "its project") "
                        + "to make \(name) again: molt does not make Compose's containers")
            }
            step("restoring \(names.previous)")
            try await engine.renameContainer(previous.id, to: name)
            _ = try await engine.startContainer(previous.id)
            notes.append("restored \(name) from \(names.previous), left by an interrupted run")
            try await restoreArchived()
            live = try await engine.inspectContainer(previous.id)
        }
        if let paused = live, paused.state.paused, try await VolumeClone.hasLeftovers(on: engine, service: name) {
            step("unpausing \(name), left paused by an interrupted volume clone")
            try await engine.unpauseContainer(paused.id)
            notes.append("unpaused \(name), left paused by an interrupted volume clone")
            live = try await engine.inspectContainer(paused.id)
        }
        return (live, repaired ? nil : retained)
    }

    // MARK: Swapping

    private func stopFirst(_ swap: Swap) async -> ServiceOutcome {
        let live = swap.live
        var notes = swap.notes
        // The new container is made while the old one still serves: creating it binds no port
        // and starts nothing, so a failure here leaves the old one untouched, and the old one
        // is down only from its stop to the new one's start.
        let id: String
        do {
            try await archivePrevious(swap.previous)
            step("creating \(names.next) from \(swap.to)")
            id = try await create(names.next, swap.recreation)
        } catch {
            await discardUnstarted()
            return ServiceOutcome(host: host, service: name, kind: .failed, from: swap.from, to: swap.to,
                                  message: (notes + ["\(name) was never stopped"]).joined(separator: "; "), error: ErrorText.oneLine(error, besideHost: true))
        }
        if interruption.level >= .stop {
            await discardUnstarted()
            return interrupted(from: swap.from, to: swap.to, notes: notes + ["\(name) was never stopped"], changed: false)
        }
        // The old container steps aside; nothing is removed until the new one has passed.
        do {
            step("stopping \(name)")
            _ = try await engine.stopContainer(live.id, timeout: settings.stopTimeout)
            try await engine.renameContainer(live.id, to: names.previous)
        } catch {
            try? await engine.removeContainer(id, force: true, volumes: false)
            let back = await bringBack(oldID: live.id, newID: nil, stray: names.next)
            return ServiceOutcome(host: host, service: name, kind: back ? .failed : .degraded, from: swap.from, to: swap.to,
                                  message: notes.joined(separator: "; ").nilIfEmpty,
                                  error: ErrorText.oneLine(error, besideHost: true) + (back ? "" : "; and \(name) could not be started again"))
        }
        if interruption.level >= .stop {
            if interruption.level >= .hurry { return interrupted(from: swap.from, to: swap.to, notes: notes, changed: true) }
            try? await engine.removeContainer(id, force: true, volumes: false)
            let back = await bringBack(oldID: live.id, newID: nil, stray: names.next)
            return interrupted(from: swap.from, to: swap.to, notes: notes, changed: !back)
        }

        do {
            step("starting \(names.next)")
            _ = try await engine.startContainer(id)
        } catch {
            let back = await bringBack(oldID: live.id, newID: id)
            return ServiceOutcome(host: host, service: name, kind: back ? .rolledBack : .degraded, from: swap.from, to: swap.to,
                                  message: notes.joined(separator: "; ").nilIfEmpty, error: ErrorText.oneLine(error, besideHost: true))
        }
        do {
            step("waiting for \(names.next) to be healthy")
            try await interruption.run(until: .stop) { [target] in try await target.healthCheck(id) }
            step("naming \(names.next) \(name)")
            try await engine.renameContainer(id, to: name)
        } catch is Interrupted {
            if interruption.level >= .hurry { return interrupted(from: swap.from, to: swap.to, notes: notes, changed: true) }
            step("interrupted: putting \(swap.from) back")
            let back = await bringBack(oldID: live.id, newID: id)
            return interrupted(from: swap.from, to: swap.to, notes: notes, changed: !back)
        } catch {
            let logs = await target.lastLogs(id, failure: error)
            step("rolling back to \(swap.from)")
            let back = await bringBack(oldID: live.id, newID: id)
            return ServiceOutcome(host: host, service: name, kind: back ? .rolledBack : .degraded, from: swap.from, to: swap.to,
                                  message: notes.joined(separator: "; ").nilIfEmpty, error: ErrorText.oneLine(error, besideHost: true), logs: logs)
        }
        notes += await prune(replaced: live.id)
        return ServiceOutcome(host: host, service: name, kind: .updated, from: swap.from, to: swap.to, message: notes.joined(separator: "; ").nilIfEmpty)
    }

    private func startFirst(_ swap: Swap) async -> ServiceOutcome {
        let live = swap.live
        var notes = swap.notes
        var newID: String?
        do {
            step("creating \(names.next) from \(swap.to)")
            let id = try await create(names.next, swap.recreation)
            newID = id
            step("starting \(names.next)")
            _ = try await engine.startContainer(id)
            step("waiting for \(names.next) to be healthy")
            try await interruption.run(until: .stop) { [target] in try await target.healthCheck(id) }
        } catch {
            // The live container was never touched.
            let logs = error is Interrupted ? [] : await target.lastLogs(newID ?? names.next, failure: error)
            if !(error is Interrupted && interruption.level >= .hurry) {
                try? await engine.removeContainer(newID ?? names.next, force: true, volumes: false)
            }
            if error is Interrupted {
                return interrupted(from: swap.from, to: swap.to, notes: notes + ["\(name) was never stopped"], changed: false)
            }
            return ServiceOutcome(host: host, service: name, kind: .rolledBack, from: swap.from, to: swap.to,
                                  message: (notes + ["\(name) was never stopped"]).joined(separator: "; "), error: ErrorText.oneLine(error, besideHost: true), logs: logs)
        }
        let id = newID ?? ""
        // Renames first, while both run: a crash between them leaves a running NAME.molt-prev
        // and a NAME.molt-next, which a rerun repairs. Then the old one stops.
        do {
            try await archivePrevious()
            try await engine.renameContainer(live.id, to: names.previous)
            step("naming \(names.next) \(name)")
            try await engine.renameContainer(id, to: name)
        } catch {
            try? await engine.removeContainer(id, force: true, volumes: false)
            let back = await bringBack(oldID: live.id, newID: nil)
            return ServiceOutcome(host: host, service: name, kind: back ? .rolledBack : .degraded, from: swap.from, to: swap.to,
                                  message: notes.joined(separator: "; ").nilIfEmpty, error: ErrorText.oneLine(error, besideHost: true))
        }
        step("stopping \(names.previous)")
        do {
            _ = try await engine.stopContainer(live.id, timeout: settings.stopTimeout)
        } catch {
            notes.append("warning: \(names.previous) could not be stopped and still runs: \(ErrorText.oneLine(error, besideHost: true))")
        }
        notes += await prune(replaced: live.id)
        return ServiceOutcome(host: host, service: name, kind: .updated, from: swap.from, to: swap.to, message: notes.joined(separator: "; ").nilIfEmpty)
    }

    private func create(_ containerName: String, _ recreation: ContainerRecreation) async throws -> String {
        let id = try await engine.createContainer(name: containerName, body: recreation.createBody)
        for network in recreation.laterNetworks {
            try await engine.connectNetwork(network.name, container: id, endpointConfig: network.endpointConfig)
        }
        return id
    }

    /// Removes a `NAME.molt-next` that never started (a create that failed halfway leaves one),
    /// and gives `NAME.molt-prev` back to the container that stepped aside for this swap.
    /// The live container was never touched; what cannot be removed now, a rerun removes.
    private func discardUnstarted() async {
        if let made = try? await target.inspect(names.next) {
            try? await engine.removeContainer(made.id, force: true, volumes: false)
        }
        try? await restoreArchived()
    }

    // MARK: Retained containers

    /// Frees `NAME.molt-prev` for the container about to be replaced: the one there steps aside
    /// as `NAME.molt-prev-<id>` and stays until the new container has passed.
    private func archivePrevious(_ previous: Lookup = .unknown) async throws {
        let found: ContainerDetails?
        switch previous {
        case .known(let container): found = container
        case .unknown: found = try await target.inspect(names.previous)
        }
        guard let existing = found else { return }
        try await engine.renameContainer(existing.id, to: names.archived(id: existing.id))
    }

    /// After a failure: the newest archived container takes `NAME.molt-prev` back.
    private func restoreArchived() async throws {
        guard try await target.inspect(names.previous) == nil, let newest = try await archived().first else { return }
        try await engine.renameContainer(newest.id, to: names.previous)
    }

    /// The containers set aside as `NAME.molt-prev-<id>`, newest first.
    private func archived() async throws -> [ContainerSummary] {
        archived(in: try await setAside())
    }

    private func archived(in setAside: [ContainerSummary]) -> [ContainerSummary] {
        setAside.filter { $0.name.hasPrefix(names.previous + "-") }.sorted { $0.created > $1.created }
    }

    /// Every container of the service under a `NAME.molt-…` name, in one listing: retained,
    /// archived, failed, next.
    private func setAside() async throws -> [ContainerSummary] {
        let pattern = "^/" + NSRegularExpression.escapedPattern(for: names.copyPrefix)
        return try await engine.listContainers(all: true, filters: ["name": [pattern]])
            .filter { $0.name.hasPrefix(names.copyPrefix) }
    }

    /// Once the new container has passed: keeps `retain` replaced containers (the one just
    /// replaced first) and removes the rest. Returns notes on what could not be removed.
    private func prune(replaced: String) async -> [String] {
        do {
            if settings.retain == 0 {
                try await engine.removeContainer(replaced, force: true, volumes: false)
            }
            // One listing decides it all, unless Compose's retained containers were copied.
            var family = try await setAside()
            var notes: [String] = []
            if retainedByCompose(family) {
                notes = try await detachRetained(family)
                family = try await setAside()
            }
            for stale in archived(in: family).dropFirst(max(0, settings.retain - 1)) {
                try await engine.removeContainer(stale.id, force: true, volumes: false)
            }
            try await removeFailed(family)
            return notes
        } catch {
            return ["warning: could not prune the retained containers: \(ErrorText.oneLine(error, besideHost: true))"]
        }
    }

    // MARK: Compose

    /// Compose must not take molt's retained containers for its own (v1 and v2 list a
    /// service's containers by label, stopped ones too, and would recreate or remove them as
    /// extra replicas), and labels cannot change after create. So a retained container that
    /// carries Compose's labels is replaced by molt's copy without them: created stopped from
    /// its configuration, its image pinned by ID, its labels kept under `molt.compose.`. The
    /// copy is made before the original goes, so a crash in between leaves both, and the next
    /// run removes the original once it finds the copy.
    ///
    /// `family` is the service's set-aside containers (``setAside()``); callers call this only
    /// when ``retainedByCompose(_:)`` says there is something to do, and list them again after.
    private func detachRetained(_ family: [ContainerSummary]) async throws -> [String] {
        var compose: [ContainerDetails] = []
        for summary in retained(in: family) where ComposeService.isComposeContainer(summary.labels) {
            compose.append(try await engine.inspectContainer(summary.id))
        }
        let copied = Set(try await engine.listContainers(all: true, filters: ["label": [MoltLabel.copyOf]]).compactMap { $0.labels[MoltLabel.copyOf] })
        var notes: [String] = []
        for original in compose {
            if copied.contains(original.id) {
                // A copy was made, and a crash kept the original from going.
            } else if original.name == names.previous {
                step("keeping \(names.previous) as a copy without Compose's labels")
                try await engine.renameContainer(original.id, to: names.archived(id: original.id))
                try await copy(original, as: names.previous)
                notes.append("\(names.previous) is kept without Compose's labels (under \(MoltLabel.composePrefix)*), so that Compose does not take it for its own")
            } else if try await target.inspect(names.previous) == nil {
                try await copy(original, as: names.previous)
            } else {
                notes.append("removed \(original.name), an older retained container that Compose would take for its own")
            }
            try await engine.removeContainer(original.id, force: true, volumes: false)
        }
        return notes
    }

    /// `NAME.molt-prev` first, then the archived ones, newest first.
    private func retained(in family: [ContainerSummary]) -> [ContainerSummary] {
        family.filter { $0.name == names.previous } + archived(in: family)
    }

    private func retainedByCompose(_ family: [ContainerSummary]) -> Bool {
        retained(in: family).contains { ComposeService.isComposeContainer($0.labels) }
    }

    /// Creates molt's copy of a Compose container, never started: it keeps the container's
    /// configuration and image for a rollback, and is not Compose's.
    private func copy(_ original: ContainerDetails, as copyName: String) async throws {
        let recreation = try ContainerRecreation(
            container: original, oldImage: try await engine.inspectImage(original.image), image: original.image,
            apiVersion: engine.apiVersion, containerNames: try await target.sharedNamespaceNames(original))
        var body = recreation.createBody
        ComposeService.moveComposeLabelsAside(in: &body, copyOf: original)
        // Never started by molt, and never by the engine either.
        var hostConfig = body["HostConfig"] ?? [:]
        hostConfig["RestartPolicy"] = ["Name": "no"]
        body["HostConfig"] = hostConfig
        let id = try await engine.createContainer(name: copyName, body: body)
        for network in recreation.laterNetworks {
            try await engine.connectNetwork(network.name, container: id, endpointConfig: network.endpointConfig)
        }
    }

    /// After work on a Compose service whose tag is `reference`: the tag names the image the
    /// live container runs, as it did when Compose made it. Otherwise Compose would take the
    /// container for outdated (v1's hash, v2's image label) and recreate it, after a rollback
    /// or a failed release, with the image that was just put aside.
    private func keepComposeTag(reference: String) async -> String? {
        guard interruption.level < .hurry,
              let live = try? await target.inspect(name), ComposeService.isComposeContainer(live.labels),
              ComposeService.sameReference(live.configImage, reference), !live.configImage.contains("@"),
              let named = try? await engine.inspectImage(live.configImage), named.id != live.image
        else { return nil }
        do {
            try await engine.tagImage(live.image, as: live.configImage)
            return "\(live.configImage) names \(live.image.prefix(19)) again on \(host), the image \(name) runs, so that Compose keeps \(name)"
        } catch {
            return "warning: could not point \(live.configImage) back at \(live.image.prefix(19)), the image \(name) runs: "
                + "\(ErrorText.oneLine(error, besideHost: true)); `docker-compose up` would recreate \(name) from \(named.id.prefix(19))"
        }
    }

    // MARK: Undoing

    /// After a failure: the new container steps aside as `NAME.molt-failed`, the old one takes
    /// `NAME` back, starts and is checked. True when the old one is healthy again; only then is
    /// the failed new container removed.
    private func bringBack(oldID: String, newID: String?, stray: String? = nil) async -> Bool {
        // Each step outlasts an engine that is away for a moment (dockerd restarting).
        func persist(_ body: () async throws -> Void) async -> Bool {
            do {
                try await EngineAway.retrying(interruption, body)
                return true
            } catch {
                return false
            }
        }
        var failed: String?
        if newID != nil || stray != nil, let earlier = try? await EngineAway.retrying(interruption, { try await target.inspect(names.failed) }) {
            _ = await persist { try await engine.renameContainer(earlier.id, to: ContainerNames.aside(names.failed, id: earlier.id)) }
        }
        if let newID {
            _ = await persist { _ = try await engine.stopContainer(newID, timeout: settings.stopTimeout) }
            if await persist({ try await engine.renameContainer(newID, to: names.failed) }) { failed = newID }
        }
        if let stray, let leftover = try? await EngineAway.retrying(interruption, { try await target.inspect(stray) }), leftover.id != oldID {
            _ = await persist { _ = try await engine.stopContainer(leftover.id, timeout: settings.stopTimeout) }
            if await persist({ try await engine.renameContainer(leftover.id, to: names.failed) }) { failed = leftover.id }
        }
        _ = await persist {
            if try await target.inspect(name)?.id != oldID {
                try await engine.renameContainer(oldID, to: name)
            }
        }
        _ = await persist { _ = try await engine.startContainer(oldID) }
        _ = await persist { try await restoreArchived() }
        step("waiting for the old \(name) to be healthy")
        do {
            try await interruption.run(until: .hurry) { [target] in try await target.healthCheck(oldID) }
        } catch {
            if error is Interrupted { return false }
            step("the old \(name) is not healthy either: \(ErrorText.oneLine(error, besideHost: true)); \(failed == nil ? "" : "the failed new container is kept as \(names.failed); ")nothing was deleted")
            return false
        }
        _ = await persist { try await removeFailed() }
        return true
    }

    /// Once a container of the service has passed its checks, the failed new containers kept
    /// for the operator (`NAME.molt-failed`, and older ones set aside beside it) have served.
    private func removeFailed(_ listed: [ContainerSummary]? = nil) async throws {
        let family: [ContainerSummary]
        if let listed { family = listed } else { family = try await setAside() }
        for leftover in family where leftover.name == names.failed || leftover.name.hasPrefix(names.failed + "-") {
            try await engine.removeContainer(leftover.id, force: true, volumes: false)
        }
    }

    // MARK: Rolling back

    /// Puts the retained `NAME.molt-prev` back in place of `NAME` (or, with none retained, the
    /// image in the `molt.previous-image` label), health-checked. `onlyRun` restricts it to a
    /// container that run created.
    func rollBack(onlyRun: String? = nil) async -> ServiceOutcome {
        let started = ContinuousClock.now
        var outcome = await backward(onlyRun: onlyRun)
        if outcome.kind != .skipped, let reference = outcome.to {
            outcome.append(note: await keepComposeTag(reference: reference))
        }
        outcome.seconds = (ContinuousClock.now - started).seconds
        return outcome
    }

    private func backward(onlyRun: String?) async -> ServiceOutcome {
        if interruption.level >= .stop { return interrupted(notes: [], changed: false) }
        let current: ContainerDetails?
        let previous: ContainerDetails?
        do {
            current = try await target.inspect(name)
            previous = try await target.inspect(names.previous)
        } catch {
            return failed(error)
        }
        guard let current else {
            if let previous {
                // Half-done: restoring is what a rerun of the rollout does too.
                return await forward(to: previous.configImage, alreadyPulled: false)
            }
            return outcome(.skipped, message: "no container named \(name)")
        }
        if let onlyRun, current.labels[MoltLabel.run] != onlyRun {
            return outcome(.skipped, from: current.configImage,
                           message: "\(name) was not created by run \(onlyRun)\(current.labels[MoltLabel.run].map { " (it was by \($0))" } ?? "")")
        }
        if ComposeService.isComposeContainer(current.labels) {
            // A Compose container is put back by making it again, as Compose would, from the
            // image it ran before: its tag has moved on since, and a copy is not Compose's.
            let pinned = previous.flatMap { ComposeService.isCopy($0.labels) ? $0.image : nil } ?? current.labels[MoltLabel.previousImageID]
            if let pinned, previous.map({ ComposeService.isCopy($0.labels) }) ?? true {
                var outcome = await forward(to: current.configImage, pinned: pinned, alreadyPulled: true)
                if outcome.kind == .upToDate { outcome.message = "\(name) already runs \(pinned.prefix(19))" }
                return outcome
            }
        }
        guard let previous else {
            guard let image = current.labels[MoltLabel.previousImage] else {
                return outcome(.skipped, from: current.configImage,
                               message: "nothing to roll back to: no \(names.previous) and no \(MoltLabel.previousImage) label")
            }
            return await forward(to: image, alreadyPulled: false)
        }
        return await swapBack(current: current, previous: previous)
    }

    /// `current` steps aside as `NAME.molt-undone` and `previous` takes `NAME` back; if that
    /// one does not come up healthy, `current` returns.
    private func swapBack(current: ContainerDetails, previous: ContainerDetails) async -> ServiceOutcome {
        let from = current.configImage
        let to = previous.labels[MoltLabel.imageReference] ?? previous.configImage
        if ComposeService.isCopy(previous.labels) {
            return ServiceOutcome(host: host, service: name, kind: .failed, from: from, to: to,
                                  error: "\(names.previous) is molt's copy of a Compose container, without Compose's labels: it cannot take \(name) back; "
                                      + "`molt rollback` makes \(name) again from its image")
        }
        do {
            if let stale = try await target.inspect(names.undone) {
                try await engine.removeContainer(stale.id, force: true, volumes: false)
            }
            step("stopping \(name)")
            _ = try await engine.stopContainer(current.id, timeout: settings.stopTimeout)
            try await engine.renameContainer(current.id, to: names.undone)
            try await engine.renameContainer(previous.id, to: name)
            step("starting \(name) from \(to)")
            _ = try await engine.startContainer(previous.id)
            step("waiting for \(name) to be healthy")
            try await interruption.run(until: .hurry) { [target] in try await target.healthCheck(previous.id) }
        } catch {
            let logs = error is Interrupted ? [] : await target.lastLogs(previous.id, failure: error)
            if error is Interrupted { return interrupted(from: from, to: to, notes: [], changed: true) }
            // Put the release we came from back.
            _ = try? await engine.stopContainer(previous.id, timeout: settings.stopTimeout)
            try? await engine.renameContainer(previous.id, to: names.previous)
            try? await engine.renameContainer(current.id, to: name)
            _ = try? await engine.startContainer(current.id)
            let back: Bool
            do {
                try await interruption.run(until: .hurry) { [target] in try await target.healthCheck(current.id) }
                back = true
            } catch {
                back = false
            }
            return ServiceOutcome(host: host, service: name, kind: back ? .rolledBack : .degraded, from: from, to: to,
                                  error: "rolling back to \(to) failed: \(ErrorText.oneLine(error, besideHost: true))", logs: logs)
        }
        try? await engine.removeContainer(current.id, force: true, volumes: false)
        try? await restoreArchived()
        return ServiceOutcome(host: host, service: name, kind: .updated, from: from, to: to)
    }

    // MARK: Outcomes

    private func outcome(_ kind: ServiceOutcome.Kind, from: String? = nil, to: String? = nil, message: String? = nil) -> ServiceOutcome {
        ServiceOutcome(host: host, service: name, kind: kind, from: from, to: to, message: message)
    }

    private func failed(_ error: any Error, from: String? = nil, to: String? = nil, notes: [String] = []) -> ServiceOutcome {
        ServiceOutcome(host: host, service: name, kind: .failed, from: from, to: to,
                       message: notes.joined(separator: "; ").nilIfEmpty, error: ErrorText.oneLine(error, besideHost: true))
    }

    /// Stopped by a signal. `changed`: the host is not as it was (the operator hurried, or the
    /// old container did not come back), and a rerun repairs it.
    private func interrupted(from: String? = nil, to: String? = nil, notes: [String], changed: Bool) -> ServiceOutcome {
        let what = changed
            ? "interrupted mid-swap and left for the next run to repair (\(names.previous) holds the old container)"
            : "interrupted; \(name) is as it was"
        return ServiceOutcome(host: host, service: name, kind: .interrupted, from: from, to: to,
                              message: (notes + [what]).joined(separator: "; "))
    }
}
