public import DockerEngine
public import Rollout
import Foundation
import Packages

/// A Docker host modelled in memory, for tests of everything that replaces, tries out or locks
/// containers: images with scripted behaviour (health, ports, exec), containers with names,
/// states and mounts, volumes with files, a registry to pull from, and faults injected at any
/// call. Engines made by ``engine()`` talk to it; ``ScriptedEngine/crash`` models a coordinator
/// killed at that very call, leaving the host as it was then.
///
/// It keeps Docker's own rules where molt depends on them: names are unique (409), a running
/// container cannot be removed without force, a name is exact while an ID may be a prefix,
/// create merges the image's defaults into `Config`, and `VOLUME`s without a mount become
/// anonymous volumes.
public actor ScriptedDocker {
    /// How a container of an image behaves once started.
    public struct Behaviour: Sendable {
        /// Docker health: `nil` when the image has no HEALTHCHECK.
        public var health: Health?
        /// Exits with this code this many engine calls after it started (a crashing release).
        public var exitsAfter: (calls: Int, code: Int)?
        /// HTTP status answered on a host port while a container of the image runs.
        public var http: [Int: Int]
        /// TCP ports accepting connections while a container of the image runs.
        public var tcp: Set<Int>
        /// Exit codes of exec commands (joined by spaces); 0 when not listed.
        public var exec: [String: Int]
        /// Lines the container writes to its log when it starts.
        public var logs: [String]
        /// Files written, at start, into whatever is mounted at the path (`/data`: `format` → "2"):
        /// a release that migrates its data. A read-only mount makes it exit 1.
        public var writesOnStart: [String: [String: String]]
        /// Files the image contains (`/bin/cp`, `/bin/sh`), for copy helpers.
        public var files: Set<String>
        /// Exec commands (joined by spaces) after which Docker calls the container unhealthy:
        /// a patch that breaks it.
        public var execBreaksHealth: Set<String> = []
        /// Files with contents every container of the image starts with, readable and
        /// writable through the archive API (`/var/lib/dpkg/status`).
        public var contents: [String: String] = [:]

        public init(health: Health? = nil, exitsAfter: (calls: Int, code: Int)? = nil, http: [Int: Int] = [:], tcp: Set<Int> = [],
                    exec: [String: Int] = [:], logs: [String] = [], writesOnStart: [String: [String: String]] = [:],
                    files: Set<String> = ["/bin/cp", "/bin/sh"]) {
            self.health = health
            self.exitsAfter = exitsAfter
            self.http = http
            self.tcp = tcp
            self.exec = exec
            self.logs = logs
            self.writesOnStart = writesOnStart
            self.files = files
        }

        /// Docker health over time since start; time is counted in engine calls, so a test never
        /// waits on a clock.
        public enum Health: Sendable {
            /// `starting` for this many engine calls after start, then `healthy`.
            case healthyAfter(Int)
            /// `starting` for this many engine calls after start, then `unhealthy`.
            case unhealthyAfter(Int)
            /// `starting` for ever.
            case neverReady
        }
    }

    /// An image on the host or in the registry.
    public struct Image: Sendable {
        public var id: String
        public var reference: String
        /// `Config` defaults: `Env`, `Cmd`, `Entrypoint`, `Labels`, `Healthcheck`, `Volumes`.
        public var config: JSONValue
        public var behaviour: Behaviour
        /// Files in the image with their text (`/var/lib/dpkg/status`), read through the archive
        /// API; a container sees them as changed by ``ScriptedDocker/change(_:file:to:)``.
        public var contents: [String: String] = [:]
        /// The registry digest; `nil` for an image built or committed on the host.
        public var digest: String?
        /// The image's history, newest first.
        public var history: [ImageHistoryEntry]

        /// `build` tells apart two images pushed under one tag (`web:latest` rebuilt): the ID
        /// comes from the reference and the build.
        public init(reference: String, build: String? = nil, env: [String] = [], volumes: [String] = [], labels: [String: String] = [:],
                    behaviour: Behaviour = Behaviour()) {
            self.id = "sha256:" + ScriptedDocker.hexID(reference + (build.map { "#" + $0 } ?? ""))
            self.reference = reference
            var config: [String: JSONValue] = [
                "Image": .string(reference),
                "Env": .array(env.map(JSONValue.string)),
                "Cmd": ["/app/start"],
                "Labels": .object(labels.mapValues(JSONValue.string)),
            ]
            if behaviour.health != nil { config["Healthcheck"] = ["Test": ["CMD", "/app/check"], "Interval": 100_000_000, "Retries": 2] }
            if !volumes.isEmpty { config["Volumes"] = .object(Dictionary(uniqueKeysWithValues: volumes.map { ($0, JSONValue.object([:])) })) }
            self.config = .object(config)
            self.behaviour = behaviour
            self.digest = "sha256:" + ScriptedDocker.hexID("digest of " + id)
            self.history = [ImageHistoryEntry(id: id, created: 1_700_000_000, createdBy: "/bin/sh -c #(nop) scripted build of \(reference)")]
        }
    }

    /// One call of the engine API, for faults and the call log.
    public enum Operation: String, Sendable, CaseIterable {
        case inspect, list, create, start, stop, rename, remove, pause, unpause, wait, logs, exec, connect
        /// A subscription to the container's events (``ScriptedEngine/followingEvents(of:_:)``).
        case events
        case inspectImage, pull, tag, archiveInfo, archive, putArchive, listVolumes, createVolume, removeVolume
        /// The drift questions of `molt audit`: filesystem changes, image history, the registry's digest.
        case changes, history, distribution
        /// A command run on the host itself (``ScriptedShell``).
        case command
    }

    /// Something that happens at a call: before it, an action (a signal, say); then the call
    /// fails, hangs, or the coordinator dies before or after the engine did it.
    public struct Fault: Sendable {
        public enum Effect: Sendable {
            /// Only the action runs; the call goes through.
            case none
            /// The call fails with this error; nothing changes.
            case fail(DockerError)
            /// The call never returns (until cancelled): a dead link.
            case hang
            /// The call never returns, even when cancelled: a call whose cancellation was lost.
            case stuck
            /// The coordinator dies before the engine sees the call.
            case crashBefore
            /// The engine does the call, and the coordinator dies before hearing the answer.
            case crashAfter
        }

        /// The call it strikes; any call when nil (the how-manieth call of all).
        public var operation: Operation?
        /// Only calls about this container or image (name, ID or reference); any when nil.
        public var target: String?
        /// The how-manieth matching call it strikes, from 1.
        public var occurrence: Int
        public var effect: Effect
        public var action: (@Sendable () -> Void)?
        /// How many matching calls it strikes, from `occurrence` on.
        public var times: Int

        public init(_ operation: Operation?, target: String? = nil, occurrence: Int = 1, effect: Effect, times: Int = 1, repeats: Bool = false,
                    action: (@Sendable () -> Void)? = nil) {
            self.operation = operation
            self.target = target
            self.occurrence = occurrence
            self.effect = effect
            self.times = repeats ? Int.max : times
            self.action = action
        }
    }

    /// A container as the model keeps it.
    public struct Container: Sendable {
        public var id: String
        public var name: String
        public var imageID: String
        public var config: JSONValue
        public var hostConfig: JSONValue
        public var mounts: [ContainerDetails.Mount]
        public var status = "created"
        public var paused = false
        public var exitCode = 0
        public var restartCount = 0
        /// The engine call count when it last started.
        public var startedTick = 0
        public var created: Int64
        public var startedAt = "0001-01-01T00:00:00Z"
        public var networks: [String: JSONValue] = [:]
        public var logLines: [String] = []
        /// The Docker health last announced by a `health_status` event.
        public var announcedHealth: String?
        /// Files changed in place against the image: new text, or `nil` for deleted.
        public var changedFiles: [String: String?] = [:]
        /// Health forced by an exec (``Behaviour/execBreaksHealth``), over the image's script.
        public var forcedHealth: String?

        public var running: Bool { status == "running" }
        public var labels: [String: String] { config["Labels"]?.objectValue?.compactMapValues(\.stringValue) ?? [:] }
        public var configImage: String { config["Image"]?.stringValue ?? "" }
    }

    public private(set) var images: [String: Image] = [:]
    /// Images no tag names any more (a pull or a tag moved it away), by ID.
    public private(set) var untagged: [String: Image] = [:]
    private var commandAnswers: [@Sendable (isolated ScriptedDocker, String) -> HostCommandResult?] = []
    public private(set) var registry: [String: Image] = [:]
    public private(set) var containers: [String: Container] = [:]
    /// Volume name → files in it.
    public private(set) var volumes: [String: [String: String]] = [:]
    public private(set) var volumeLabels: [String: [String: String]] = [:]
    /// Every call, as `operation target`.
    public private(set) var calls: [String] = []
    /// Every exec command, with the container's name, in order.
    public private(set) var execs: [(container: String, command: [String])] = []
    private var faults: [Fault] = []
    /// Calls suspended for good by a `stuck` fault.
    private var stuck: [CheckedContinuation<Void, Never>] = []
    private var subscribers: [Int: Subscriber] = [:]
    private var nextSubscriber = 0
    private var matched: [Int: Int] = [:]
    private var clock: Int64 = 1_700_000_000
    /// Engine calls so far: the model's time.
    private var ticks = 0
    public let apiVersion: DockerAPIVersion

    public init(apiVersion: DockerAPIVersion = .minimum) {
        self.apiVersion = apiVersion
    }

    /// A new session with this host: one coordinator process.
    public nonisolated func engine() -> ScriptedEngine {
        ScriptedEngine(docker: self)
    }

    // MARK: Setting the scene

    /// Puts an image on the host (pulled earlier).
    public func add(_ image: Image) {
        setTag(image.reference, to: image)
    }

    /// The ID of the image a tag names on the host, or nil.
    public func imageID(of reference: String) -> String? {
        images[reference]?.id
    }

    /// Answers commands run on the host (``ScriptedShell``): the first answer that is not nil
    /// wins; a command nobody answers is "command not found" (127).
    public func answerCommands(_ answer: @escaping @Sendable (isolated ScriptedDocker, String) -> HostCommandResult?) {
        commandAnswers.append(answer)
    }

    /// Puts an image in the registry, for pulls.
    public func publish(_ image: Image) {
        registry[image.reference] = image
    }

    /// Creates and starts a container from an image on the host, as `docker run` would: on the
    /// host network unless `hostConfig` (fields set over the defaults) says otherwise.
    @discardableResult
    public func run(_ name: String, image reference: String, env: [String] = [], binds: [String] = [], labels: [String: String] = [:],
                    hostConfig: [String: JSONValue] = [:]) throws -> String {
        var body: [String: JSONValue] = ["Image": .string(reference), "Env": .array(env.map(JSONValue.string)),
                                         "Labels": .object(labels.mapValues(JSONValue.string))]
        var host: [String: JSONValue] = ["Binds": .array(binds.map(JSONValue.string)), "NetworkMode": "host", "RestartPolicy": ["Name": "unless-stopped"]]
        host.merge(hostConfig) { _, given in given }
        body["HostConfig"] = .object(host)
        let id = try doCreate(name: name, body: .object(body))
        _ = try doStart(id)
        return id
    }

    /// Answers commands before every answer given so far (a compose file changed since).
    public func answerCommandsFirst(_ answer: @escaping @Sendable (isolated ScriptedDocker, String) -> HostCommandResult?) {
        commandAnswers.insert(answer, at: 0)
    }

    /// Sets a container's label, or removes it given an empty value: what a container made with
    /// other labels would carry.
    public func replaceLabel(_ key: String, with value: String, on id: String) {
        guard var container = containers[id] else { return }
        var labels = container.config["Labels"]?.objectValue ?? [:]
        labels[key] = value.isEmpty ? nil : .string(value)
        container.config["Labels"] = .object(labels)
        containers[id] = container
    }

    /// Writes a file into a volume.
    public func write(volume: String, file: String, _ text: String) {
        volumes[volume, default: [:]][file] = text
    }

    /// Injects a fault.
    public func inject(_ fault: Fault) {
        faults.append(fault)
    }

    /// Removes every fault.
    public func clearFaults() {
        faults = []
    }

    /// The container of exactly this name.
    public func container(_ name: String) -> Container? {
        containers.values.first { $0.name == name }
    }

    /// Every container's name, sorted.
    public var names: [String] { containers.values.map(\.name).sorted() }

    /// The event subscriptions open now.
    public var eventSubscribers: Int { subscribers.count }

    /// The feeds of the event subscriptions open now.
    public var eventFeeds: [ContainerEventFeed] { subscribers.keys.sorted().compactMap { subscribers[$0]?.feed } }

    /// Ends every event subscription with an error, as an engine dropping its streams would.
    public func dropEventStreams() {
        for subscriber in subscribers.values {
            subscriber.continuation.finish(throwing: DockerError(.transport, "the engine closed the event stream"))
        }
    }

    /// Lets `count` engine calls' worth of time pass without a call: health moves on, and
    /// its changes are announced.
    public func pass(ticks count: Int) {
        ticks += count
        for id in containers.keys { advance(id) }
    }

    /// Makes a running container exit with `code`, as a crash or an OOM kill would.
    public func kill(_ name: String, exitCode code: Int) {
        guard let id = container(name)?.id, containers[id]?.running == true else { return }
        containers[id]?.status = "exited"
        containers[id]?.exitCode = code
        containers[id]?.logLines.append("killed, exit \(code)")
        announce(id, "die")
    }

    /// Sets a container's state directly (a container the operator paused, say).
    public func set(_ name: String, paused: Bool) {
        guard let id = container(name)?.id else { return }
        containers[id]?.paused = paused
    }

    // MARK: The engine API (through ScriptedEngine)

    func gate(_ operation: Operation, _ target: String?, session: ScriptedEngine.Session) async throws -> Bool {
        try session.check()
        ticks += 1
        for id in containers.keys { advance(id) }
        calls.append(operation.rawValue + (target.map { " " + $0 } ?? ""))
        for (index, fault) in faults.enumerated() where (fault.operation == nil || fault.operation == operation) && (fault.target == nil || fault.target == target || matches(fault.target, target)) {
            let count = (matched[index] ?? 0) + 1
            matched[index] = count
            guard count >= fault.occurrence && count - fault.occurrence < fault.times else { continue }
            fault.action?()
            switch fault.effect {
            case .none: return false
            case .fail(let error): throw error
            case .hang:
                try await Task.sleep(for: .seconds(3600))
                throw CancellationError()
            case .stuck:
                // Kept, never resumed: the call is suspended for good, holding no thread.
                await withCheckedContinuation { stuck.append($0) }
                throw CancellationError()
            case .crashBefore:
                session.sever()
                throw ScriptedCrash()
            case .crashAfter:
                return true
            }
        }
        return false
    }

    /// Whether a fault's target (a container name) is the container `target` names by ID.
    private func matches(_ wanted: String?, _ target: String?) -> Bool {
        guard let wanted, let target, let container = lookup(target) else { return false }
        return container.name == wanted || container.id == wanted
    }

    func finish(_ crashAfter: Bool, session: ScriptedEngine.Session) throws {
        if crashAfter {
            session.sever()
            throw ScriptedCrash()
        }
    }

    func containerNamed(_ name: String) -> ContainerDetails? {
        container(name).map { details($0.id) }
    }

    func inspect(_ nameOrID: String) throws -> ContainerDetails {
        guard let container = lookup(nameOrID) else { throw Self.noSuchContainer(nameOrID) }
        return details(container.id)
    }

    func list(all: Bool, filters: [String: [String]]) -> [ContainerSummary] {
        containers.values
            .filter { all || $0.running }
            .filter { container in
                (filters["name"] ?? []).allSatisfy { pattern in
                    ("/" + container.name).range(of: pattern, options: .regularExpression) != nil
                } && (filters["label"] ?? []).allSatisfy { filter in
                    let parts = filter.split(separator: "=", maxSplits: 1).map(String.init)
                    return parts.count == 1 ? container.labels[parts[0]] != nil : container.labels[parts[0]] == parts[1]
                }
            }
            .sorted { $0.created < $1.created }
            .map { container in
                try! ContainerSummary(raw: [
                    "Id": .string(container.id), "Names": [.string("/" + container.name)], "Image": .string(container.configImage),
                    "ImageID": .string(container.imageID), "State": .string(container.paused ? "paused" : container.status),
                    "Status": .string(container.status), "Labels": .object(container.labels.mapValues(JSONValue.string)),
                    "Created": .integer(container.created),
                ])
            }
    }

    func doCreate(name: String, body: JSONValue) throws -> String {
        guard container(name) == nil else {
            throw DockerError(.conflict, status: 409, "Conflict. The container name \"/\(name)\" is already in use")
        }
        let reference = body["Image"]?.stringValue ?? ""
        guard let image = image(reference) else {
            throw DockerError(.notFound, status: 404, "No such image: \(reference)")
        }
        var config = body.objectValue ?? [:]
        config["HostConfig"] = nil
        config["NetworkingConfig"] = nil
        let defaults = image.config
        var env = defaults["Env"]?.arrayValue?.compactMap(\.stringValue) ?? []
        for entry in config["Env"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
            let key = entry.split(separator: "=", maxSplits: 1).first.map(String.init) ?? entry
            env.removeAll { $0.hasPrefix(key + "=") }
            env.append(entry)
        }
        config["Env"] = .array(env.map(JSONValue.string))
        var labels = defaults["Labels"]?.objectValue ?? [:]
        for (key, value) in config["Labels"]?.objectValue ?? [:] { labels[key] = value }
        config["Labels"] = .object(labels)
        for field in ["Cmd", "Entrypoint", "Healthcheck", "WorkingDir", "User", "Volumes"] where config[field] == nil || config[field] == .null {
            config[field] = defaults[field]
        }
        config["Image"] = .string(reference)
        let hostConfig = body["HostConfig"] ?? [:]
        let id = Self.hexID("\(name)-\(clock)-\(containers.count)")
        var mounts: [ContainerDetails.Mount] = []
        for bind in hostConfig["Binds"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
            let parts = bind.split(separator: ":").map(String.init)
            guard parts.count >= 2 else { continue }
            let readWrite = !(parts.count > 2 && parts[2].split(separator: ",").contains("ro"))
            if parts[0].hasPrefix("/") {
                mounts.append(.init(type: "bind", source: parts[0], destination: parts[1], readWrite: readWrite))
            } else {
                if volumes[parts[0]] == nil { volumes[parts[0]] = [:] }
                mounts.append(.init(type: "volume", name: parts[0], source: "/var/lib/docker/volumes/\(parts[0])/_data", destination: parts[1], driver: "local", readWrite: readWrite))
            }
        }
        for mount in hostConfig["Mounts"]?.arrayValue ?? [] {
            let source = mount["Source"]?.stringValue ?? ""
            let target = mount["Target"]?.stringValue ?? ""
            let readWrite = !(mount["ReadOnly"]?.boolValue ?? false)
            if mount["Type"]?.stringValue == "bind" {
                mounts.append(.init(type: "bind", source: source, destination: target, readWrite: readWrite))
            } else {
                let volume = source.isEmpty ? Self.hexID("anon-\(id)-\(target)") : source
                if volumes[volume] == nil { volumes[volume] = [:] }
                mounts.append(.init(type: "volume", name: volume, source: "/var/lib/docker/volumes/\(volume)/_data", destination: target, driver: "local", readWrite: readWrite))
            }
        }
        for shared in hostConfig["VolumesFrom"]?.arrayValue?.compactMap(\.stringValue) ?? [] {
            let parts = shared.split(separator: ":").map(String.init)
            guard let other = lookup(parts[0]) else { throw Self.noSuchContainer(parts[0]) }
            let readOnly = parts.count > 1 && parts[1] == "ro"
            for mount in other.mounts where !mounts.contains(where: { $0.destination == mount.destination }) {
                var copy = mount
                copy.readWrite = mount.readWrite && !readOnly
                mounts.append(copy)
            }
        }
        for destination in (config["Volumes"]?.objectValue ?? [:]).keys.sorted() where !mounts.contains(where: { $0.destination == destination }) {
            let volume = Self.hexID("anon-\(id)-\(destination)")
            volumes[volume] = [:]
            mounts.append(.init(type: "volume", name: volume, source: "/var/lib/docker/volumes/\(volume)/_data", destination: destination, driver: "local"))
        }
        var destinations = Set<String>()
        for mount in mounts where !destinations.insert(mount.destination).inserted {
            throw DockerError(.badRequest, status: 400, "Duplicate mount point: \(mount.destination)")
        }
        clock += 1
        var container = Container(id: id, name: name, imageID: image.id, config: .object(config), hostConfig: hostConfig, mounts: mounts, created: clock)
        container.networks = body["NetworkingConfig"]?["EndpointsConfig"]?.objectValue ?? [:]
        containers[id] = container
        return id
    }

    func doStart(_ nameOrID: String) throws -> Bool {
        guard let container = lookup(nameOrID) else { throw Self.noSuchContainer(nameOrID) }
        if container.running { return false }
        // As the engine does: a fixed host port is published by one running container at a time.
        for port in Self.fixedHostPorts(container.hostConfig) {
            if containers.values.contains(where: { $0.running && Self.fixedHostPorts($0.hostConfig).contains(port) }) {
                throw DockerError(.serverError, status: 500,
                                  "driver failed programming external connectivity on endpoint \(container.name): Bind for 0.0.0.0:\(port) failed: port is already allocated")
            }
        }
        let behaviour = behaviour(of: container)
        var updated = container
        updated.status = "running"
        updated.paused = false
        updated.exitCode = 0
        updated.startedTick = ticks
        updated.announcedHealth = nil
        clock += 1
        updated.startedAt = "2026-11-30T00:00:\(clock % 60)Z"
        updated.logLines += behaviour.logs
        for (path, files) in behaviour.writesOnStart {
            guard let mount = updated.mounts.first(where: { $0.destination == path }), let volume = mount.name else { continue }
            if !mount.readWrite {
                updated.status = "exited"
                updated.exitCode = 1
                updated.logLines.append("cannot write \(path): Read-only file system")
                containers[updated.id] = updated
                announce(updated.id, "start")
                announce(updated.id, "die")
                return true
            }
            for (file, text) in files { volumes[volume, default: [:]][file] = text }
        }
        containers[updated.id] = updated
        announce(updated.id, "start")
        copyIfHelper(updated.id)
        return true
    }

    func doStop(_ nameOrID: String) throws -> Bool {
        guard let container = lookup(nameOrID) else { throw Self.noSuchContainer(nameOrID) }
        guard container.running else { return false }
        containers[container.id]?.status = "exited"
        containers[container.id]?.paused = false
        containers[container.id]?.exitCode = 0
        announce(container.id, "die")
        return true
    }

    func doRename(_ nameOrID: String, to newName: String) throws {
        guard let container = lookup(nameOrID) else { throw Self.noSuchContainer(nameOrID) }
        if let other = self.container(newName), other.id != container.id {
            throw DockerError(.conflict, status: 409, "Conflict. The container name \"/\(newName)\" is already in use by container \"\(other.id)\"")
        }
        containers[container.id]?.name = newName
    }

    func doRemove(_ nameOrID: String, force: Bool, volumes removeVolumes: Bool) throws {
        guard let container = lookup(nameOrID) else { throw Self.noSuchContainer(nameOrID) }
        if container.running && !force {
            throw DockerError(.conflict, status: 409, "You cannot remove a running container \(container.id). Stop the container before attempting removal or force remove")
        }
        announce(container.id, "destroy")
        containers[container.id] = nil
        if removeVolumes {
            for mount in container.mounts where mount.isVolume && Self.isHexID(mount.name ?? "") {
                volumes[mount.name ?? ""] = nil
            }
        }
    }

    func doPause(_ nameOrID: String, _ paused: Bool) throws {
        guard let container = lookup(nameOrID) else { throw Self.noSuchContainer(nameOrID) }
        guard container.running else { throw DockerError(.conflict, status: 409, "Container \(container.id) is not running") }
        guard container.paused != paused else {
            throw DockerError(.conflict, status: 409, "Container \(container.id) is \(paused ? "already paused" : "not paused")")
        }
        containers[container.id]?.paused = paused
        announce(container.id, paused ? "pause" : "unpause")
    }

    func doWait(_ nameOrID: String) throws -> Int {
        guard let container = lookup(nameOrID) else { throw Self.noSuchContainer(nameOrID) }
        return container.exitCode
    }

    func doLogs(_ nameOrID: String, tail: Int) throws -> ContainerLogs {
        guard let container = lookup(nameOrID) else { throw Self.noSuchContainer(nameOrID) }
        let lines = tail < 0 ? container.logLines : Array(container.logLines.suffix(tail))
        return ContainerLogs(stdout: lines.map { $0 + "\n" }.joined(), lines: lines.map { .init(stream: .stdout, text: $0) })
    }

    func doExec(_ nameOrID: String, command: [String]) throws -> ExecResult {
        guard let container = lookup(nameOrID) else { throw Self.noSuchContainer(nameOrID) }
        guard container.running else { throw DockerError(.conflict, status: 409, "Container \(container.id) is not running") }
        let line = command.joined(separator: " ")
        execs.append((container.name, command))
        if behaviour(of: container).execBreaksHealth.contains(line) {
            containers[container.id]?.forcedHealth = "unhealthy"
            containers[container.id]?.announcedHealth = "unhealthy"
            announce(container.id, "health_status: unhealthy")
        }
        return ExecResult(exitCode: behaviour(of: container).exec[line] ?? 0)
    }

    /// Extracts a tar archive's regular files under `path`, as `PUT /containers/{id}/archive` does.
    func doPutArchive(_ nameOrID: String, path: String, tar: [UInt8]) throws {
        guard let container = lookup(nameOrID) else { throw Self.noSuchContainer(nameOrID) }
        let base = path.hasSuffix("/") ? String(path.dropLast()) : path
        for entry in try TarArchive.entries(tar) where entry.kind == .file {
            containers[container.id]?.changedFiles[base + "/" + entry.path] = .some(String(decoding: entry.contents, as: UTF8.self))
        }
    }

    /// Sets a file's contents in a container, as if something inside had written it.
    public func write(container name: String, file path: String, _ text: String) {
        guard let id = container(name)?.id else { return }
        containers[id]?.changedFiles[path] = .some(text)
    }

    /// A container's file as text, or nil when it has none at `path`.
    public func file(_ path: String, in name: String) -> String? {
        container(name).flatMap { files(of: $0)[path] }
    }

    func doConnect(_ network: String, container nameOrID: String, endpointConfig: JSONValue) throws {
        guard let container = lookup(nameOrID) else { throw Self.noSuchContainer(nameOrID) }
        containers[container.id]?.networks[network] = endpointConfig
    }

    func doInspectImage(_ reference: String) throws -> ImageDetails? {
        guard let image = image(reference) else { return nil }
        let tags = images.filter { $0.value.id == image.id }.keys.sorted()
        let repository = (try? ImageReference(image.reference))?.name ?? image.reference
        let digests = image.digest.map { [JSONValue.string(repository + "@" + $0)] } ?? []
        return try ImageDetails(raw: ["Id": .string(image.id), "RepoTags": .array(tags.map(JSONValue.string)), "RepoDigests": .array(digests), "Config": image.config])
    }

    func doPull(_ reference: String) throws {
        guard let image = registry[reference] else {
            throw DockerError(.registry, "pulling \(reference): manifest for \(reference) not found: manifest unknown")
        }
        setTag(reference, to: image)
    }

    func doTag(_ source: String, as reference: String) throws {
        guard let image = image(source) else { throw DockerError(.notFound, status: 404, "No such image: \(source)") }
        setTag(reference, to: image)
    }

    func doCommand(_ command: String) -> HostCommandResult {
        for answer in commandAnswers {
            if let result = answer(self, command) { return result }
        }
        return HostCommandResult(status: 127, stderr: "sh: 1: \(command.split(separator: " ").first ?? ""): not found")
    }

    /// An image by tag or ID, tagged or not.
    private func image(_ referenceOrID: String) -> Image? {
        images[referenceOrID] ?? images.values.first(where: { $0.id == referenceOrID }) ?? untagged[referenceOrID]
    }

    /// Points a tag at an image; the image it named before stays on the host, untagged if no
    /// other tag names it, as with Docker.
    private func setTag(_ reference: String, to image: Image) {
        if let displaced = images[reference], displaced.id != image.id {
            images[reference] = nil
            if !images.values.contains(where: { $0.id == displaced.id }) { untagged[displaced.id] = displaced }
        }
        untagged[image.id] = nil
        var tagged = image
        tagged.reference = reference
        images[reference] = tagged
    }

    func doArchiveInfo(_ nameOrID: String, path: String) throws -> PathStat? {
        guard let container = lookup(nameOrID) else { throw Self.noSuchContainer(nameOrID) }
        let exists = behaviour(of: container).files.contains(path) || files(of: container)[path] != nil
        return exists ? PathStat(name: String(path.split(separator: "/").last ?? ""), size: 1, mode: 0o755) : nil
    }

    /// Removes a container by name, as `docker rm -f` would (a service swapped by hand).
    public func remove(_ nameOrID: String) throws {
        try doRemove(nameOrID, force: true, volumes: false)
    }

    /// Changes a file inside a container, as `docker exec … apt-get upgrade` would: `nil` deletes it.
    public func change(_ nameOrID: String, file path: String, to text: String?) throws {
        guard let container = lookup(nameOrID) else { throw Self.noSuchContainer(nameOrID) }
        containers[container.id]?.changedFiles[path] = .some(text)
    }

    /// The files a container starts with: its image's, and those its behaviour gives every
    /// container of the image.
    private func original(of container: Container) -> [String: String] {
        let image = images.values.first { $0.id == container.imageID } ?? untagged[container.imageID]
        return (image?.contents ?? [:]).merging(behaviour(of: container).contents) { _, behaviour in behaviour }
    }

    /// The files a container sees: its image's, with its own changes over them.
    private func files(of container: Container) -> [String: String] {
        var files = original(of: container)
        for (path, text) in container.changedFiles { files[path] = text }
        return files
    }

    /// A file as a one-member tar archive; a path nothing has is 404, but a directory's
    /// contents (`/data/.`, a volume copy) are an empty archive, as before files had contents.
    func doArchive(_ nameOrID: String, path: String) throws -> [UInt8] {
        guard let container = lookup(nameOrID) else { throw Self.noSuchContainer(nameOrID) }
        if let text = files(of: container)[path] {
            let name = String(path.split(separator: "/").last ?? "")
            return TarArchive.make(entries: [TarEntry(path: name, kind: .file, contents: Array(text.utf8))])
        }
        if path.hasSuffix("/.") || behaviour(of: container).files.contains(path) { return [] }
        throw DockerError(.notFound, status: 404, "Could not find the file \(path) in container \(nameOrID)")
    }

    func doChanges(_ nameOrID: String) throws -> [ContainerChange] {
        guard let container = lookup(nameOrID) else { throw Self.noSuchContainer(nameOrID) }
        let original = original(of: container)
        return container.changedFiles.keys.sorted().map { path in
            let kind: ContainerChange.Kind = original[path] == nil ? .added : container.changedFiles[path]! == nil ? .deleted : .modified
            return ContainerChange(path: path, kind: kind)
        }
    }

    func doHistory(_ reference: String) throws -> [ImageHistoryEntry] {
        guard let image = image(reference) else { throw DockerError(.notFound, status: 404, "No such image: \(reference)") }
        return image.history
    }

    func doDistribution(_ reference: String) throws -> String {
        guard let digest = registry[reference]?.digest else {
            throw DockerError(.notFound, status: 404, "\(reference): manifest unknown")
        }
        return digest
    }

    func doListVolumes(filters: [String: [String]]) throws -> [Volume] {
        try volumes.keys.sorted().filter { name in
            (filters["label"] ?? []).allSatisfy { filter in
                let parts = filter.split(separator: "=", maxSplits: 1).map(String.init)
                let labels = volumeLabels[name] ?? [:]
                return parts.count == 1 ? labels[parts[0]] != nil : labels[parts[0]] == parts[1]
            }
        }.map { try volumeDocument($0) }
    }

    func doCreateVolume(name: String, labels: [String: String]) throws -> Volume {
        if volumes[name] == nil { volumes[name] = [:] }
        volumeLabels[name] = labels
        return try volumeDocument(name)
    }

    func doRemoveVolume(_ name: String) throws {
        guard volumes[name] != nil else { throw DockerError(.notFound, status: 404, "get \(name): no such volume") }
        if let user = containers.values.first(where: { $0.mounts.contains { $0.name == name } }) {
            throw DockerError(.conflict, status: 409, "remove \(name): volume is in use - [\(user.id)]")
        }
        volumes[name] = nil
        volumeLabels[name] = nil
    }

    // MARK: Events

    private struct Subscriber {
        /// A container ID or name, matched as the engine does: as a prefix of either.
        var filter: String
        var feed: ContainerEventFeed
        var continuation: AsyncThrowingStream<ContainerEvent, any Error>.Continuation
    }

    /// One subscription: confirms `feed`, delivers every event about containers that
    /// `filter` names until cancelled or dropped.
    func streamEvents(of filter: String, into feed: ContainerEventFeed, session: ScriptedEngine.Session) async throws {
        let (stream, continuation) = AsyncThrowingStream.makeStream(of: ContainerEvent.self)
        nextSubscriber += 1
        let id = nextSubscriber
        subscribers[id] = Subscriber(filter: filter, feed: feed, continuation: continuation)
        defer { subscribers[id] = nil }
        feed.confirm()
        for try await event in stream {
            try session.check()
            feed.deliver(event)
        }
    }

    /// Tells the subscribers about a container that `action` happened to it.
    private func announce(_ id: String, _ action: String) {
        guard let container = containers[id] else { return }
        let event = ContainerEvent(id: id, action: action, timeNano: Int64(ticks),
                                   attributes: ["name": container.name, "image": container.configImage])
        for subscriber in subscribers.values where id.hasPrefix(subscriber.filter) || container.name.hasPrefix(subscriber.filter) {
            subscriber.continuation.yield(event)
        }
    }

    // MARK: Ports

    func answer(port: Int) -> (http: Int?, open: Bool) {
        for container in containers.values where container.running && !container.paused {
            let behaviour = behaviour(of: container)
            if let status = behaviour.http[port] { return (status, true) }
            if behaviour.tcp.contains(port) { return (nil, true) }
        }
        return (nil, false)
    }

    // MARK: Details

    private func lookup(_ nameOrID: String) -> Container? {
        if let byName = container(nameOrID) { return byName }
        let matches = containers.values.filter { $0.id.hasPrefix(nameOrID) }
        return matches.count == 1 && nameOrID.count >= 1 ? matches[0] : nil
    }

    private func behaviour(of container: Container) -> Behaviour {
        (images.values.first { $0.id == container.imageID } ?? untagged[container.imageID])?.behaviour ?? Behaviour()
    }

    /// Moves a running container along its image's script: health, exits; and announces
    /// what changed, as the engine's events do.
    private func advance(_ id: String) {
        guard var container = containers[id], container.running else { return }
        let behaviour = behaviour(of: container)
        if let exit = behaviour.exitsAfter, ticks - container.startedTick > exit.calls {
            container.status = "exited"
            container.exitCode = exit.code
            container.logLines.append("exited with \(exit.code)")
            containers[id] = container
            announce(id, "die")
            return
        }
        // Docker announces a change of health to healthy or unhealthy, never `starting`.
        let health = healthStatus(container)
        let changed = health != container.announcedHealth && (health == "healthy" || health == "unhealthy")
        container.announcedHealth = health
        containers[id] = container
        if changed, let health { announce(id, "health_status: \(health)") }
    }

    private func healthStatus(_ container: Container) -> String? {
        guard let health = behaviour(of: container).health else { return nil }
        guard container.running else { return "unhealthy" }
        if let forced = container.forcedHealth { return forced }
        switch health {
        case .healthyAfter(let count): return ticks - container.startedTick > count ? "healthy" : "starting"
        case .unhealthyAfter(let count): return ticks - container.startedTick > count ? "unhealthy" : "starting"
        case .neverReady: return "starting"
        }
    }

    private func details(_ id: String) -> ContainerDetails {
        let container = containers[id]!
        var state: [String: JSONValue] = [
            "Status": .string(container.paused ? "paused" : container.status), "Running": .bool(container.running),
            "Paused": .bool(container.paused), "Restarting": false, "OOMKilled": false,
            "ExitCode": .integer(Int64(container.exitCode)), "Error": "", "StartedAt": .string(container.startedAt),
            "FinishedAt": "0001-01-01T00:00:00Z",
        ]
        if let status = healthStatus(container) {
            state["Health"] = ["Status": .string(status), "FailingStreak": .integer(status == "unhealthy" ? 3 : 0),
                               "Log": [["ExitCode": .integer(status == "unhealthy" ? 1 : 0), "Output": .string("check: \(status)")]]]
        }
        let mounts: [JSONValue] = container.mounts.map { mount in
            var object: [String: JSONValue] = ["Type": .string(mount.type), "Source": .string(mount.source), "Destination": .string(mount.destination),
                                               "Mode": "", "RW": .bool(mount.readWrite)]
            if let name = mount.name { object["Name"] = .string(name); object["Driver"] = "local" }
            return .object(object)
        }
        let raw: JSONValue = [
            "Id": .string(container.id), "Name": .string("/" + container.name), "Image": .string(container.imageID),
            "Config": container.config, "HostConfig": container.hostConfig, "State": .object(state),
            "RestartCount": .integer(Int64(container.restartCount)), "Mounts": .array(mounts),
            "NetworkSettings": ["Networks": .object(container.networks)],
        ]
        return try! ContainerDetails(raw: raw)
    }

    private func volumeDocument(_ name: String) throws -> Volume {
        try Volume(raw: ["Name": .string(name), "Driver": "local", "Mountpoint": .string("/var/lib/docker/volumes/\(name)/_data"),
                         "Labels": .object((volumeLabels[name] ?? [:]).mapValues(JSONValue.string)), "Scope": "local"])
    }

    /// A copy helper (`cp -a /molt-src/. /molt-dst/`) copies the moment it starts, then exits.
    private func copyIfHelper(_ id: String) {
        guard let container = containers[id] else { return }
        let command = (container.config["Entrypoint"]?.arrayValue ?? []).compactMap(\.stringValue).joined(separator: " ")
        guard command.contains("/molt-src/."),
              let source = container.mounts.first(where: { $0.destination == "/molt-src" })?.name,
              let target = container.mounts.first(where: { $0.destination == "/molt-dst" })?.name else { return }
        volumes[target] = volumes[source] ?? [:]
        containers[id]?.status = "exited"
        containers[id]?.exitCode = 0
        containers[id]?.logLines.append("4\t/molt-dst")
        announce(id, "die")
    }

    private static func noSuchContainer(_ nameOrID: String) -> DockerError {
        DockerError(.notFound, status: 404, "No such container: \(nameOrID)")
    }

    static func hexID(_ seed: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        var result = ""
        for round in 0..<4 {
            for byte in (seed + "#\(round)").utf8 {
                hash ^= UInt64(byte)
                hash = hash &* 0x100_0000_01b3
            }
            result += String(format: "%016llx", hash)
        }
        return result
    }

    /// The fixed host ports a host configuration publishes (`PortBindings` with a `HostPort`).
    private static func fixedHostPorts(_ hostConfig: JSONValue) -> Set<String> {
        Set(ContainerDetails.fixedHostBindings(in: hostConfig).map(\.hostPort))
    }

    private static func isHexID(_ text: String) -> Bool {
        text.count == 64 && text.allSatisfy(\.isHexDigit)
    }
}

/// The coordinator died at a scripted call: every later call of that session fails too.
public struct ScriptedCrash: Error, CustomStringConvertible {
    public var description: String { "the coordinator was killed (scripted)" }
}
