import DockerEngine
public import Fleet
import Foundation
import Inventory
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
        let outcomes = await fleet.visit { connection in
            var entries: [PlanEntry] = []
            for service in services {
                entries.append(try await Self.entry(for: service, on: connection))
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
        return PlanReport(batches: batches)
    }

    static func entry(for service: Service, on connection: HostConnection) async throws -> PlanEntry {
        let host = connection.host.name
        let docker = connection.docker
        func inspect(_ name: String) async throws -> ContainerDetails? {
            try await docker.container(named: name)
        }
        guard let current = try await inspect(service.container) else {
            if let retained = try await inspect("\(service.container).molt-prev") {
                return PlanEntry(host: host, service: service.container, container: service.container, from: retained.configImage,
                                 to: service.image, action: .repair, note: "only \(service.container).molt-prev exists: a rollout restores it first")
            }
            return PlanEntry(host: host, service: service.container, container: service.container, from: nil, to: service.image,
                             action: .skip, note: "no container named \(service.container)")
        }
        let target = try await docker.inspectImage(service.image)
        let healthy = current.state.running && (current.state.health == nil || current.state.health?.status == "healthy")
        if let target, target.id == current.image, healthy {
            return PlanEntry(host: host, service: service.container, container: service.container, from: current.configImage,
                             to: service.image, action: .upToDate)
        }
        return PlanEntry(host: host, service: service.container, container: service.container, from: current.configImage,
                         to: service.image, action: .update, note: target == nil ? "pulls \(service.image)" : nil)
    }
}

/// What `molt plan` found. Encodes to SPEC §5's `{"batches":[[{…}]]}`.
public struct PlanReport: Sendable, Encodable {
    public var batches: [[PlanEntry]]
}

/// One service on one host in a plan.
public struct PlanEntry: Sendable, Encodable, Hashable {
    public enum Action: String, Sendable, Encodable {
        case update
        case upToDate = "up to date"
        case skip = "skipped"
        case repair
        case unreachable
    }

    public var host: String
    public var service: String
    public var container: String
    public var from: String?
    public var to: String
    public var action: Action
    public var note: String?

    public func encode(to encoder: any Encoder) throws {
        var keyed = encoder.container(keyedBy: CodingKeys.self)
        try keyed.encode(host, forKey: .host)
        try keyed.encode(service, forKey: .service)
        try keyed.encode(container, forKey: .container)
        try keyed.encode(from, forKey: .from)
        try keyed.encode(to, forKey: .to)
        try keyed.encode(action, forKey: .action)
        try keyed.encodeIfPresent(note, forKey: .note)
    }

    enum CodingKeys: String, CodingKey {
        case host, service, container, from, to, action, note
    }
}
