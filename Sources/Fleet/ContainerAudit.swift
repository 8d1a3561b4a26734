import DockerEngine
import Foundation
import MoltNames
import Packages

/// The audit of one container: every kind of SPEC §8 but `mixed`, which needs the whole fleet,
/// and `stale-tag`, whose registry question is asked once per tag on the host.
struct ContainerAudit<Engine: ContainerEngine & PackageDatabaseSource>: Sendable {
    var host: String
    var summary: ContainerSummary
    var engine: Engine

    /// A tag whose registry digest must be compared with the digests the running image has.
    struct TagCheck: Sendable {
        var container: String
        var reference: String
        var runningDigests: Set<String>
    }

    struct Result: Sendable {
        var findings: [AuditFinding] = []
        var problems: [FindProblem] = []
        var tagCheck: TagCheck?
    }

    /// The largest patch record read; a record is one short line per patch.
    static var patchRecordLimit: Int { 1 << 20 }

    func run() async -> Result {
        var result = Result()
        // One changes call tells both whether a patch was recorded and whether packages changed.
        let changes = await attempt("listing its changes", into: &result.problems) { try await engine.containerChanges(summary.id) } ?? []
        if changes.contains(where: { $0.path == AuditAction.patchRecord && $0.kind != .deleted }) {
            let patch = await attempt("reading \(AuditAction.patchRecord)", into: &result.problems) { try await patchLines() }
            if let lines = patch {
                result.findings.append(finding(.patched, lines.isEmpty ? "\(AuditAction.patchRecord) is empty" : lines.joined(separator: "\n")))
            }
        }
        let drift = await attempt("comparing its packages with its image's", into: &result.problems) { try await packageDrift(changes) }
        if let diff = drift ?? nil {
            result.findings.append(finding(.changedInPlace, diff.lines.joined(separator: "\n")))
        }
        let image = await attempt("inspecting its image", into: &result.problems) { () async throws -> ImageDetails in
            guard let image = try await engine.inspectImage(summary.imageID) else {
                throw DockerError(.notFound, "the engine no longer has image \(summary.imageID)")
            }
            return image
        }
        if let image {
            if image.repoDigests.isEmpty {
                if let top = await attempt("reading its image's history", into: &result.problems, { try await historyTop() }) {
                    result.findings.append(finding(.localImage, top))
                }
            } else {
                result.tagCheck = tagCheck(image)
            }
        }
        return result
    }

    private func finding(_ kind: AuditFinding.Kind, _ detail: String) -> AuditFinding {
        AuditFinding(host: host, container: summary.name, image: summary.image, kind: kind, detail: detail)
    }

    /// Runs one check; its failure is a problem with this container, and the other checks go on.
    private func attempt<Value>(_ what: String, into problems: inout [FindProblem], _ body: () async throws -> Value) async -> Value? {
        do {
            return try await body()
        } catch {
            problems.append(FindProblem(host: host, container: summary.name, error: "\(what): \(ErrorText.oneLine(error))"))
            return nil
        }
    }

    // MARK: - patched

    /// The lines of the container's patch record, which the changes API says it has (it is
    /// written into the running container, never into an image molt builds).
    func patchLines() async throws -> [String] {
        let archive = try await engine.archive(of: summary.id, path: AuditAction.patchRecord, maxSize: Self.patchRecordLimit)
        guard let file = try TarArchive.entries(archive).first(where: { $0.kind == .file }) else { return [] }
        return String(decoding: file.contents, as: UTF8.self).split(whereSeparator: \.isNewline).map(String.init)
    }

    // MARK: - changed-in-place

    /// How the container's packages differ from its image's, when the changes API says its
    /// package database changed and they do differ; `nil` otherwise.
    func packageDrift(_ changes: [ContainerChange]) async throws -> PackageDiff? {
        guard changes.contains(where: { Self.touchesPackageDatabase($0.path) }) else { return nil }
        let current = try await engine.installedPackages(in: summary.id)
        let original = try await imagePackages()
        let diff = PackageDiff(image: original, container: current)
        return diff.isEmpty ? nil : diff
    }

    /// Whether a changed path is, or is inside, one of the package databases.
    static func touchesPackageDatabase(_ path: String) -> Bool {
        PackageDatabase.locations.contains { path == $0.path || path.hasPrefix($0.path + "/") }
    }

    /// The packages of the container's image, read from a container created from it and never
    /// started, which is removed afterwards whatever happens (also when the task is cancelled:
    /// the removal runs in a task of its own).
    func imagePackages() async throws -> [InstalledPackage] {
        let name = ContainerNames(summary.name).auditScratch(suffix: String(UInt64.random(in: 0...UInt64.max), radix: 16))
        let body: JSONValue = [
            "Image": .string(summary.imageID),
            "Entrypoint": ["molt-audit"],
            "Cmd": [],
            "Labels": .object([AuditAction.scratchLabel: .string(summary.name)]),
            "HostConfig": ["NetworkMode": "none"],
        ]
        let id = try await engine.createContainer(name: name, body: body)
        let engine = self.engine
        do {
            let packages = try await engine.installedPackages(in: id)
            await Task { try? await engine.removeContainer(id, force: true, volumes: true) }.value
            return packages
        } catch {
            await Task { try? await engine.removeContainer(id, force: true, volumes: true) }.value
            throw error
        }
    }

    // MARK: - local-image

    /// The newest entry of the image's history: what built or committed it, and when.
    func historyTop() async throws -> String {
        guard let top = try await engine.imageHistory(summary.imageID).first else { return "no registry digest; no history" }
        let when = Date(timeIntervalSince1970: TimeInterval(top.created)).ISO8601Format()
        var text = "no registry digest; top layer \(when): \(top.createdBy.isEmpty ? "(no command)" : top.createdBy)"
        if !top.comment.isEmpty { text += " (\(top.comment))" }
        return text
    }

    // MARK: - stale-tag

    /// The registry question for the container's tag, or `nil` when it names its image by ID
    /// or digest (nothing can go stale).
    func tagCheck(_ image: ImageDetails) -> TagCheck? {
        guard !summary.image.hasPrefix("sha256:"), summary.image != summary.imageID,
            let reference = try? ImageReference(summary.image), reference.digest == nil
        else { return nil }
        let sameRepository = image.repoDigests.compactMap { try? ImageReference($0) }.filter { $0.name == reference.name }
        let digests = Set((sameRepository.isEmpty ? image.repoDigests.compactMap { try? ImageReference($0) } : sameRepository).compactMap(\.digest))
        guard !digests.isEmpty else { return nil }
        return TagCheck(container: summary.name, reference: reference.description + (reference.tag == nil ? ":latest" : ""), runningDigests: digests)
    }
}
