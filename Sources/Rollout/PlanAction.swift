import DockerEngine
public import JSONShape
import Durations
public import Fleet
import Foundation
import Inventory
import MoltNames
public import Playbook

/// `molt plan`: the batches, and per host and service what a rollout would do. Changes nothing.
public struct PlanAction: Sendable {
    public var playbook: Playbook
    public var fleet: Fleet

    public init(playbook: Playbook, fleet: Fleet) {
        self.playbook = playbook
        self.fleet = fleet
    }

    public func perform() async -> PlanReport {
        let services = playbook.services
        let order = playbook.order
        let outcomes = await fleet.visit { connection in
            var entries: [PlanEntry] = []
            for service in services {
                entries.append(try await Self.entry(for: ServiceOnHost(host: RolloutHost(connection), service: service), order: order))
            }
            return entries
        }
        var byHost: [String: [PlanEntry]] = [:]
        for outcome in outcomes {
            switch outcome.result {
            case .success(let entries):
                byHost[outcome.host.name] = entries
            case .failure(let failure):
                byHost[outcome.host.name] = services.map {
                    PlanEntry(host: outcome.host.name, service: $0.container, container: $0.container, from: nil, to: $0.image,
                              action: .unreachable, note: failure.message)
                }
            }
        }
        let batches = BatchPlanner.batches(fleet.hosts, sizes: playbook.batches).map { batch in
            batch.flatMap { byHost[$0.name] ?? [] }
        }
        return PlanReport(batches: batches, gates: PlanGate.gates(of: playbook, batches: batches.count))
    }

    /// What a rollout would do to one service on one host, read without changing anything;
    /// with `order` start-first, what would keep the new copy from running beside the old one
    /// is a warning in the note.
    static func entry(for target: ServiceOnHost, order: UpdateOrder = .stopFirst) async throws -> PlanEntry {
        let service = target.service
        let names = target.names
        func entry(_ action: PlanEntry.Action, from: String?, note: String? = nil) -> PlanEntry {
            PlanEntry(host: target.hostName, service: service.container, container: service.container, from: from,
                      to: service.image, action: action, note: note)
        }
        let previous = try await target.inspect(names.previous)
        guard let current = try await target.inspect(names.live) else {
            if let previous {
                return entry(.repair, from: previous.configImage, note: "only \(names.previous) exists: a rollout restores it first")
            }
            return entry(.skip, from: nil, note: "no container named \(service.container)")
        }
        let trust = ServiceOnHost.trust(current, previous: previous)
        if case .unconfirmed(let run) = trust {
            return entry(.check, from: current.configImage,
                         note: "run \(run) made \(names.live) and no run has seen it healthy: a rollout checks it first, and puts \(names.previous) back if it fails")
        }
        let leftover = try await target.inspect(names.next) != nil
        let targetImage = try await target.engine.inspectImage(service.image)
        if let targetImage, ServiceOnHost.isCurrent(current, target: targetImage) {
            if ServiceOnHost.needsChecksToBeCurrent(current, trust: trust) {
                return entry(.check, from: current.configImage,
                             note: "runs the target, but no molt run has seen it healthy: a rollout runs the checks")
            }
            return entry(.upToDate, from: current.configImage, note: leftover ? "a rollout removes the leftover \(names.next)" : nil)
        }
        var notes = [targetImage == nil ? "pulls \(service.image)" : nil, leftover ? "removes the leftover \(names.next) first" : nil].compactMap { $0 }
        do {
            if let compose = try ComposeService.managing(current, host: target.hostName) {
                try await composeCheck(compose, current: current, target: target)
                notes.append("Compose \(compose.version) service \(compose.service) of project \(compose.project): "
                    + (compose.generation == .v1 ? "docker-compose gives the new \(ComposeLabel.configHash)" : "\(ComposeLabel.image) follows the new image")
                    + "; \(names.previous) is kept without Compose's labels")
            }
        } catch let refusal as ComposeRefusal {
            return entry(.refuse, from: current.configImage, note: refusal.description)
        }
        if order == .startFirst {
            notes += StartFirstHazards.warnings(for: current, health: service.health).map { "warning: \($0)" }
        }
        return entry(.update, from: current.configImage, note: notes.isEmpty ? nil : notes.joined(separator: "; "))
    }

    /// What a rollout would refuse about a Compose service, found without changing anything:
    /// the labels, and for v1 whether docker-compose gives the container's own hash (asked only
    /// while its tag still names the image the container runs; else the rollout asks).
    static func composeCheck(_ compose: ComposeService, current: ContainerDetails, target: ServiceOnHost) async throws {
        try compose.checkStatically(image: target.service.image, live: current, host: target.hostName, hasShell: target.host.shell != nil)
        guard compose.generation == .v1, try await target.engine.inspectImage(compose.reference)?.id == current.image else { return }
        let hash = try await compose.hash(on: target)
        guard hash == compose.labels[ComposeLabel.configHash] else {
            throw ComposeRefusal(host: target.hostName, container: current.name, label: ComposeLabel.configHash,
                                 reason: "it is \(compose.labels[ComposeLabel.configHash] ?? ""), and docker-compose computes \(hash): "
                                     + "Compose would already recreate this container; run `docker-compose up -d` first")
        }
    }
}

/// What `molt plan` found. Encodes to SPEC §5's `{"batches":[[{…}]]}`, with the playbook's
/// gates (SPEC §10) beside them: `"gates":[{"after":1,…}]`.
public struct PlanReport: Sendable, Encodable {
    public var batches: [[PlanEntry]]
    public var gates: [PlanGate]

    public init(batches: [[PlanEntry]], gates: [PlanGate] = []) {
        self.batches = batches
        self.gates = gates
    }
}

/// A gate as a plan shows it: after which batch, what it does, and whether this plan reaches it.
public struct PlanGate: Sendable, Encodable, Hashable {
    public struct Check: Sendable, Encodable, Hashable {
        public var url: String
        public var value: String?
        public var min: Double?
        public var max: Double?
        public var equals: String?

        public init(url: String, value: String?, min: Double?, max: Double?, equals: String?) {
            self.url = url
            self.value = value
            self.min = min
            self.max = max
            self.equals = equals
        }
    }

    public var after: Int
    public var holdSeconds: Double
    public var intervalSeconds: Double
    public var promote: String
    public var checks: [Check]
    /// False for a gate after the last batch of this plan, or after a batch it does not have.
    public var reached: Bool
    /// What the gate does, in one line.
    public var summary: String

    enum CodingKeys: String, CodingKey {
        case after, promote, checks, reached, summary
        case holdSeconds = "hold_seconds"
        case intervalSeconds = "interval_seconds"
    }

    /// One entry per batch a gate follows, in the order written.
    public static func gates(of playbook: Playbook, batches: Int) -> [PlanGate] {
        playbook.gates.flatMap { gate in
            gate.after.map { number in
                PlanGate(after: number, holdSeconds: gate.hold.seconds, intervalSeconds: gate.interval.seconds,
                         promote: gate.promote.rawValue,
                         checks: gate.checks.map { Check(url: $0.url, value: $0.value?.description, min: $0.min, max: $0.max, equals: $0.equals) },
                         reached: number < batches, summary: gate.summary)
            }
        }
    }
}

/// One service on one host in a plan.
public struct PlanEntry: Sendable, Encodable, Hashable {
    public enum Action: String, Sendable, Encodable {
        case update
        case upToDate = "up to date"
        case skip = "skipped"
        case repair
        /// An unconfirmed container: a rollout checks it before anything else.
        case check
        /// A Compose-managed container that a rollout would refuse to replace (the note says why).
        case refuse = "refused"
        case unreachable
    }

    public var host: String
    public var service: String
    public var container: String
    @NullWhenNil public var from: String?
    public var to: String
    public var action: Action
    public var note: String?

    enum CodingKeys: String, CodingKey {
        case host, service, container, from, to, action, note
    }
}
