import DockerEngine
import Inventory

/// `molt status`: every host's reachability, Docker version and containers.
///
/// One `/version` and one container list per host; health comes from the list's status text.
public struct StatusAction: Sendable {
    public var fleet: Fleet
    /// Show only containers with this name (`--container`).
    public var containerName: String?

    public init(fleet: Fleet, containerName: String? = nil) {
        self.fleet = fleet
        self.containerName = containerName
    }

    public func perform() async -> StatusReport {
        let containerName = self.containerName
        let outcomes = await fleet.visit { connection in
            var filters: [String: [String]] = [:]
            if let containerName { filters["name"] = ["^/\(containerName)$"] }
            let containers = try await connection.docker.listContainers(all: true, filters: filters)
            return (connection.engine, connection.docker.apiVersion.description, containers)
        }
        return StatusReport(hosts: outcomes.map { outcome in
            var status = Self.hostStatus(outcome)
            status.elapsed = outcome.elapsed
            return status
        })
    }

    private static func hostStatus(_ outcome: HostOutcome<(EngineVersion, String, [ContainerSummary])>) -> HostStatus {
        switch outcome.result {
        case .failure(let failure):
            return HostStatus(name: outcome.host.name, address: outcome.host.address, reachable: false, error: failure.message)
        case .success(let (engine, apiVersion, containers)):
            let statuses = containers.map { summary in
                ContainerStatus(
                    name: summary.name,
                    id: summary.id,
                    image: summary.image,
                    imageID: summary.imageID,
                    state: summary.state,
                    health: ContainerStatus.health(fromStatusText: summary.status),
                    labels: summary.labels
                )
            }.sorted { $0.name < $1.name }
            return HostStatus(name: outcome.host.name, address: outcome.host.address, reachable: true,
                              dockerVersion: engine.version, apiVersion: apiVersion, containers: statuses)
        }
    }
}
