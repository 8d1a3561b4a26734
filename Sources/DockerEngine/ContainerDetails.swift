/// A container as `GET /containers/{id}/json` describes it.
///
/// The fields molt decides on are decoded; everything else stays in ``raw``, from which the
/// container is recreated with its full configuration.
public struct ContainerDetails: Sendable, Hashable {
    /// The full container ID.
    public var id: String
    /// The name without the leading `/`.
    public var name: String
    /// The ID of the image the container runs, `sha256:...`.
    public var image: String
    /// The image as the container was created with it (`Config.Image`): a reference or an ID.
    public var configImage: String
    /// Running, paused, exited, and health.
    public var state: ContainerState
    /// How many times the engine restarted the container under its restart policy.
    public var restartCount: Int
    /// `Config.Labels`.
    public var labels: [String: String]
    /// Whether the container has a terminal (`Config.Tty`): its logs are then not multiplexed.
    public var tty: Bool
    /// The volumes and bind mounts, anonymous volumes included.
    public var mounts: [Mount]
    /// The whole inspect document.
    public var raw: JSONValue

    /// Reads an inspect document.
    public init(raw: JSONValue) throws {
        _ = try raw.requireObject("container inspect document")
        guard let id = raw["Id"]?.stringValue, !id.isEmpty else {
            throw DockerError(.malformedResponse, "the engine's container inspect document has no Id")
        }
        let config = raw["Config"] ?? .null
        self.id = id
        let name = raw.string("Name")
        self.name = name.hasPrefix("/") ? String(name.dropFirst()) : name
        image = raw.string("Image")
        configImage = config.string("Image")
        state = ContainerState(raw: raw["State"] ?? .null)
        restartCount = Int(raw.integer("RestartCount"))
        labels = config.stringMap("Labels")
        tty = config.bool("Tty")
        mounts = (raw["Mounts"]?.arrayValue ?? []).map(Mount.init(raw:))
        self.raw = raw
    }

    /// `Config`: the container's configuration, mixed with its image's defaults.
    public var config: JSONValue { raw["Config"] ?? .null }

    /// `HostConfig`: binds, ports, restart policy, resources.
    public var hostConfig: JSONValue { raw["HostConfig"] ?? .null }

    /// The host ports published at a fixed number (`HostConfig.PortBindings` entries whose
    /// `HostPort` is set and not 0), as Docker shows them: `[HOSTIP:]HOSTPORT->PORT/PROTO`,
    /// sorted. Only one running container at a time can publish each of them.
    public var fixedHostPorts: [String] {
        Self.fixedHostBindings(in: hostConfig).map { binding in
            let address = binding.hostIP.isEmpty ? "" : binding.hostIP.contains(":") ? "[\(binding.hostIP)]:" : "\(binding.hostIP):"
            return "\(address)\(binding.hostPort)->\(binding.port)"
        }.sorted()
    }

    /// The `PortBindings` of a host configuration that publish a fixed host port (`HostPort`
    /// set and not 0), in no particular order.
    public static func fixedHostBindings(in hostConfig: JSONValue) -> [(hostIP: String, hostPort: String, port: String)] {
        var bound: [(hostIP: String, hostPort: String, port: String)] = []
        for (port, bindings) in hostConfig["PortBindings"]?.objectValue ?? [:] {
            for binding in bindings.arrayValue ?? [] {
                let hostPort = binding["HostPort"]?.stringValue ?? ""
                guard !hostPort.isEmpty, hostPort != "0" else { continue }
                bound.append((binding["HostIp"]?.stringValue ?? "", hostPort, port))
            }
        }
        return bound
    }

    /// The names of the networks the container is attached to, sorted.
    public var networkNames: [String] {
        (raw["NetworkSettings"]?["Networks"]?.objectValue ?? [:]).keys.sorted()
    }

    /// One entry of `Mounts`.
    public struct Mount: Sendable, Hashable {
        /// `volume`, `bind`, `tmpfs`, ...
        public var type: String
        /// The volume's name; `nil` for binds.
        public var name: String?
        /// The host path, or the volume's mount point on the host.
        public var source: String
        /// The path inside the container.
        public var destination: String
        /// The volume driver, `local` usually; `nil` for binds.
        public var driver: String?
        /// Mount options such as `z`, or empty.
        public var mode: String
        /// Whether the container may write.
        public var readWrite: Bool

        /// A mount described field by field, for tests and fakes.
        public init(
            type: String, name: String? = nil, source: String, destination: String,
            driver: String? = nil, mode: String = "", readWrite: Bool = true
        ) {
            self.type = type
            self.name = name
            self.source = source
            self.destination = destination
            self.driver = driver
            self.mode = mode
            self.readWrite = readWrite
        }

        init(raw: JSONValue) {
            self.init(
                type: raw.string("Type"),
                name: raw.optionalString("Name"),
                source: raw.string("Source"),
                destination: raw.string("Destination"),
                driver: raw.optionalString("Driver"),
                mode: raw.string("Mode"),
                readWrite: raw["RW"]?.boolValue ?? true
            )
        }

        /// Whether this is a named or anonymous volume, as opposed to a bind or tmpfs.
        public var isVolume: Bool { type == "volume" }
    }
}
