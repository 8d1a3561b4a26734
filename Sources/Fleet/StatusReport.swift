public import JSONShape

/// What `molt status` found: every selected host, reachable or not, with its containers.
///
/// Encodes to the JSON document of SPEC §5.
public struct StatusReport: Sendable, Encodable {
    public var hosts: [HostStatus]

    public init(hosts: [HostStatus]) {
        self.hosts = hosts
    }

    /// Hosts that could not be reached or asked.
    public var unreachable: [HostStatus] { hosts.filter { !$0.reachable } }
}

/// One host in a ``StatusReport``.
public struct HostStatus: Sendable, Encodable {
    /// Inventory name.
    public var name: String
    /// The address molt connects to.
    public var address: String
    public var reachable: Bool
    /// Why the host could not be reached or asked; `nil` when reachable.
    @NullWhenNil public var error: String?
    /// The Docker Engine version, e.g. `20.10.24`.
    @NullWhenNil public var dockerVersion: String?
    /// The API version molt speaks with the engine.
    @NullWhenNil public var apiVersion: String?
    public var containers: [ContainerStatus]
    /// How long reaching and asking the host took.
    public var elapsed: Duration = .zero

    public init(name: String, address: String, reachable: Bool, error: String? = nil,
                dockerVersion: String? = nil, apiVersion: String? = nil, containers: [ContainerStatus] = []) {
        self.name = name
        self.address = address
        self.reachable = reachable
        self.error = error
        self.dockerVersion = dockerVersion
        self.apiVersion = apiVersion
        self.containers = containers
    }

    enum CodingKeys: String, CodingKey {
        case name, address, reachable, error, containers
        case dockerVersion = "docker_version"
        case apiVersion = "api_version"
    }
}

/// One container in a ``HostStatus``.
public struct ContainerStatus: Sendable, Encodable {
    public var name: String
    public var id: String
    /// The image as the container was created with it (a reference, or an ID).
    public var image: String
    public var imageID: String
    /// `created`, `running`, `paused`, `restarting`, `exited`, `dead`.
    public var state: String
    /// `healthy`, `unhealthy`, `starting`, or `nil` without a HEALTHCHECK.
    @NullWhenNil public var health: String?
    public var labels: [String: String]

    public init(name: String, id: String, image: String, imageID: String, state: String, health: String?, labels: [String: String]) {
        self.name = name
        self.id = id
        self.image = image
        self.imageID = imageID
        self.state = state
        self.health = health
        self.labels = labels
    }

    enum CodingKeys: String, CodingKey {
        case name, id, image, state, health, labels
        case imageID = "image_id"
    }

    /// Only the labels molt itself sets (`molt.*`), which `status` shows.
    public var moltLabels: [String: String] { labels.filter { $0.key.hasPrefix("molt.") } }

    /// The health part of the engine's status text ("Up 2 minutes (healthy)"), which the
    /// container list carries so that no per-container inspect is needed.
    public static func health(fromStatusText text: String) -> String? {
        if text.hasSuffix("(healthy)") { return "healthy" }
        if text.hasSuffix("(unhealthy)") { return "unhealthy" }
        if text.hasSuffix("(health: starting)") { return "starting" }
        return nil
    }
}
