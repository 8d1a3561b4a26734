import DockerEngine
import Durations
import Fleet
import Foundation
import MoltNames
import Playbook

/// Consistent copies of a live container's named volumes, made on the host itself
/// (SPEC §4 step 3): the data never leaves the host unless no image there can copy it.
///
/// The live container is paused only while the copy runs, and unpaused whatever happens: an
/// interruption cuts the copy short but never skips the unpause, and a copy helper left by a
/// killed molt tells the next run that the live container may need unpausing.
struct VolumeClone: Sendable {
    /// One volume copied.
    struct Record: Sendable, Encodable {
        var volume: String
        var clone: String
        /// Where the live container mounts it.
        var destination: String
        /// Bytes in the clone, when the copying image could count them.
        var bytes: Int64?
        var seconds: Double
        /// How long the live container was paused for this copy.
        var pauseSeconds: Double
        /// `cp` on the host (with which image), or `archive` through the tunnel.
        var method: String

        enum CodingKeys: String, CodingKey {
            case volume, clone, bytes, seconds, method
            case pauseSeconds = "pause_seconds"
        }
    }

    let engine: any ContainerEngine
    let service: String
    let run: String
    let interruption: Interruption
    let step: @Sendable (String) -> Void

    /// The label every clone and copy helper carries, so a later run finds and removes leftovers.
    static let cloneLabel = MoltLabel.trialCloneOf

    /// Clones `volumes` (named volumes mounted by `live`) into new volumes.
    /// - Parameter helperImage: an image with `cp`, for live images that have none.
    func make(of live: ContainerDetails, volumes: [ContainerDetails.Mount], helperImage: String?,
              pullHelper: (String) async throws -> Void) async throws -> [Record] {
        guard !volumes.isEmpty else { return [] }
        let suffix = String(run.suffix(4))
        var made: [(ContainerDetails.Mount, String)] = []
        do {
            for mount in volumes {
                let source = mount.name ?? ""
                let clone = ContainerNames.trialVolume(of: source, suffix: suffix)
                step("creating volume \(clone)")
                _ = try await engine.createVolume(name: clone, labels: [Self.cloneLabel: service, MoltLabel.run: run, MoltLabel.trialSource: source])
                made.append((mount, clone))
            }
            if let copier = try await copyingImage(live: live, helperImage: helperImage, pullHelper: pullHelper) {
                return try await copyOnHost(live: live, pairs: made, image: copier.image, label: copier.label, hasShell: copier.hasShell)
            }
            step("no image on the host can copy files: streaming \(made.map { $0.0.name ?? "" }.joined(separator: ", ")) through the SSH tunnel")
            return try await copyThroughTunnel(live: live, pairs: made)
        } catch {
            for (_, clone) in made { try? await engine.removeVolume(clone, force: true) }
            throw error
        }
    }

    /// Removes clones and copy helpers that this service's trials left behind.
    static func removeLeftovers(on engine: any ContainerEngine, service: String) async throws {
        for helper in try await engine.listContainers(all: true, filters: ["label": ["\(cloneLabel)=\(service)"]]) {
            try await engine.removeContainer(helper.id, force: true, volumes: helper.name.hasPrefix(ContainerNames(service).cloneHelperPrefix))
        }
        for volume in try await engine.listVolumes(filters: ["label": ["\(cloneLabel)=\(service)"]]) {
            try await engine.removeVolume(volume.name, force: true)
        }
    }

    /// Whether a copy helper of this service is still on the host: a clone was cut short by a
    /// killed molt, which may have left the live container paused.
    static func hasLeftovers(on engine: any ContainerEngine, service: String) async throws -> Bool {
        try await engine.listContainers(all: true, filters: ["label": ["\(cloneLabel)=\(service)"]])
            .contains { $0.name.hasPrefix(ContainerNames(service).cloneHelperPrefix) }
    }

    /// Removes these clones.
    static func remove(_ records: [Record], on engine: any ContainerEngine) async {
        for record in records { try? await engine.removeVolume(record.clone, force: true) }
    }

    // MARK: Copying

    private struct Copier {
        var image: String
        var label: String
        var hasShell: Bool
    }

    /// The live container's own image when it has `cp`, else the helper image.
    private func copyingImage(live: ContainerDetails, helperImage: String?, pullHelper: (String) async throws -> Void) async throws -> Copier? {
        if try await hasFile(live.id, ["/bin/cp", "/usr/bin/cp"]) {
            return Copier(image: live.image, label: "cp (the service's own image)", hasShell: try await hasFile(live.id, ["/bin/sh"]))
        }
        guard let helperImage else { return nil }
        try await pullHelper(helperImage)
        return Copier(image: helperImage, label: "cp (\(helperImage))", hasShell: true)
    }

    private func hasFile(_ container: String, _ paths: [String]) async throws -> Bool {
        for path in paths where try await engine.archiveInfo(of: container, path: path) != nil { return true }
        return false
    }

    private func copyOnHost(live: ContainerDetails, pairs: [(ContainerDetails.Mount, String)], image: String, label: String, hasShell: Bool) async throws -> [Record] {
        var helpers: [(mount: ContainerDetails.Mount, clone: String, id: String)] = []
        let result: Result<[Record], any Error>
        do {
            // Every helper exists before the pause, so the pause covers only the copy.
            for (mount, clone) in pairs {
                // Awaited before the tuple is formed (see concurrentMap: swiftlang/swift#91911).
                let id = try await createHelper(image: image, source: mount.name ?? "", clone: clone, hasShell: hasShell)
                helpers.append((mount, clone, id))
            }
            var records: [Record] = []
            for helper in helpers {
                records.append(try await copy(live: live, helper: helper, label: label))
            }
            result = .success(records)
        } catch {
            result = .failure(error)
        }
        // volumes: true removes only the anonymous volumes the helper's image declared for
        // itself; named volumes (the source and the clone) are never removed that way.
        for helper in helpers { try? await engine.removeContainer(helper.id, force: true, volumes: true) }
        return try result.get()
    }

    private func createHelper(image: String, source: String, clone: String, hasShell: Bool) async throws -> String {
        let command: JSONValue = hasShell
            ? ["/bin/sh", "-c", "cp -a /molt-src/. /molt-dst/ && du -sk /molt-dst"]
            : ["cp", "-a", "/molt-src/.", "/molt-dst/"]
        return try await engine.createContainer(name: helperName(), body: [
            "Image": .string(image),
            "Entrypoint": command,
            "Cmd": [],
            "User": "0:0",
            "Labels": .object([Self.cloneLabel: .string(service), MoltLabel.run: .string(run)]),
            "HostConfig": [
                "Binds": [.string("\(source):/molt-src:ro"), .string("\(clone):/molt-dst")],
                "NetworkMode": "none",
            ],
        ])
    }

    /// One copy, with the live container paused for exactly its duration.
    private func copy(live: ContainerDetails, helper: (mount: ContainerDetails.Mount, clone: String, id: String), label: String) async throws -> Record {
        let volume = helper.mount.name ?? ""
        let pausing = live.state.running && !live.state.paused
        step("cloning \(volume) into \(helper.clone) with \(label)\(pausing ? ", \(service) paused" : "")")
        let started = ContinuousClock.now
        if pausing { try await engine.pauseContainer(live.id) }
        let copied: Result<Int, any Error>
        do {
            let engine = self.engine
            copied = .success(try await interruption.run(until: .stop) {
                _ = try await engine.startContainer(helper.id)
                return try await engine.waitContainer(helper.id, timeout: .seconds(3600))
            })
        } catch {
            // Cut short: the copy must not go on writing once the live container runs again.
            try? await engine.removeContainer(helper.id, force: true, volumes: true)
            copied = .failure(error)
        }
        if pausing { try await unpause(live.id) }
        let paused = pausing ? (ContinuousClock.now - started).seconds : 0
        let exit = try copied.get()
        let logs = try? await engine.logs(helper.id, tail: 20)
        guard exit == 0 else {
            throw ReplacementError("copying volume \(volume) failed (exit \(exit)): \((logs?.lines.map(\.text) ?? []).joined(separator: " | "))")
        }
        let kib = logs?.lines.compactMap { line in Int64(line.text.split(whereSeparator: \.isWhitespace).first ?? "") }.last
        return Record(volume: volume, clone: helper.clone, destination: helper.mount.destination, bytes: kib.map { $0 * 1024 },
                      seconds: (ContinuousClock.now - started).seconds, pauseSeconds: paused, method: label)
    }

    /// The last resort: the archive API out of the live container and into a container that
    /// mounts the clone. Slow for big volumes, and the data crosses the SSH tunnel twice.
    private func copyThroughTunnel(live: ContainerDetails, pairs: [(ContainerDetails.Mount, String)]) async throws -> [Record] {
        var records: [Record] = []
        for (mount, clone) in pairs {
            let receiver = try await engine.createContainer(name: helperName(), body: [
                "Image": .string(live.image),
                "Labels": .object([Self.cloneLabel: .string(service), MoltLabel.run: .string(run)]),
                "HostConfig": ["Binds": [.string("\(clone):/molt-dst")], "NetworkMode": "none"],
            ])
            let pausing = live.state.running && !live.state.paused
            let started = ContinuousClock.now
            if pausing { try await engine.pauseContainer(live.id) }
            let tar: Result<[UInt8], any Error>
            do {
                let engine = self.engine
                tar = .success(try await interruption.run(until: .stop) { try await engine.archive(of: live.id, path: mount.destination + "/.") })
            } catch {
                tar = .failure(error)
            }
            if pausing { try await unpause(live.id) }
            let paused = pausing ? (ContinuousClock.now - started).seconds : 0
            do {
                let bytes = try tar.get()
                try await engine.putArchive(into: receiver, path: "/molt-dst", tar: bytes)
                try await engine.removeContainer(receiver, force: true, volumes: true)
                records.append(Record(volume: mount.name ?? "", clone: clone, destination: mount.destination, bytes: Int64(bytes.count),
                                      seconds: (ContinuousClock.now - started).seconds, pauseSeconds: paused, method: "archive (through the SSH tunnel)"))
            } catch {
                try? await engine.removeContainer(receiver, force: true, volumes: true)
                throw error
            }
        }
        return records
    }

    /// Thaws the live container; tried again for a while, since leaving it frozen stops the
    /// service. Not cut short by any interruption.
    private func unpause(_ id: String) async throws {
        var lastError: (any Error)?
        for attempt in 0..<5 {
            if attempt > 0 { try? await Task.sleep(for: .milliseconds(200 * attempt)) }
            do {
                try await engine.unpauseContainer(id)
                return
            } catch {
                lastError = error
                // Already running (unpaused by someone else): done.
                if let details = try? await engine.inspectContainer(id), !details.state.paused { return }
            }
        }
        throw ReplacementError("\(service) could not be unpaused after a volume copy: \(ErrorText.oneLine(lastError ?? ReplacementError("unknown"), besideHost: true))")
    }

    private func helperName() -> String {
        ContainerNames(service).cloneHelperPrefix + String(UInt32.random(in: 0...UInt32.max), radix: 16)
    }
}
