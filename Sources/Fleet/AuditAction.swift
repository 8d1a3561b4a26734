public import DockerEngine
import Foundation
import Inventory
import MoltNames
import Packages

/// `molt audit`: where the fleet has drifted from "every container is exactly its image, and
/// its image is the current build" (SPEC §8). It changes nothing: the containers it creates to
/// read an image's own package database are never started and always removed.
public struct AuditAction: Sendable {
    public var fleet: Fleet
    /// Audit only containers with this name (`--container`).
    public var containerName: String?
    /// The credentials pulls use, sent with the engine's registry question for stale tags;
    /// `nil` asks anonymously.
    public var credentials: RegistryCredentials?
    /// Containers audited at once on one host.
    public var containersInParallel: Int = 4

    public init(fleet: Fleet, containerName: String? = nil, credentials: RegistryCredentials? = nil) {
        self.fleet = fleet
        self.containerName = containerName
        self.credentials = credentials
    }

    /// Where a patch by `molt patch` is recorded inside the container.
    public static let patchRecord = "/etc/molt-patches"
    /// The label on the never-started containers that read an image's package database.
    public static let scratchLabel = "molt.audit"

    public func perform() async -> AuditReport {
        let options = Options(containerName: containerName, credentials: credentials, width: containersInParallel)
        let outcomes = await fleet.visit { connection in
            await Self.audit(host: connection.host.name, engine: connection.docker, options: options)
        }
        var hostAudits: [HostAudit] = []
        var problems: [FindProblem] = []
        for outcome in outcomes {
            switch outcome.result {
            case .success(let audit): hostAudits.append(audit)
            case .failure(let failure): problems.append(FindProblem(host: outcome.host.name, error: failure.message))
            }
        }
        return Self.report(hostAudits, hostProblems: problems)
    }

    /// What to audit, passed to every host.
    public struct Options: Sendable {
        public var containerName: String?
        public var credentials: RegistryCredentials?
        public var width: Int

        public init(containerName: String? = nil, credentials: RegistryCredentials? = nil, width: Int = 4) {
            self.containerName = containerName
            self.credentials = credentials
            self.width = width
        }
    }

    /// One host's audit: its findings, what could not be audited, and which image each
    /// container runs (for `mixed`, which only the whole fleet can tell).
    public struct HostAudit: Sendable {
        public var host: String
        public var findings: [AuditFinding] = []
        public var problems: [FindProblem] = []
        public var containers: [AuditedContainer] = []
    }

    /// A container audited: enough to compare services across hosts.
    public struct AuditedContainer: Sendable, Hashable {
        public var host: String
        public var name: String
        public var image: String
        public var imageID: String

        public init(host: String, name: String, image: String, imageID: String) {
            self.host = host
            self.name = name
            self.image = image
            self.imageID = imageID
        }
    }

    /// How old a scratch container must be before an audit takes it for one a killed audit
    /// left behind (an audit in flight keeps its own for well under a second).
    public static let leftoverAge: Int64 = 600

    /// Removes scratch containers that an audit killed with SIGKILL left behind: created by an
    /// audit (its label and name) more than ``leftoverAge`` seconds ago.
    static func removeLeftovers(_ listed: [ContainerSummary], engine: some ContainerEngine) async {
        let now = Int64(Date().timeIntervalSince1970)
        for leftover in listed where leftover.labels[scratchLabel] != nil && leftover.name.contains(ContainerNames.auditInfix)
            && leftover.state != "running" && now - leftover.created > leftoverAge {
            try? await engine.removeContainer(leftover.id, force: false, volumes: true)
        }
    }

    /// The fleet's report from each host's audit: their findings, then `mixed` ones.
    public static func report(_ audits: [HostAudit], hostProblems: [FindProblem]) -> AuditReport {
        var findings = audits.flatMap(\.findings)
        findings += mixedFindings(audits.flatMap(\.containers))
        return AuditReport(findings: findings, errors: hostProblems + audits.flatMap(\.problems), hostsSearched: audits.count)
    }

    /// `mixed`: a container name that runs more than one image ID across the hosts. The
    /// containers on the most common image are taken as the service's norm and the others
    /// reported; when no image is the most common, every one is.
    public static func mixedFindings(_ containers: [AuditedContainer]) -> [AuditFinding] {
        var findings: [AuditFinding] = []
        for (name, group) in Dictionary(grouping: containers, by: \.name).sorted(by: { $0.key < $1.key }) {
            let byImage = Dictionary(grouping: group, by: \.imageID)
            guard byImage.count > 1 else { continue }
            let counts = byImage.mapValues(\.count)
            let most = counts.values.max() ?? 0
            let norm = counts.filter { $0.value == most }.count == 1 ? counts.first { $0.value == most }?.key : nil
            let spread = byImage.sorted { $0.value.count != $1.value.count ? $0.value.count > $1.value.count : $0.key < $1.key }
                .map { id, members in "\(shortID(id)) on \(members.map(\.host).sorted().joined(separator: ","))" }
                .joined(separator: "; ")
            for container in group.sorted(by: { $0.host < $1.host }) where container.imageID != norm {
                findings.append(AuditFinding(host: container.host, container: name, image: container.image, kind: .mixed,
                                             detail: "\(name) runs \(byImage.count) images: \(spread)"))
            }
        }
        return findings
    }

    /// `sha256:0123456789ab…` as `docker ps` shortens it: twelve hex digits.
    static func shortID(_ id: String) -> String {
        let hex = id.hasPrefix("sha256:") ? id.dropFirst(7) : Substring(id)
        return String(hex.prefix(12))
    }

    // MARK: - One host

    /// Audits every service container of one host (never molt's own retained, trial, lock or
    /// audit containers).
    public static func audit<Engine: ContainerEngine & PackageDatabaseSource>(host: String, engine: Engine, options: Options) async -> HostAudit {
        var audit = HostAudit(host: host)
        let summaries: [ContainerSummary]
        do {
            var filters: [String: [String]] = [:]
            if let name = options.containerName { filters["name"] = ["^/\(name)$"] }
            let listed = try await engine.listContainers(all: true, filters: filters)
            await removeLeftovers(listed, engine: engine)
            summaries = listed
                .filter { !FindAction.isMoltInternal($0.name) && options.containerName.map($0.name.elementsEqual) ?? true }
                .sorted { $0.name < $1.name }
        } catch {
            audit.problems.append(FindProblem(host: host, error: ErrorText.oneLine(error)))
            return audit
        }
        audit.containers = summaries.map { AuditedContainer(host: host, name: $0.name, image: $0.image, imageID: $0.imageID) }

        let results = await concurrentMap(summaries, limit: options.width) { summary in
            await ContainerAudit<Engine>(host: host, summary: summary, engine: engine).run()
        }
        var tagChecks: [String: [ContainerAudit<Engine>.TagCheck]] = [:]
        for result in results {
            audit.findings += result.findings
            audit.problems += result.problems
            if let check = result.tagCheck { tagChecks[check.reference, default: []].append(check) }
        }

        // One registry question per tag and host, however many containers run it.
        let references = tagChecks.keys.sorted()
        let answers = await concurrentMap(references, limit: options.width) { reference in
            await Result(catching: { () async throws -> String in
                let auth = try await options.credentials?.auth(forImage: reference)
                return try await engine.distributionDigest(reference, auth: auth)
            })
        }
        for (reference, answer) in zip(references, answers) {
            for check in tagChecks[reference] ?? [] {
                switch answer {
                case .success(let current) where !check.runningDigests.contains(current):
                    audit.findings.append(AuditFinding(
                        host: host, container: check.container, image: reference, kind: .staleTag,
                        detail: "registry has \(current), running \(check.runningDigests.sorted().joined(separator: ", "))"))
                case .success:
                    break
                case .failure(let error):
                    audit.problems.append(FindProblem(host: host, container: check.container,
                                                      error: "asking the registry for \(reference): \(ErrorText.oneLine(error))"))
                }
            }
        }
        audit.findings.sort { ($0.container, $0.kind.rawValue) < ($1.container, $1.kind.rawValue) }
        return audit
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
