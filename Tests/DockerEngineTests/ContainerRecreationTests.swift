import Testing

@testable import DockerEngine

@Suite("Recreating a container with only its image changed")
struct ContainerRecreationTests {
    static let apiID = "17b5b6ae190ca84fdb414cecbec4c53ef25b5d94bd6036749a86c477d1ef28b4"
    static let cacheVolume = "9179011cee278f956c48089ca95138b829cc42cb1cd0ba9a8ac67bc6a8fff336"
    static let dataVolume = "11df0e290fdc58685b1eb564f205d97c7ca8c322f594850c298342f5287ca35a"
    static let v141 = DockerAPIVersion.minimum
    static let v144 = DockerAPIVersion(major: 1, minor: 44)

    private func parse(_ text: String) throws -> JSONValue {
        try JSONValue(json: Array(text.utf8))
    }

    private func web(_ edit: (inout JSONValue) -> Void = { _ in }) throws -> (ContainerDetails, ImageDetails) {
        var raw = try parse(RecreationFixtures.web)
        edit(&raw)
        return (try ContainerDetails(raw: raw), try ImageDetails(raw: try parse(RecreationFixtures.webImage)))
    }

    private func api(_ edit: (inout JSONValue) -> Void = { _ in }) throws -> (ContainerDetails, ImageDetails) {
        var raw = try parse(RecreationFixtures.api)
        edit(&raw)
        return (try ContainerDetails(raw: raw), try ImageDetails(raw: try parse(RecreationFixtures.apiImage)))
    }

    private func recreateAPI(
        apiVersion: DockerAPIVersion = v141, labels: [String: String] = [:], envOverrides: [String: String] = [:],
        mountReplacements: [String: String] = [:], dropPortBindings: Bool = false, readOnlyUnlessReplaced: Bool = false,
        _ edit: (inout JSONValue) -> Void = { _ in }
    ) throws -> ContainerRecreation {
        let (container, image) = try api(edit)
        return try ContainerRecreation(
            container: container, oldImage: image, image: "10.247.213.2:5000/molt-lab/api:2.0", labels: labels,
            apiVersion: apiVersion, envOverrides: envOverrides, mountReplacements: mountReplacements,
            dropPortBindings: dropPortBindings, readOnlyUnlessReplaced: readOnlyUnlessReplaced)
    }

    private func strings(_ value: JSONValue?) -> [String]? {
        value?.arrayValue?.compactMap(\.stringValue)
    }

    // MARK: lab1's web

    @Test("the lab's web keeps only what its docker run said: image, host network, restart policy, named volume")
    func labWeb() throws {
        let (container, image) = try web()
        let labels = ["molt.run": "20261129T120000Z-1", "molt.previous-image": image.id, "molt.previous-container": "web.molt-prev"]
        let recreation = try ContainerRecreation(
            container: container, oldImage: image, image: "10.247.213.2:5000/molt-lab/web:2.0", labels: labels,
            apiVersion: Self.v141)
        let body = recreation.createBody
        #expect(body["Image"] == "10.247.213.2:5000/molt-lab/web:2.0")
        // ENV PORT, CMD, HEALTHCHECK, EXPOSE, VOLUME and the image's labels all follow the new image.
        for field in ["Env", "Cmd", "Entrypoint", "Healthcheck", "ExposedPorts", "Volumes", "WorkingDir", "User"] {
            #expect(body[field] == nil, "\(field) should come from the new image")
        }
        #expect(body["Labels"] == .object(labels.mapValues(JSONValue.string)))
        // On the host network the engine copies the host's name; a copy keeps it.
        #expect(body["Hostname"] == "vm")
        #expect(body["HostConfig"]?["NetworkMode"] == "host")
        #expect(body["HostConfig"]?["RestartPolicy"] == ["Name": "unless-stopped", "MaximumRetryCount": 0])
        #expect(strings(body["HostConfig"]?["Binds"]) == ["web-data:/data"])
        #expect(body["HostConfig"]?["Mounts"] == nil)
        #expect(body["NetworkingConfig"] == nil)
        #expect(recreation.laterNetworks.isEmpty)
        #expect(recreation.warnings.isEmpty)
    }

    @Test("the body goes to the engine with integers as integers")
    func integersStayIntegers() throws {
        let recreation = try recreateAPI()
        let text = String(decoding: try recreation.createBody.jsonBytes(), as: UTF8.self)
        #expect(text.contains(#""Memory":536870912"#))
        #expect(text.contains(#""NanoCpus":1500000000"#))
        #expect(text.contains(#""Interval":10000000000"#))
    }

    // MARK: image defaults

    @Test("the image's environment is subtracted and the user's kept, overrides of image variables included")
    func environment() throws {
        let body = try recreateAPI().createBody
        #expect(strings(body["Env"]) == ["APP_HOME=/data/app", "API_TOKEN=s3cret"])
    }

    @Test("a variable set to the image's own value cannot be told from the default and follows the new image (Watchtower #1342)")
    func sameValueAsImage() throws {
        // `-e LOG_LEVEL=info` with the old image's `ENV LOG_LEVEL=info`: the inspect holds one
        // `LOG_LEVEL=info` either way. If the new image says `LOG_LEVEL=debug`, the new container
        // runs with debug: the image's value, as for every default.
        let body = try recreateAPI().createBody
        #expect(!(strings(body["Env"]) ?? []).contains("LOG_LEVEL=info"))
        #expect(!(strings(body["Env"]) ?? []).contains { $0.hasPrefix("PATH=") })
    }

    @Test("a user Cmd is kept while the image's Entrypoint follows the new image")
    func userCmdWithImageEntrypoint() throws {
        let body = try recreateAPI().createBody
        #expect(body["Entrypoint"] == nil)
        #expect(body["Cmd"] == ["--workers", "4"])
    }

    @Test("an inherited Cmd is dropped only together with an inherited Entrypoint")
    func cmdFollowsEntrypoint() throws {
        let inherited = try recreateAPI { $0["Config"]?["Cmd"] = ["--workers", "2"] }.createBody
        #expect(inherited["Entrypoint"] == nil)
        #expect(inherited["Cmd"] == nil)

        // `--entrypoint /bin/api-debug`: the image's Cmd is now arguments the user chose to keep.
        let userEntrypoint = try recreateAPI {
            $0["Config"]?["Entrypoint"] = ["/bin/api-debug"]
            $0["Config"]?["Cmd"] = ["--workers", "2"]
        }.createBody
        #expect(userEntrypoint["Entrypoint"] == ["/bin/api-debug"])
        #expect(userEntrypoint["Cmd"] == ["--workers", "2"])
    }

    @Test("WorkingDir, User, StopSignal, image labels, exposed ports and volumes of the old image are subtracted")
    func scalarAndMapDefaults() throws {
        let body = try recreateAPI().createBody
        #expect(body["WorkingDir"] == nil)
        #expect(body["User"] == nil)
        #expect(body["StopSignal"] == nil)
        #expect(body["Labels"] == ["com.example.tier": "backend", "team": "payments"])
        // 80 is published (`-p 8080:80`), so it stays exposed whatever the new image declares.
        #expect(body["ExposedPorts"] == ["80/tcp": [:]])
        // `-v /cache` is the user's; `VOLUME /var/lib/api` the image's.
        #expect(body["Volumes"] == ["/cache": [:]])
    }

    @Test("values the user changed from the image's are kept")
    func changedScalars() throws {
        let body = try recreateAPI {
            $0["Config"]?["User"] = "1000:1000"
            $0["Config"]?["WorkingDir"] = "/tmp"
            $0["Config"]?["Labels"]?["maintainer"] = "payments@example.com"
        }.createBody
        #expect(body["User"] == "1000:1000")
        #expect(body["WorkingDir"] == "/tmp")
        #expect(body["Labels"]?["maintainer"] == "payments@example.com")
    }

    @Test("a health check equal to the image's is dropped so the new image's HEALTHCHECK applies")
    func imageHealthcheckFollowsNewImage() throws {
        let (container, image) = try web()
        let body = try ContainerRecreation(container: container, oldImage: image, image: "web:2.0", apiVersion: Self.v141).createBody
        #expect(body["Healthcheck"] == nil)
    }

    @Test("a health check the user tuned keeps only the user's fields and takes the new image's test")
    func tunedHealthcheck() throws {
        let body = try recreateAPI().createBody
        #expect(body["Healthcheck"] == ["Interval": 10_000_000_000])
    }

    @Test("a health check the user wrote or disabled is kept")
    func userHealthcheck() throws {
        let written = try recreateAPI { $0["Config"]?["Healthcheck"]?["Test"] = ["CMD", "/bin/api", "ping"] }.createBody
        #expect(written["Healthcheck"] == ["Test": ["CMD", "/bin/api", "ping"], "Interval": 10_000_000_000])
        let disabled = try recreateAPI { $0["Config"]?["Healthcheck"] = ["Test": ["NONE"]] }.createBody
        #expect(disabled["Healthcheck"] == ["Test": ["NONE"]])
    }

    // MARK: hostname

    @Test("a hostname that is the old short ID is dropped and the domain name kept")
    func shortIDHostname() throws {
        let body = try recreateAPI().createBody
        #expect(body["Hostname"] == nil)
        #expect(body["Domainname"] == "corp.example")
    }

    @Test("a hostname the user set is kept")
    func userHostname() throws {
        let body = try recreateAPI { $0["Config"]?["Hostname"] = "api-1" }.createBody
        #expect(body["Hostname"] == "api-1")
    }

    // MARK: networks

    @Test("before API 1.44 create takes the network-mode network and the others are connected afterwards")
    func networksBefore144() throws {
        let recreation = try recreateAPI(apiVersion: Self.v141)
        #expect(recreation.createBody["HostConfig"]?["NetworkMode"] == "default")
        #expect(recreation.createBody["NetworkingConfig"] == ["EndpointsConfig": ["bridge": [:]]])
        #expect(recreation.laterNetworks.map(\.name) == ["backend", "frontend"])
    }

    @Test("from API 1.44 create takes every network")
    func networksFrom144() throws {
        let recreation = try recreateAPI(apiVersion: Self.v144)
        let endpoints = recreation.createBody["NetworkingConfig"]?["EndpointsConfig"]?.objectValue ?? [:]
        #expect(endpoints.keys.sorted() == ["backend", "bridge", "frontend"])
        #expect(recreation.laterNetworks.isEmpty)
    }

    @Test("endpoints keep aliases without the container's IDs, static addresses and links, and drop what the engine assigned")
    func endpointConfigs() throws {
        let recreation = try recreateAPI(apiVersion: Self.v141)
        let later = Dictionary(uniqueKeysWithValues: recreation.laterNetworks.map { ($0.name, $0.endpointConfig) })
        #expect(later["backend"] == ["IPAMConfig": ["IPv4Address": "172.30.0.10"], "Aliases": ["api-svc"]])
        #expect(later["frontend"] == ["Aliases": ["api"], "Links": ["db:database"]])
    }

    @Test("the network-mode network comes first also when the mode names a user network")
    func userNetworkMode() throws {
        let recreation = try recreateAPI(apiVersion: Self.v141) { $0["HostConfig"]?["NetworkMode"] = "frontend" }
        #expect(recreation.createBody["NetworkingConfig"]?["EndpointsConfig"]?.objectValue?.keys.sorted() == ["frontend"])
        #expect(recreation.laterNetworks.map(\.name) == ["backend", "bridge"])
    }

    @Test("legacy links come back from inspect as /db:/api/database and go to create as db:database")
    func legacyLinks() throws {
        let body = try recreateAPI().createBody
        #expect(strings(body["HostConfig"]?["Links"]) == ["db:database"])
    }

    @Test("engine-assigned MAC addresses are dropped; a user's is kept, on the primary endpoint from API 1.44")
    func macAddresses() throws {
        let plain = try recreateAPI(apiVersion: Self.v144)
        #expect(plain.createBody["MacAddress"] == nil)
        let endpoints = plain.createBody["NetworkingConfig"]?["EndpointsConfig"]?.objectValue ?? [:]
        #expect(endpoints.values.allSatisfy { $0["MacAddress"] == nil })

        let userSet: (inout JSONValue) -> Void = { $0["Config"]?["MacAddress"] = "02:42:ac:11:00:99" }
        let old = try recreateAPI(apiVersion: Self.v141, userSet)
        #expect(old.createBody["MacAddress"] == "02:42:ac:11:00:99")
        let new = try recreateAPI(apiVersion: Self.v144, userSet)
        #expect(new.createBody["MacAddress"] == nil)
        #expect(new.createBody["NetworkingConfig"]?["EndpointsConfig"]?["bridge"]?["MacAddress"] == "02:42:ac:11:00:99")
    }

    @Test("sharing a container's network by ID is refused unless that container's name is known")
    func containerNetworkByID() throws {
        let donor = "eb275a48b697b7471c6fe8d160a96f1a38b6cebb38063f49bc5478bef1c801f4"
        let (container, image) = try api { $0["HostConfig"]?["NetworkMode"] = .string("container:\(donor)") }
        let error = #expect(throws: RecreationError.self) {
            try ContainerRecreation(container: container, oldImage: image, image: "api:2.0", apiVersion: Self.v141)
        }
        #expect(error?.code == .unresolvedNetworkContainer)
        #expect(error?.container == "api")
        #expect(error?.description.contains("container api shares the network of container eb275a48b697") == true)

        let resolved = try ContainerRecreation(
            container: container, oldImage: image, image: "api:2.0", apiVersion: Self.v141, containerNames: [donor: "vpn"])
        #expect(resolved.createBody["HostConfig"]?["NetworkMode"] == "container:vpn")
        // The engine refuses a hostname, exposed ports and networks with a shared network stack.
        #expect(resolved.createBody["Hostname"] == nil)
        #expect(resolved.createBody["ExposedPorts"] == nil)
        #expect(resolved.createBody["NetworkingConfig"] == nil)
        #expect(resolved.laterNetworks.isEmpty)
    }

    @Test("sharing a container's network by name is kept as it is")
    func containerNetworkByName() throws {
        let recreation = try recreateAPI { $0["HostConfig"]?["NetworkMode"] = "container:vpn" }
        #expect(recreation.createBody["HostConfig"]?["NetworkMode"] == "container:vpn")
        #expect(recreation.createBody["NetworkingConfig"] == nil)
    }

    // MARK: volumes and ports

    @Test("anonymous volumes are passed on by name at the same destination so their data carries over")
    func anonymousVolumes() throws {
        let mounts = try recreateAPI().createBody["HostConfig"]?["Mounts"]
        #expect(
            mounts == [
                ["Type": "volume", "Source": .string(Self.cacheVolume), "Target": "/cache", "ReadOnly": false],
                ["Type": "volume", "Source": .string(Self.dataVolume), "Target": "/var/lib/api", "ReadOnly": false],
            ])
    }

    @Test("named volumes and bind mounts in Binds are kept as they are")
    func binds() throws {
        let body = try recreateAPI().createBody
        #expect(strings(body["HostConfig"]?["Binds"]) == ["api-config:/etc/api:ro", "/srv/certs:/certs:ro"])
    }

    @Test("mount replacements rename volumes in Binds, in Mounts and among the anonymous ones, never host paths")
    func mountReplacements() throws {
        let replacements = ["api-config": "api-config-trial", Self.cacheVolume: "api-cache-trial", "/srv/certs": "nope"]
        let body = try recreateAPI(mountReplacements: replacements) {
            $0["HostConfig"]?["Mounts"] = [["Type": "volume", "Source": "api-config", "Target": "/etc/api-extra", "ReadOnly": true]]
        }.createBody
        #expect(strings(body["HostConfig"]?["Binds"]) == ["api-config-trial:/etc/api:ro", "/srv/certs:/certs:ro"])
        let sources = body["HostConfig"]?["Mounts"]?.arrayValue?.compactMap { $0["Source"]?.stringValue }
        #expect(sources == ["api-config-trial", "api-cache-trial", Self.dataVolume])
    }

    @Test("for a trial, every mount not replaced by a clone is read-only: binds (options kept), Mounts, anonymous volumes, VolumesFrom")
    func readOnlyUnlessReplaced() throws {
        let body = try recreateAPI(mountReplacements: ["api-config": "api-config-trial"], readOnlyUnlessReplaced: true) {
            $0["HostConfig"]?["Mounts"] = [["Type": "bind", "Source": "/srv/extra", "Target": "/extra"]]
            $0["HostConfig"]?["VolumesFrom"] = ["sidecar:rw", "other"]
            $0["HostConfig"]?["Binds"] = ["api-config:/etc/api:rw,z", "/srv/certs:/certs"]
        }.createBody
        #expect(strings(body["HostConfig"]?["Binds"]) == ["api-config-trial:/etc/api:rw,z", "/srv/certs:/certs:ro"])
        #expect(strings(body["HostConfig"]?["VolumesFrom"]) == ["sidecar:ro", "other:ro"])
        let mounts = body["HostConfig"]?["Mounts"]?.arrayValue ?? []
        #expect(!mounts.isEmpty)
        #expect(mounts.allSatisfy { $0["ReadOnly"] == true }, "\(mounts)")
        #expect(ContainerRecreation.readOnlyBind("/srv:/srv:rw,z") == "/srv:/srv:ro,z")
        #expect(ContainerRecreation.readOnlyBind("data:/data:ro") == "data:/data:ro")
    }

    @Test("an anonymous --mount without a source is given its volume's name")
    func anonymousMountWithoutSource() throws {
        let body = try recreateAPI {
            $0["HostConfig"]?["Mounts"] = [["Type": "volume", "Target": "/cache"]]
        }.createBody
        let mounts = body["HostConfig"]?["Mounts"]?.arrayValue ?? []
        #expect(mounts.count == 2)
        #expect(mounts.first == ["Type": "volume", "Source": .string(Self.cacheVolume), "Target": "/cache"])
    }

    @Test("dropping port bindings publishes nothing")
    func dropPortBindings() throws {
        let kept = try recreateAPI().createBody
        #expect(kept["HostConfig"]?["PortBindings"] == ["80/tcp": [["HostIp": "", "HostPort": "8080"]]])
        let dropped = try recreateAPI(dropPortBindings: true) { $0["HostConfig"]?["PublishAllPorts"] = true }.createBody
        #expect(dropped["HostConfig"]?["PortBindings"] == [:])
        #expect(dropped["HostConfig"]?["PublishAllPorts"] == false)
    }

    @Test("the restart policy, resources, extra hosts and log options are copied")
    func hostConfigCopied() throws {
        let hostConfig = try recreateAPI().createBody["HostConfig"]
        #expect(hostConfig?["RestartPolicy"] == ["Name": "on-failure", "MaximumRetryCount": 5])
        #expect(hostConfig?["Memory"] == 536_870_912)
        #expect(hostConfig?["MemorySwap"] == 1_073_741_824)
        #expect(strings(hostConfig?["ExtraHosts"]) == ["metrics.internal:10.247.213.9"])
        #expect(hostConfig?["LogConfig"] == ["Type": "json-file", "Config": ["max-size": "10m"]])
        // Filled in by the engine from its own defaults: left for the new engine to fill again.
        #expect(hostConfig?["MaskedPaths"] == nil)
        #expect(hostConfig?["ReadonlyPaths"] == nil)
    }

    // MARK: labels and overrides

    @Test("molt's labels are merged over the container's")
    func labelsMerged() throws {
        let labels = ["molt.run": "r2", "molt.previous-image": "sha256:f999", "molt.previous-container": "api.molt-prev"]
        let body = try recreateAPI(labels: labels) { $0["Config"]?["Labels"]?["molt.run"] = "r1" }.createBody
        #expect(
            body["Labels"] == [
                "com.example.tier": "backend", "team": "payments",
                "molt.run": "r2", "molt.previous-image": "sha256:f999", "molt.previous-container": "api.molt-prev",
            ])
    }

    @Test("environment overrides replace the same key or are appended, after the image's defaults are gone")
    func envOverrides() throws {
        let body = try recreateAPI(envOverrides: ["API_TOKEN": "trial", "LOG_LEVEL": "debug", "FEATURE_X": "1"]).createBody
        #expect(strings(body["Env"]) == ["APP_HOME=/data/app", "API_TOKEN=trial", "FEATURE_X=1", "LOG_LEVEL=debug"])
    }

    // MARK: refusals

    @Test("a container whose old image is gone is refused, naming the container and the image")
    func oldImageMissing() throws {
        let (container, _) = try web()
        let error = #expect(throws: RecreationError.self) {
            try ContainerRecreation(container: container, oldImage: nil, image: "web:2.0", apiVersion: Self.v141)
        }
        #expect(error?.code == .oldImageMissing)
        #expect(error?.container == "web")
        #expect(
            error?.description
                == "the old image sha256:06c6993481dabacefc6539213b58cc8bb6a4b32a67133f2dbf4baa9eb9138e49 of container web is "
                + "no longer on the host; molt cannot tell the image's defaults from your settings, so it refuses to recreate the container")
    }

    @Test("an image inspect that is not the container's image is refused")
    func oldImageMismatch() throws {
        let (container, _) = try web()
        let (_, otherImage) = try api()
        let error = #expect(throws: RecreationError.self) {
            try ContainerRecreation(container: container, oldImage: otherImage, image: "web:2.0", apiVersion: Self.v141)
        }
        #expect(error?.code == .oldImageMismatch)
    }
}
