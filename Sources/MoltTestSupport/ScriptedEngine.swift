public import DockerEngine
public import Fleet
public import Inventory
public import Packages
public import Rollout
import Synchronization

/// One coordinator's session with a ``ScriptedDocker``: the ``ContainerEngine`` molt's code
/// talks to in tests. A scripted crash severs it for good, as SIGKILL would; a rerun takes a
/// new engine from the same host.
public struct ScriptedEngine: ContainerEngine {
    public let docker: ScriptedDocker
    let session = Session()

    public var apiVersion: DockerAPIVersion { docker.apiVersion }

    /// Whether this session's coordinator is dead.
    public var crashed: Bool { session.severed }

    /// The host as a rollout sees it, ports included.
    public func host(_ name: String) -> RolloutHost {
        RolloutHost(name: name, engine: self, ports: ScriptedPorts(docker: docker, session: session),
                    shell: ScriptedShell(engine: self))
    }

    final class Session: Sendable {
        private let state = Mutex(false)
        var severed: Bool { state.withLock { $0 } }
        func sever() { state.withLock { $0 = true } }
        func check() throws {
            if severed { throw ScriptedCrash() }
        }
    }

    private func call<Value: Sendable>(_ operation: ScriptedDocker.Operation, _ target: String?,
                                       _ body: @Sendable (isolated ScriptedDocker) throws -> Value) async throws -> Value {
        let crashAfter = try await docker.gate(operation, target, session: session)
        let value = try await docker.perform(body)
        try await docker.finish(crashAfter, session: session)
        return value
    }

    public func container(named name: String) async throws -> ContainerDetails? {
        try await call(.inspect, name) { $0.containerNamed(name) }
    }

    public func inspectContainer(_ nameOrID: String) async throws -> ContainerDetails {
        try await call(.inspect, nameOrID) { try $0.inspect(nameOrID) }
    }

    public func listContainers(all: Bool, filters: [String: [String]]) async throws -> [ContainerSummary] {
        try await call(.list, nil) { $0.list(all: all, filters: filters) }
    }

    public func createContainer(name: String, body: JSONValue) async throws -> String {
        try await call(.create, name) { try $0.doCreate(name: name, body: body) }
    }

    public func startContainer(_ nameOrID: String) async throws -> Bool {
        try await call(.start, nameOrID) { try $0.doStart(nameOrID) }
    }

    public func stopContainer(_ nameOrID: String, timeout: Duration?) async throws -> Bool {
        try await call(.stop, nameOrID) { try $0.doStop(nameOrID) }
    }

    public func renameContainer(_ nameOrID: String, to newName: String) async throws {
        try await call(.rename, nameOrID) { try $0.doRename(nameOrID, to: newName) }
    }

    public func removeContainer(_ nameOrID: String, force: Bool, volumes: Bool) async throws {
        try await call(.remove, nameOrID) { try $0.doRemove(nameOrID, force: force, volumes: volumes) }
    }

    public func pauseContainer(_ nameOrID: String) async throws {
        try await call(.pause, nameOrID) { try $0.doPause(nameOrID, true) }
    }

    public func unpauseContainer(_ nameOrID: String) async throws {
        try await call(.unpause, nameOrID) { try $0.doPause(nameOrID, false) }
    }

    public func waitContainer(_ nameOrID: String, condition: String, timeout: Duration) async throws -> Int {
        try await call(.wait, nameOrID) { try $0.doWait(nameOrID) }
    }

    public func followingEvents<R>(of container: String, _ body: (ContainerEventFeed) async throws -> R) async throws -> R {
        let docker = self.docker
        let session = self.session
        return try await ContainerEventFeed.follow({ feed in
            let crashAfter = try await docker.gate(.events, container, session: session)
            try await docker.finish(crashAfter, session: session)
            try await docker.streamEvents(of: container, into: feed, session: session)
        }, body)
    }

    public func logs(_ container: String, tail: Int, timestamps: Bool, tty: Bool?) async throws -> ContainerLogs {
        try await call(.logs, container) { try $0.doLogs(container, tail: tail) }
    }

    public func exec(in container: String, command: [String], user: String?, timeout: Duration?) async throws -> ExecResult {
        try await call(.exec, container) { try $0.doExec(container, command: command) }
    }

    public func connectNetwork(_ network: String, container: String, endpointConfig: JSONValue) async throws {
        try await call(.connect, container) { try $0.doConnect(network, container: container, endpointConfig: endpointConfig) }
    }

    public func inspectImage(_ reference: String) async throws -> ImageDetails? {
        try await call(.inspectImage, reference) { try $0.doInspectImage(reference) }
    }

    public func pullImage(_ reference: String, auth: RegistryAuth?, progress: @Sendable (PullProgress) -> Void) async throws {
        try await call(.pull, reference) { try $0.doPull(reference) }
        progress(PullProgress(status: "Status: Downloaded newer image for \(reference)"))
    }

    public func tagImage(_ image: String, as reference: String) async throws {
        try await call(.tag, image) { try $0.doTag(image, as: reference) }
    }

    /// Runs a command on the host, as ``ScriptedDocker/answerCommands(_:)`` scripts it.
    public func runCommand(_ command: String) async throws -> HostCommandResult {
        try await call(.command, command) { $0.doCommand(command) }
    }

    public func archiveInfo(of container: String, path: String) async throws -> PathStat? {
        try await call(.archiveInfo, container) { try $0.doArchiveInfo(container, path: path) }
    }

    public func archive(of container: String, path: String, maxSize: Int) async throws -> [UInt8] {
        try await call(.archive, container) { try $0.doArchive(container, path: path) }
    }

    public func putArchive(into container: String, path: String, tar: [UInt8]) async throws {
        try await call(.putArchive, container) { try $0.doPutArchive(container, path: path, tar: tar) }
    }

    public func listVolumes(filters: [String: [String]]) async throws -> [Volume] {
        try await call(.listVolumes, nil) { try $0.doListVolumes(filters: filters) }
    }

    public func createVolume(name: String, labels: [String: String], driver: String) async throws -> Volume {
        try await call(.createVolume, name) { try $0.doCreateVolume(name: name, labels: labels) }
    }

    public func removeVolume(_ name: String, force: Bool) async throws {
        try await call(.removeVolume, name) { try $0.doRemoveVolume(name) }
    }

    public func containerChanges(_ nameOrID: String) async throws -> [ContainerChange] {
        try await call(.changes, nameOrID) { try $0.doChanges(nameOrID) }
    }

    public func imageHistory(_ reference: String) async throws -> [ImageHistoryEntry] {
        try await call(.history, reference) { try $0.doHistory(reference) }
    }

    public func distributionDigest(_ reference: String, auth: RegistryAuth?) async throws -> String {
        try await call(.distribution, reference) { try $0.doDistribution(reference) }
    }
}

extension ScriptedDocker {
    /// Runs `body` on the actor.
    func perform<Value: Sendable>(_ body: @Sendable (isolated ScriptedDocker) throws -> Value) throws -> Value {
        try body(self)
    }
}

/// A scripted host's loopback ports: HTTP and TCP answered as its running containers' images say.
struct ScriptedPorts: HostPorts {
    let docker: ScriptedDocker
    let session: ScriptedEngine.Session

    func connector(port: Int, timeout: Duration) -> any ByteStreamConnector {
        Connector(docker: docker, session: session, port: port)
    }

    struct Connector: ByteStreamConnector {
        let docker: ScriptedDocker
        let session: ScriptedEngine.Session
        let port: Int

        func connect() async throws -> any ByteStream {
            try session.check()
            let answer = await docker.answer(port: port)
            guard answer.open else { throw ScriptedPortClosed(port: port) }
            let status = answer.http ?? 200
            return Reply(bytes: Array("HTTP/1.1 \(status) Scripted\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".utf8))
        }
    }

    /// Answers whatever is written with a fixed reply, then ends.
    final class Reply: ByteStream {
        private let remaining: Mutex<[UInt8]>
        init(bytes: [UInt8]) { remaining = Mutex(bytes) }
        func write(_ bytes: [UInt8]) async throws {}
        func read(maxLength: Int) async throws -> [UInt8] {
            remaining.withLock { bytes in
                let chunk = Array(bytes.prefix(maxLength))
                bytes.removeFirst(chunk.count)
                return chunk
            }
        }
        func close() async {}
    }
}

/// Commands on a scripted host: answered by its ``ScriptedDocker``, faults and crashes included.
public struct ScriptedShell: HostShell {
    public let engine: ScriptedEngine

    public func run(_ command: String, timeout: Duration) async throws -> HostCommandResult {
        try await engine.runCommand(command)
    }
}

/// Nothing listens on the port.
public struct ScriptedPortClosed: Error, CustomStringConvertible {
    public var port: Int
    public var description: String { "connection refused on 127.0.0.1:\(port)" }
}

/// Reaches scripted hosts by inventory name, each through a new session (a new coordinator).
public struct ScriptedConnector: HostConnector {
    public let hosts: [String: ScriptedDocker]
    /// Hosts that cannot be reached, with the reason.
    public var unreachable: [String: String]

    public init(hosts: [String: ScriptedDocker], unreachable: [String: String] = [:]) {
        self.hosts = hosts
        self.unreachable = unreachable
    }

    public func connect(_ host: InventoryHost) async throws(HostFailure) -> RolloutHost {
        if let reason = unreachable[host.name] { throw HostFailure(host: host.name, stage: .connect, message: reason) }
        guard let docker = hosts[host.name] else { throw HostFailure(host: host.name, stage: .connect, message: "no scripted host \(host.name)") }
        return docker.engine().host(host.name)
    }
}

extension ScriptedEngine: PackageDatabaseSource {
    /// The databases of ``ScriptedDocker/Image/contents`` (with the container's changes), read
    /// through the archive API as a real engine's are.
    public func installedPackages(in container: String) async throws -> [InstalledPackage] {
        var found: [InstalledPackage] = []
        for location in PackageDatabase.locations {
            do {
                let archive = try await archive(of: container, path: location.path, maxSize: PackageDatabaseReader.defaultLimit)
                found += try PackageDatabase.packages(fromArchive: archive, format: location.format)
            } catch let error as DockerError where error.code == .notFound {
                continue
            }
        }
        return found
    }
}
