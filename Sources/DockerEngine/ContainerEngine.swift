/// The Docker Engine operations that replacing, trying out and locking a service need.
///
/// ``DockerClient`` performs them on a real engine; a scripted engine performs them on a
/// model of one in tests, so that every branch of a replacement runs in milliseconds. The
/// requirements have no default arguments; the extension below gives the usual ones.
public protocol ContainerEngine: Sendable {
    /// The API version spoken: recreation depends on it (several networks at create from 1.44).
    var apiVersion: DockerAPIVersion { get }

    /// The container with exactly this name, never one whose ID merely starts with it.
    func container(named name: String) async throws -> ContainerDetails?
    func inspectContainer(_ nameOrID: String) async throws -> ContainerDetails
    func listContainers(all: Bool, filters: [String: [String]]) async throws -> [ContainerSummary]
    /// Creates a container and returns its ID.
    func createContainer(name: String, body: JSONValue) async throws -> String
    /// False when it was already running.
    func startContainer(_ nameOrID: String) async throws -> Bool
    /// False when it was already stopped.
    func stopContainer(_ nameOrID: String, timeout: Duration?) async throws -> Bool
    func renameContainer(_ nameOrID: String, to newName: String) async throws
    func removeContainer(_ nameOrID: String, force: Bool, volumes: Bool) async throws
    func pauseContainer(_ nameOrID: String) async throws
    func unpauseContainer(_ nameOrID: String) async throws
    /// Waits for the container to stop and returns its exit code.
    func waitContainer(_ nameOrID: String, condition: String, timeout: Duration) async throws -> Int
    /// Follows the engine's events about a container (by ID) while `body` runs; the
    /// subscription ends when `body` is done (see ``ContainerEventFeed/follow(_:_:)``).
    func followingEvents<R>(of container: String, _ body: (ContainerEventFeed) async throws -> R) async throws -> R
    func logs(_ container: String, tail: Int, timestamps: Bool, tty: Bool?) async throws -> ContainerLogs
    func exec(in container: String, command: [String], user: String?, timeout: Duration?) async throws -> ExecResult
    func connectNetwork(_ network: String, container: String, endpointConfig: JSONValue) async throws

    /// `nil` when the engine does not have the image.
    func inspectImage(_ reference: String) async throws -> ImageDetails?
    func pullImage(_ reference: String, auth: RegistryAuth?, progress: @Sendable (PullProgress) -> Void) async throws
    /// Points the tag `reference` at `image` (an ID or reference).
    func tagImage(_ image: String, as reference: String) async throws

    /// `nil` when the path does not exist in the container.
    func archiveInfo(of container: String, path: String) async throws -> PathStat?
    func archive(of container: String, path: String, maxSize: Int) async throws -> [UInt8]
    func putArchive(into container: String, path: String, tar: [UInt8]) async throws

    func listVolumes(filters: [String: [String]]) async throws -> [Volume]
    func createVolume(name: String, labels: [String: String], driver: String) async throws -> Volume
    func removeVolume(_ name: String, force: Bool) async throws

    /// What changed in the container's filesystem against its image.
    func containerChanges(_ nameOrID: String) async throws -> [ContainerChange]
    /// The image's layers, newest first.
    func imageHistory(_ reference: String) async throws -> [ImageHistoryEntry]
    /// The digest the registry holds now for the tag `reference`, asked through the engine.
    func distributionDigest(_ reference: String, auth: RegistryAuth?) async throws -> String
}

extension DockerClient: ContainerEngine {}

extension ContainerEngine {
    public func listContainers(all: Bool = true) async throws -> [ContainerSummary] {
        try await listContainers(all: all, filters: [:])
    }

    public func stopContainer(_ nameOrID: String) async throws -> Bool {
        try await stopContainer(nameOrID, timeout: nil)
    }

    public func removeContainer(_ nameOrID: String, force: Bool = false) async throws {
        try await removeContainer(nameOrID, force: force, volumes: false)
    }

    public func waitContainer(_ nameOrID: String, timeout: Duration) async throws -> Int {
        try await waitContainer(nameOrID, condition: "not-running", timeout: timeout)
    }

    public func logs(_ container: String, tail: Int) async throws -> ContainerLogs {
        try await logs(container, tail: tail, timestamps: false, tty: nil)
    }

    public func exec(in container: String, command: [String], timeout: Duration? = nil) async throws -> ExecResult {
        try await exec(in: container, command: command, user: nil, timeout: timeout)
    }

    public func connectNetwork(_ network: String, container: String) async throws {
        try await connectNetwork(network, container: container, endpointConfig: [:])
    }

    public func pullImage(_ reference: String, auth: RegistryAuth?) async throws {
        try await pullImage(reference, auth: auth, progress: { _ in })
    }

    public func archive(of container: String, path: String) async throws -> [UInt8] {
        try await archive(of: container, path: path, maxSize: 1 << 30)
    }

    public func listVolumes() async throws -> [Volume] {
        try await listVolumes(filters: [:])
    }

    public func createVolume(name: String, labels: [String: String] = [:]) async throws -> Volume {
        try await createVolume(name: name, labels: labels, driver: "local")
    }

    public func removeVolume(_ name: String) async throws {
        try await removeVolume(name, force: false)
    }
}
