import DockerEngine
import Fleet
import Foundation
import Inventory
import Playbook

/// What one trial found.
public struct TrialOutcome: Sendable, Encodable {
    public enum Result: String, Sendable, Encodable {
        case passed
        case failed
        case skipped
    }

    public var host: String
    public var service: String
    public var result: Result
    public var seconds: Double
    public var error: String?
    /// The trial container's last log lines and health probe outputs.
    public var logs: [String]
    public var clones: [CloneSummary]

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
}

/// Rehearsing an upgrade on a host against clones of the live data (SPEC §4 step 3): the
/// trial container `NAME.molt-trial` runs the target image with the live container's
/// configuration, cloned volumes in place of the originals, `trial.env` applied and no
/// published ports; it must pass the health checks. The live container keeps running
/// (paused only while its volumes are copied), and the trial container and the clones are
/// always removed afterwards.
public struct TrialRun: Sendable {
    let replacement: Replacement
    let trial: TrialSpec

    var connection: HostConnection { replacement.connection }
    var service: Service { replacement.service }
    var name: String { service.container }
    var trialName: String { "\(name).molt-trial" }
    var docker: DockerClient { connection.docker }

    func run(image target: String? = nil, alreadyPulled: Bool = false) async -> TrialOutcome {
        let started = ContinuousClock.now
        var outcome = await attempt(target: target ?? service.image, alreadyPulled: alreadyPulled)
        outcome.seconds = Replacement.seconds(since: started)
        return outcome
    }

    private func attempt(target: String, alreadyPulled: Bool) async -> TrialOutcome {
        let host = connection.host.name
        func outcome(_ result: TrialOutcome.Result, error: String? = nil, logs: [String] = [], clones: [VolumeClone.Record] = []) -> TrialOutcome {
            TrialOutcome(host: host, service: name, result: result, seconds: 0, error: error, logs: logs,
                         clones: clones.map { .init(volume: $0.volume, clone: $0.clone, bytes: $0.bytes, seconds: $0.seconds, pauseSeconds: $0.pauseSeconds, method: $0.method) })
        }
        do {
            // An interrupted trial may have left its container and clones.
            if let stale = try await replacement.inspect(trialName) {
                replacement.step("removing a leftover \(trialName)")
                try await docker.removeContainer(stale.id, force: true)
            }
            try await VolumeClone.removeLeftovers(on: connection, service: name)
        } catch {
            return outcome(.failed, error: Replacement.text(error))
        }

        let live: ContainerDetails
        let recreation: ContainerRecreation
        let clones: [VolumeClone.Record]
        do {
            guard let found = try await replacement.inspect(name) else {
                return outcome(.skipped, error: "no container named \(name)")
            }
            live = found
            _ = try await replacement.resolve(target, alreadyPulled: alreadyPulled)
            let volumes = try selectVolumes(live)
            let cloner = VolumeClone(connection: connection, service: name, run: replacement.identity.id, step: replacement.step)
            clones = try await cloner.make(of: live, volumes: volumes, helperImage: trial.helperImage) { image in
                _ = try await replacement.resolve(image, alreadyPulled: false)
            }
            for clone in clones {
                replacement.step(String(format: "cloned %@ (%@) in %.2fs; %@ was paused %.2fs", clone.volume,
                                        clone.bytes.map(Self.size) ?? "size unknown", clone.seconds, name, clone.pauseSeconds))
            }
            do {
                let oldImage = try await docker.inspectImage(live.image)
                recreation = try ContainerRecreation(
                    container: live, oldImage: oldImage, image: target,
                    labels: ["molt.run": replacement.identity.id, "molt.trial": "true", VolumeClone.cloneLabel: name],
                    apiVersion: docker.apiVersion,
                    envOverrides: trial.env,
                    mountReplacements: Dictionary(uniqueKeysWithValues: clones.map { ($0.volume, $0.clone) }),
                    dropPortBindings: true,
                    containerNames: try await replacement.sharedNamespaceNames(live))
            } catch {
                await VolumeClone.remove(clones, on: connection)
                throw error
            }
        } catch {
            return outcome(.failed, error: Replacement.text(error))
        }

        var result = outcome(.passed, clones: clones)
        var trialID: String?
        do {
            replacement.step("starting \(trialName) from \(target)")
            let id = try await docker.createContainer(name: trialName, body: recreation.createBody)
            trialID = id
            _ = try await docker.startContainer(id)
            replacement.step("waiting for \(trialName) to be healthy")
            try await replacement.healthCheck(id, spec: trial.health ?? service.health)
        } catch {
            result.result = .failed
            result.error = "trial of \(target): \(Replacement.text(error))"
            if let trialID { result.logs = await replacement.lastLogs(trialID, failure: error) }
        }
        if let trialID { try? await docker.removeContainer(trialID, force: true) }
        await VolumeClone.remove(clones, on: connection)
        return result
    }

    /// The live container's named volumes that `trial.volumes` selects.
    private func selectVolumes(_ live: ContainerDetails) throws -> [ContainerDetails.Mount] {
        let named = live.mounts.filter { $0.isVolume && $0.name != nil }
        switch trial.volumes {
        case .all:
            return named
        case .named(let names):
            let missing = names.filter { wanted in !named.contains { $0.name == wanted } }
            guard missing.isEmpty else {
                throw ReplacementError("\(name) mounts no volume named \(missing.joined(separator: ", ")) (it mounts \(named.compactMap(\.name).joined(separator: ", ")))")
            }
            return named.filter { names.contains($0.name ?? "") }
        }
    }

    /// A byte count as the operator reads it: kB or MB.
    public static func size(_ bytes: Int64) -> String {
        bytes >= 1_000_000 ? String(format: "%.1f MB", Double(bytes) / 1e6) : String(format: "%.1f kB", Double(bytes) / 1e3)
    }
}
