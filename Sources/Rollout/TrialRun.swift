import DockerEngine
import Durations
import Fleet
import Foundation
import MoltNames
import Playbook

/// What one trial found.
public struct TrialOutcome: Sendable, Encodable {
    public enum Result: String, Sendable, Encodable {
        case passed
        case failed
        case skipped
        /// Stopped by a signal; the live container was not touched.
        case interrupted
    }

    public var host: String
    public var service: String
    public var result: Result
    public var seconds: Double
    public var error: String?
    /// The trial container's last log lines and health probe outputs.
    public var logs: [String]
    public var clones: [CloneSummary]
    /// What the trial mounted read-only because it was not cloned.
    public var readOnly: [String] = []

    /// One volume clone of a trial.
    public struct CloneSummary: Sendable, Encodable {
        public var volume: String
        public var clone: String
        public var bytes: Int64?
        public var seconds: Double
        public var pauseSeconds: Double
        public var method: String

        enum CodingKeys: String, CodingKey {
            case volume, clone, bytes, seconds, method
            case pauseSeconds = "pause_seconds"
        }
    }

    enum CodingKeys: String, CodingKey {
        case host, service, result, seconds, error, logs, clones
        case readOnly = "read_only"
    }

    /// A byte count as the operator reads it: kB or MB.
    public static func size(_ bytes: Int64) -> String {
        bytes >= 1_000_000 ? String(format: "%.1f MB", Double(bytes) / 1e6) : String(format: "%.1f kB", Double(bytes) / 1e3)
    }
}

/// Rehearsing an upgrade on a host against clones of the live data (SPEC §4 step 3, §4.7):
/// the trial container `NAME.molt-trial` runs the target image with the live container's
/// configuration, cloned volumes in place of the originals, everything it did not clone
/// mounted read-only, `trial.env` applied and no published ports; it must pass the health
/// checks. The live container keeps running (paused only while its volumes are copied, and
/// unpaused whatever happens), and the trial container and the clones are removed afterwards.
struct TrialRun: Sendable {
    let target: ServiceOnHost
    let trial: TrialSpec
    let identity: RunIdentity
    let settings: ReplacementSettings
    let interruption: Interruption

    var names: ContainerNames { target.names }
    var engine: any ContainerEngine { target.engine }

    func run(image: String? = nil, alreadyPulled: Bool = false) async -> TrialOutcome {
        let started = ContinuousClock.now
        var outcome = await attempt(target: image ?? target.service.image, alreadyPulled: alreadyPulled)
        outcome.seconds = (ContinuousClock.now - started).seconds
        return outcome
    }

    private func attempt(target image: String, alreadyPulled: Bool) async -> TrialOutcome {
        let host = target.hostName
        let service = names.live
        func outcome(_ result: TrialOutcome.Result, error: String? = nil, logs: [String] = [], clones: [VolumeClone.Record] = [],
                     readOnly: [String] = []) -> TrialOutcome {
            TrialOutcome(host: host, service: service, result: result, seconds: 0, error: error, logs: logs,
                         clones: clones.map { .init(volume: $0.volume, clone: $0.clone, bytes: $0.bytes, seconds: $0.seconds, pauseSeconds: $0.pauseSeconds, method: $0.method) },
                         readOnly: readOnly)
        }
        if interruption.level >= .stop { return outcome(.interrupted) }
        do {
            // An interrupted trial may have left its container, clones and copy helpers.
            if let stale = try await target.inspect(names.trial) {
                target.step("removing a leftover \(names.trial)")
                try await engine.removeContainer(stale.id, force: true, volumes: false)
            }
            try await VolumeClone.removeLeftovers(on: engine, service: service)
        } catch {
            return outcome(.failed, error: ErrorText.oneLine(error, besideHost: true))
        }

        let live: ContainerDetails
        let recreation: ContainerRecreation
        let clones: [VolumeClone.Record]
        let readOnly: [String]
        do {
            guard let found = try await target.inspect(service) else {
                return outcome(.skipped, error: "no container named \(service)")
            }
            live = found
            let settings = self.settings
            _ = try await interruption.run(until: .stop) { [target] in
                try await target.resolve(image, policy: settings.pull, alreadyPulled: alreadyPulled, auth: { try await settings.registryAuth(image) })
            }
            let volumes = try selectVolumes(live)
            readOnly = Self.uncloned(live, cloned: volumes)
            let cloner = VolumeClone(engine: engine, service: service, run: identity.id, interruption: interruption, step: target.step)
            clones = try await cloner.make(of: live, volumes: volumes, helperImage: trial.helperImage) { helper in
                _ = try await interruption.run(until: .stop) { [target] in
                    try await target.resolve(helper, policy: .missing, alreadyPulled: false, auth: { try await settings.registryAuth(helper) })
                }
            }
            for clone in clones {
                target.step(String(format: "cloned %@ (%@) in %.2fs; %@ was paused %.2fs", clone.volume,
                                   clone.bytes.map(TrialOutcome.size) ?? "size unknown", clone.seconds, service, clone.pauseSeconds))
            }
            if !readOnly.isEmpty {
                target.step("mounting read-only in \(names.trial), not cloned: \(readOnly.joined(separator: ", "))")
            }
            do {
                let oldImage = try await engine.inspectImage(live.image)
                recreation = try ContainerRecreation(
                    container: live, oldImage: oldImage, image: image,
                    labels: [MoltLabel.run: identity.id, MoltLabel.trial: "true", MoltLabel.trialCloneOf: service],
                    apiVersion: engine.apiVersion,
                    envOverrides: trial.env,
                    mountReplacements: Dictionary(clones.map { ($0.volume, $0.clone) }, uniquingKeysWith: { first, _ in first }),
                    dropPortBindings: true,
                    readOnlyUnlessReplaced: true,
                    containerNames: try await target.sharedNamespaceNames(live))
            } catch {
                await VolumeClone.remove(clones, on: engine)
                throw error
            }
        } catch is Interrupted {
            return outcome(.interrupted)
        } catch {
            return outcome(.failed, error: ErrorText.oneLine(error, besideHost: true))
        }

        var result = outcome(.passed, clones: clones, readOnly: readOnly)
        var trialID: String?
        do {
            target.step("starting \(names.trial) from \(image)")
            // Compose must not count the rehearsal among its service's containers.
            var body = recreation.createBody
            ComposeService.moveComposeLabelsAside(in: &body, copyOf: nil)
            let id = try await engine.createContainer(name: names.trial, body: body)
            trialID = id
            _ = try await engine.startContainer(id)
            target.step("waiting for \(names.trial) to be healthy")
            let spec = trial.health ?? target.service.health
            try await interruption.run(until: .stop) { [target] in try await target.healthCheck(id, spec: spec) }
        } catch is Interrupted {
            result.result = .interrupted
        } catch {
            result.result = .failed
            let hint = readOnly.isEmpty ? "" : " (mounted read-only because trial.volumes does not clone them: \(readOnly.joined(separator: ", ")))"
            result.error = "trial of \(image): \(ErrorText.oneLine(error, besideHost: true))\(hint)"
            if let trialID { result.logs = await target.lastLogs(trialID, failure: error) }
        }
        // A second signal leaves the trial container and the clones for the next run to remove.
        if interruption.level < .hurry {
            if let trialID { try? await engine.removeContainer(trialID, force: true, volumes: false) }
            await VolumeClone.remove(clones, on: engine)
        }
        return result
    }

    /// The live container's volumes that `trial.volumes` selects, each volume once even when
    /// it is mounted at several places.
    private func selectVolumes(_ live: ContainerDetails) throws -> [ContainerDetails.Mount] {
        var named: [ContainerDetails.Mount] = []
        for mount in live.mounts where mount.isVolume && mount.name != nil && !named.contains(where: { $0.name == mount.name }) {
            named.append(mount)
        }
        switch trial.volumes {
        case .all:
            return named
        case .named(let names):
            let missing = names.filter { wanted in !named.contains { $0.name == wanted } }
            guard missing.isEmpty else {
                throw ReplacementError("\(live.name) mounts no volume named \(missing.joined(separator: ", ")) (it mounts \(named.compactMap(\.name).joined(separator: ", ")))")
            }
            return named.filter { names.contains($0.name ?? "") }
        }
    }

    /// What the live container mounts that the trial does not clone: it is mounted read-only.
    static func uncloned(_ live: ContainerDetails, cloned: [ContainerDetails.Mount]) -> [String] {
        let clonedNames = Set(cloned.compactMap(\.name))
        var result: [String] = []
        for mount in live.mounts where mount.readWrite && (mount.type == "volume" || mount.type == "bind") {
            if let name = mount.name, clonedNames.contains(name) { continue }
            let what = mount.type == "bind" ? "bind \(mount.source) at \(mount.destination)" : "volume \(mount.name ?? "?") at \(mount.destination)"
            if !result.contains(what) { result.append(what) }
        }
        for shared in live.hostConfig["VolumesFrom"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
            result.append("volumes from \(shared.split(separator: ":").first.map(String.init) ?? shared)")
        }
        return result
    }

    /// One line for the host's report.
    static func note(_ trial: TrialOutcome) -> String {
        let pause = trial.clones.reduce(0) { $0 + $1.pauseSeconds }
        return String(format: "trial passed in %.1fs, live paused %.2fs for %d volume clone(s)", trial.seconds, pause, trial.clones.count)
    }

}
