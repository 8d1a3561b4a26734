/// How to create a container that is the old one with only its image changed.
///
/// An inspected container's `Config` is what the user set merged with the old image's
/// defaults. Copied as it is, the old image's environment, command and health check would
/// outlive the image. So the old image's defaults are subtracted, and the engine merges the
/// new image's defaults in at create time, as it did for the old container. What the engine
/// assigned rather than the user (the short-ID hostname, addresses, endpoint and network IDs,
/// MAC addresses) is left for it to assign again.
///
/// A value the user set to exactly the old image's value cannot be told apart from the
/// default (Watchtower #1342): it follows the new image, like every default.
public struct ContainerRecreation: Sendable {
    /// The body of `POST /containers/create`: the `Config` fields at the top level, then
    /// `HostConfig` and, unless the container shares a namespace (host, none, another
    /// container's), `NetworkingConfig`.
    public var createBody: JSONValue
    /// The networks to connect with `POST /networks/{id}/connect` after create and before
    /// start, sorted by name: before API 1.44 create takes one network only.
    public var laterNetworks: [(name: String, endpointConfig: JSONValue)]
    /// What the operator should know about the recreated configuration.
    public var warnings: [String]

    /// Works out the configuration of the container's replacement.
    ///
    /// - Parameters:
    ///   - container: the old container's inspect.
    ///   - oldImage: the inspect of the image the container runs (its `Image` ID); `nil` when
    ///     the image is gone, which is refused: its defaults cannot be told from the user's.
    ///   - image: the target reference for `Config.Image`, such as `registry:5000/web:2.0`.
    ///   - labels: labels to set, overriding the container's (`molt.run`, ...).
    ///   - apiVersion: the negotiated version; from 1.44 create takes every network.
    ///   - envOverrides: `KEY=VALUE` entries applied last, replacing the same key (`trial.env`).
    ///   - mountReplacements: volume name → the volume to mount instead, for trial clones;
    ///     applies to `Binds`, `HostConfig.Mounts` and re-passed anonymous volumes.
    ///   - dropPortBindings: publish no host port (trial containers must not collide).
    ///   - readOnlyUnlessReplaced: mount every volume, bind mount and `VolumesFrom` that
    ///     `mountReplacements` does not replace read-only, so that a trial cannot write to live
    ///     data it did not clone.
    ///   - containerNames: container ID → name for the containers whose namespaces this one
    ///     joins (`container:<id>` network, IPC or PID mode). The engine records them by ID,
    ///     and the ID dies when that container is replaced, so they are re-resolved by name.
    /// - Throws: ``RecreationError`` when the old image is missing or is not the container's,
    ///   or the container shares the network of a container not named in `containerNames`.
    public init(
        container: ContainerDetails,
        oldImage: ImageDetails?,
        image: String,
        labels: [String: String] = [:],
        apiVersion: DockerAPIVersion,
        envOverrides: [String: String] = [:],
        mountReplacements: [String: String] = [:],
        dropPortBindings: Bool = false,
        readOnlyUnlessReplaced: Bool = false,
        containerNames: [String: String] = [:]
    ) throws(RecreationError) {
        let name = container.name
        guard let oldImage else {
            throw RecreationError(
                .oldImageMissing, container: name,
                "the old image \(container.image) of container \(name) is no longer on the host; molt cannot tell "
                    + "the image's defaults from your settings, so it refuses to recreate the container")
        }
        guard oldImage.id == container.image else {
            throw RecreationError(
                .oldImageMismatch, container: name,
                "container \(name) runs the image \(container.image), not \(oldImage.id); molt needs the image the "
                    + "container runs to tell its defaults from your settings, so it refuses to recreate the container")
        }
        var warnings: [String] = []
        var hostConfig: JSONValue = .object(container.hostConfig.objectValue ?? [:])
        let mode = try Self.networkMode(of: container, hostConfig: &hostConfig, containerNames: containerNames)
        for (field, namespace) in [("IpcMode", "IPC"), ("PidMode", "PID")] {
            if let warning = Self.resolveJoinedContainer(field, namespace, of: name, in: &hostConfig, containerNames) {
                warnings.append(warning)
            }
        }
        let publishedPorts = Set((hostConfig["PortBindings"]?.objectValue ?? [:]).keys)

        var config = Self.subtractingDefaults(of: oldImage.config, from: container.config, keepingExposed: publishedPorts)
        Self.dropEngineHostname(from: &config, containerID: container.id, mode: mode, hostConfig: hostConfig)
        let userMACAddress = config["MacAddress"]?.stringValue ?? ""
        config["MacAddress"] = nil
        if case .container = mode { config["ExposedPorts"] = nil }
        config["Image"] = .string(image)
        Self.merge(labels: labels, into: &config)
        Self.apply(envOverrides: envOverrides, to: &config)

        Self.rewriteLegacyLinks(in: &hostConfig)
        Self.carryVolumes(of: container, into: &hostConfig, replacing: mountReplacements, readOnlyUnlessReplaced: readOnlyUnlessReplaced)
        if dropPortBindings {
            hostConfig["PortBindings"] = .object([:])
            hostConfig["PublishAllPorts"] = .bool(false)
        }
        // The engine fills these with its own defaults when they are absent; the CLI can only
        // empty them (`--security-opt systempaths=unconfined`, which stays in SecurityOpt).
        // Dropping a filled list lets an upgraded engine's stricter defaults apply.
        for field in ["MaskedPaths", "ReadonlyPaths"] where !(hostConfig[field]?.arrayValue ?? []).isEmpty {
            hostConfig[field] = nil
        }

        var networks = Self.networks(of: container, mode: mode, hostConfig: &hostConfig, warnings: &warnings)
        if !userMACAddress.isEmpty, case .network = mode {
            // From API 1.44 the MAC address belongs to the endpoint; the container-wide field
            // is deprecated, and inspect shows the primary endpoint's requested address in it.
            if apiVersion >= Self.multipleNetworksVersion, !networks.isEmpty {
                networks[0].endpointConfig["MacAddress"] = .string(userMACAddress)
            } else {
                config["MacAddress"] = .string(userMACAddress)
            }
        }

        var body = config
        body["HostConfig"] = hostConfig
        let inCreate = apiVersion >= Self.multipleNetworksVersion ? networks : Array(networks.prefix(1))
        if !inCreate.isEmpty {
            let endpoints = Dictionary(inCreate.map { ($0.name, $0.endpointConfig) }, uniquingKeysWith: { first, _ in first })
            body["NetworkingConfig"] = ["EndpointsConfig": .object(endpoints)]
        }
        createBody = body
        laterNetworks = Array(networks.dropFirst(inCreate.count))
        self.warnings = warnings
    }

    /// Before this version `POST /containers/create` accepts a single network.
    static let multipleNetworksVersion = DockerAPIVersion(major: 1, minor: 44)
}

// MARK: - Image defaults

extension ContainerRecreation {
    /// `Config` without the values that equal the old image's, so that the new image's apply.
    ///
    /// Mirrors the engine's merge at create time: lists and maps merge entry by entry, scalar
    /// fields fall back to the image's when empty, the health check field by field.
    static func subtractingDefaults(of imageConfig: JSONValue, from containerConfig: JSONValue, keepingExposed published: Set<String>) -> JSONValue {
        var config: JSONValue = .object(containerConfig.objectValue ?? [:])

        let imageEnv = Set(imageConfig["Env"]?.stringElements ?? [])
        if let env = config["Env"]?.stringElements {
            config["Env"] = nonEmptyArray(env.filter { !imageEnv.contains($0) })
        }

        let imageLabels = imageConfig["Labels"]?.objectValue ?? [:]
        if let labels = config["Labels"]?.objectValue {
            config["Labels"] = nonEmptyObject(labels.filter { key, value in imageLabels[key] != value })
        }

        // A published port is exposed by the CLI whether or not the image exposes it: keep it
        // so the binding holds even if the new image no longer declares the port.
        let imageExposed = imageConfig["ExposedPorts"]?.objectValue ?? [:]
        if let exposed = config["ExposedPorts"]?.objectValue {
            config["ExposedPorts"] = nonEmptyObject(exposed.filter { port, _ in imageExposed[port] == nil || published.contains(port) })
        }
        let imageVolumes = imageConfig["Volumes"]?.objectValue ?? [:]
        if let volumes = config["Volumes"]?.objectValue {
            config["Volumes"] = nonEmptyObject(volumes.filter { path, _ in imageVolumes[path] == nil })
        }

        for field in ["WorkingDir", "User", "StopSignal"] where (config[field]?.stringValue ?? "") == (imageConfig[field]?.stringValue ?? "") {
            config[field] = nil
        }
        if commandList(config["Shell"]) == commandList(imageConfig["Shell"]) { config["Shell"] = nil }

        // A Cmd only means what it says together with its Entrypoint: an image's Cmd is
        // arguments to the image's Entrypoint. So the Cmd goes only with an inherited Entrypoint.
        if commandList(config["Entrypoint"]) == commandList(imageConfig["Entrypoint"]) {
            config["Entrypoint"] = nil
            if commandList(config["Cmd"]) == commandList(imageConfig["Cmd"]) {
                config["Cmd"] = nil
                config["ArgsEscaped"] = nil
            }
        }

        // The engine fills each zero field from the image's, so a health check that only
        // overrides the interval shows the image's test: zero what equals the image's.
        if var health = config["Healthcheck"]?.objectValue {
            let imageHealth = imageConfig["Healthcheck"]?.objectValue ?? [:]
            health = health.filter { field, value in imageHealth[field] != value && !value.isNull }
            config["Healthcheck"] = nonEmptyObject(health)
        }
        return config
    }

    /// `Config.Hostname` when the engine chose it rather than the user.
    ///
    /// The engine names a container after its short ID: copied, the new container would carry
    /// the old ID as its hostname (Portainer #9047). Sharing another container's network or the
    /// host's UTS namespace, the hostname is not the container's own and the engine refuses one.
    /// On the host network the engine copies the host's name, which a copy keeps.
    static func dropEngineHostname(from config: inout JSONValue, containerID: String, mode: NetworkMode, hostConfig: JSONValue) {
        if case .container = mode {
            config["Hostname"] = nil
            config["Domainname"] = nil
        } else if hostConfig["UTSMode"]?.stringValue == "host" || config["Hostname"]?.stringValue == String(containerID.prefix(12)) {
            config["Hostname"] = nil
        }
    }

    /// Sets `labels` over the container's.
    static func merge(labels: [String: String], into config: inout JSONValue) {
        guard !labels.isEmpty else { return }
        var merged = config["Labels"]?.objectValue ?? [:]
        for (key, value) in labels { merged[key] = .string(value) }
        config["Labels"] = .object(merged)
    }

    /// Replaces or appends `KEY=VALUE` entries, in key order for a stable body.
    static func apply(envOverrides: [String: String], to config: inout JSONValue) {
        guard !envOverrides.isEmpty else { return }
        var env = config["Env"]?.stringElements ?? []
        for (key, value) in envOverrides.sorted(by: { $0.key < $1.key }) {
            let entry = "\(key)=\(value)"
            let matches = env.indices.filter { envKey(env[$0]) == key }
            if let first = matches.first {
                env[first] = entry
                for index in matches.dropFirst().reversed() { env.remove(at: index) }
            } else {
                env.append(entry)
            }
        }
        config["Env"] = .array(env.map(JSONValue.string))
    }

    private static func envKey(_ entry: String) -> Substring {
        entry.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false).first ?? ""
    }

    /// A command as a list; `null` and `[]` both mean none.
    private static func commandList(_ value: JSONValue?) -> [JSONValue] {
        value?.arrayValue ?? []
    }

    private static func nonEmptyArray(_ strings: [String]) -> JSONValue? {
        strings.isEmpty ? nil : .array(strings.map(JSONValue.string))
    }

    private static func nonEmptyObject(_ members: [String: JSONValue]) -> JSONValue? {
        members.isEmpty ? nil : .object(members)
    }
}

// MARK: - Host configuration

extension ContainerRecreation {
    /// Legacy links come back from inspect as `/db:/web/alias`; create takes `db:alias`.
    static func rewriteLegacyLinks(in hostConfig: inout JSONValue) {
        guard let links = hostConfig["Links"]?.stringElements else { return }
        hostConfig["Links"] = .array(
            links.map { link in
                let parts = link.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
                let target = parts[0].hasPrefix("/") ? parts[0].dropFirst() : parts[0]
                guard parts.count == 2 else { return .string(String(target)) }
                let alias = parts[1].split(separator: "/").last ?? parts[1]
                return .string("\(target):\(alias)")
            })
    }

    /// Named volumes stay as they are, renamed per `replacements`; anonymous volumes are
    /// passed on by name at the same destination, or the new container would get empty ones.
    static func carryVolumes(of container: ContainerDetails, into hostConfig: inout JSONValue, replacing replacements: [String: String],
                             readOnlyUnlessReplaced: Bool = false) {
        var bindDestinations: Set<String> = []
        if let binds = hostConfig["Binds"]?.stringElements {
            hostConfig["Binds"] = .array(
                binds.map { bind in
                    let parts = bind.split(separator: ":", omittingEmptySubsequences: false)
                    bindDestinations.insert(String(parts.count > 1 ? parts[1] : parts[0]))
                    // A volume name never starts with "/": that is a host path.
                    guard parts.count > 1, !parts[0].hasPrefix("/"), let replacement = replacements[String(parts[0])] else {
                        return .string(readOnlyUnlessReplaced ? readOnlyBind(bind) : bind)
                    }
                    return .string(replacement + bind.dropFirst(parts[0].count))
                })
        }
        if readOnlyUnlessReplaced, let shared = hostConfig["VolumesFrom"]?.stringElements {
            // `container[:ro|rw]`: another container's volumes, never cloned.
            hostConfig["VolumesFrom"] = .array(shared.map { entry in
                let source = entry.split(separator: ":", maxSplits: 1).first.map(String.init) ?? entry
                return .string(source + ":ro")
            })
        }

        let anonymous = container.mounts
            .filter { $0.isVolume && isGeneratedID($0.name ?? "") }
            .sorted { $0.destination < $1.destination }
        var mounts = hostConfig["Mounts"]?.arrayValue ?? []
        var mountTargets: Set<String> = []
        for index in mounts.indices {
            let target = mounts[index]["Target"]?.stringValue ?? ""
            mountTargets.insert(target)
            guard mounts[index]["Type"]?.stringValue == "volume" else { continue }
            var source = mounts[index]["Source"]?.stringValue ?? ""
            // `--mount type=volume,target=/x` without a source is anonymous: name the one it got.
            if source.isEmpty, let volume = anonymous.first(where: { $0.destination == target }) {
                source = volume.name ?? ""
            }
            let replaced = replacements[source]
            source = replaced ?? source
            if !source.isEmpty { mounts[index]["Source"] = .string(source) }
            if readOnlyUnlessReplaced && replaced == nil { mounts[index]["ReadOnly"] = .bool(true) }
        }
        if readOnlyUnlessReplaced {
            for index in mounts.indices where mounts[index]["Type"]?.stringValue == "bind" {
                mounts[index]["ReadOnly"] = .bool(true)
            }
        }
        for volume in anonymous where !bindDestinations.contains(volume.destination) && !mountTargets.contains(volume.destination) {
            let volumeName = volume.name ?? ""
            let replaced = replacements[volumeName]
            mounts.append([
                "Type": "volume",
                "Source": .string(replaced ?? volumeName),
                "Target": .string(volume.destination),
                "ReadOnly": .bool(!volume.readWrite || (readOnlyUnlessReplaced && replaced == nil)),
            ])
        }
        if !mounts.isEmpty { hostConfig["Mounts"] = .array(mounts) }
    }

    /// A `Binds` entry mounted read-only: `src:dst` or `src:dst:opts` with `ro` among the options.
    static func readOnlyBind(_ bind: String) -> String {
        let parts = bind.split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count >= 2 else { return bind }
        let options = parts.count > 2 ? parts[2].split(separator: ",").map(String.init).filter { $0 != "rw" && $0 != "ro" } : []
        return "\(parts[0]):\(parts[1]):" + (["ro"] + options).joined(separator: ",")
    }

    /// Whether `text` is an engine-generated ID: 64 lowercase hexadecimal digits.
    static func isGeneratedID(_ text: String) -> Bool {
        text.utf8.count == 64 && text.utf8.allSatisfy { (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }
    }
}

// MARK: - Networks

extension ContainerRecreation {
    /// `HostConfig.NetworkMode`, read.
    enum NetworkMode: Equatable {
        /// The host's network stack.
        case host
        /// A loopback interface only.
        case none
        /// Another container's network stack, by name or ID.
        case container(String)
        /// `default`, `bridge`, or a user network's name or ID.
        case network(String)

        init(_ text: String) {
            switch text {
            case "host": self = .host
            case "none": self = .none
            case _ where text.hasPrefix("container:"): self = .container(String(text.dropFirst("container:".count)))
            default: self = .network(text.isEmpty ? "default" : text)
            }
        }
    }

    /// The network mode, with a joined container's ID replaced by its name.
    ///
    /// The engine records `container:NAME` as `container:<ID>`. When that container is
    /// replaced (by molt too), the ID names the retired one: joining it would put the new
    /// container in a dead network namespace, so an ID that cannot be named is refused.
    static func networkMode(of container: ContainerDetails, hostConfig: inout JSONValue, containerNames: [String: String]) throws(RecreationError) -> NetworkMode {
        let mode = NetworkMode(hostConfig["NetworkMode"]?.stringValue ?? "")
        guard case .container(let joined) = mode, isGeneratedID(joined) else { return mode }
        guard let joinedName = name(of: joined, in: containerNames) else {
            throw RecreationError(
                .unresolvedNetworkContainer, container: container.name,
                "container \(container.name) shares the network of container \(joined.prefix(12)), which the engine "
                    + "knows by ID only; molt could not find its name, so it refuses to recreate \(container.name) in a "
                    + "network namespace that may be gone; recreate it with --network container:NAME")
        }
        hostConfig["NetworkMode"] = .string("container:\(joinedName)")
        return .container(joinedName)
    }

    /// Renames `container:<ID>` in an IPC or PID mode; a warning when the ID has no name.
    static func resolveJoinedContainer(_ field: String, _ namespace: String, of container: String, in hostConfig: inout JSONValue, _ containerNames: [String: String]) -> String? {
        guard let value = hostConfig[field]?.stringValue, value.hasPrefix("container:") else { return nil }
        let joined = String(value.dropFirst("container:".count))
        guard isGeneratedID(joined) else { return nil }
        guard let joinedName = name(of: joined, in: containerNames) else {
            return "container \(container) shares the \(namespace) namespace of container \(joined.prefix(12)) by ID; "
                + "if that container was replaced, the new \(container) will not start"
        }
        hostConfig[field] = .string("container:\(joinedName)")
        return nil
    }

    private static func name(of id: String, in containerNames: [String: String]) -> String? {
        containerNames[id] ?? containerNames[String(id.prefix(12))]
    }

    /// The endpoint configurations to create the container with, the primary network (the one
    /// `NetworkMode` names) first and the others by name; none when it shares a network stack.
    static func networks(of container: ContainerDetails, mode: NetworkMode, hostConfig: inout JSONValue, warnings: inout [String]) -> [(name: String, endpointConfig: JSONValue)] {
        guard case .network(let modeName) = mode else { return [] }
        let attached = container.raw["NetworkSettings"]?["Networks"]?.objectValue ?? [:]
        guard !attached.isEmpty else {
            warnings.append("container \(container.name) is attached to no network; the new one joins \(modeName) as its network mode says")
            return []
        }
        let names = attached.keys.sorted()
        var primary: String? =
            if modeName == "default", attached["bridge"] != nil {
                "bridge"
            } else if attached[modeName] != nil {
                modeName
            } else {
                // A network given by ID at create time.
                names.first { attached[$0]?["NetworkID"]?.stringValue?.hasPrefix(modeName) ?? false }
            }
        if primary == nil {
            primary = names[0]
            hostConfig["NetworkMode"] = .string(names[0])
            warnings.append(
                "container \(container.name) was disconnected from its network \(modeName); the new one is created on \(names[0]) instead")
        }
        let ordered = names.filter { $0 == primary } + names.filter { $0 != primary }
        return ordered.map { (name: $0, endpointConfig: endpointConfig(attached[$0] ?? .null, containerID: container.id)) }
    }

    /// What the user configured on one network: the rest (IDs, addresses, gateway, DNS names,
    /// the MAC address the engine may have chosen) the engine assigns again.
    ///
    /// Aliases lose the container's IDs: the engine adds the short ID on every user network.
    static func endpointConfig(_ endpoint: JSONValue, containerID: String) -> JSONValue {
        var config: [String: JSONValue] = [:]
        if let ipam = endpoint["IPAMConfig"]?.objectValue {
            let set = ipam.filter { _, value in !value.isBlank }
            if !set.isEmpty { config["IPAMConfig"] = .object(set) }
        }
        for field in ["Links", "DriverOpts"] where !(endpoint[field]?.isBlank ?? true) {
            config[field] = endpoint[field]
        }
        let shortID = String(containerID.prefix(12))
        var aliases: [String] = []
        for alias in endpoint["Aliases"]?.stringElements ?? [] where alias != shortID && alias != containerID && !aliases.contains(alias) {
            aliases.append(alias)
        }
        if !aliases.isEmpty { config["Aliases"] = .array(aliases.map(JSONValue.string)) }
        return .object(config)
    }
}

extension JSONValue {
    /// The strings of an array, skipping other elements; `nil` when this is not an array.
    fileprivate var stringElements: [String]? {
        arrayValue?.compactMap(\.stringValue)
    }

    /// Whether this says nothing: `null`, `""`, `[]` or `{}`.
    fileprivate var isBlank: Bool {
        switch self {
        case .null: true
        case .string(let text): text.isEmpty
        case .array(let elements): elements.isEmpty
        case .object(let members): members.isEmpty
        default: false
        }
    }
}
