public import DockerEngine
public import Fleet
public import Inventory
public import SSH

/// One host as a rollout works on it: its Docker engine, and a way to reach the host's own
/// loopback ports for health probes. Over SSH both ride on the host's one session; in tests a
/// scripted engine stands in for them.
public struct RolloutHost: Sendable {
    /// The host's inventory name.
    public let name: String
    /// The host's Docker engine.
    public let engine: any ContainerEngine
    /// Byte streams to `127.0.0.1:PORT` on the host.
    public let ports: any HostPorts
    /// Commands on the host itself (`docker-compose`); `nil` where there is no way to run them.
    public let shell: (any HostShell)?
    private let closer: @Sendable () async -> Void

    public init(name: String, engine: any ContainerEngine, ports: any HostPorts, shell: (any HostShell)? = nil,
                close: @escaping @Sendable () async -> Void = {}) {
        self.name = name
        self.engine = engine
        self.ports = ports
        self.shell = shell
        self.closer = close
    }

    /// A host reached over SSH.
    public init(_ connection: HostConnection) {
        self.init(name: connection.host.name, engine: connection.docker, ports: SSHPorts(session: connection.session),
                  shell: SSHShell(session: connection.session, dockerSocket: connection.host.dockerSocket),
                  close: { await connection.close() })
    }

    /// Ends the host's session, suspended (holding no thread) until it is over.
    public func close() async { await closer() }
}

/// Opens streams to a host's own TCP ports, as seen from the host.
public protocol HostPorts: Sendable {
    /// A connector whose streams reach `127.0.0.1:port` on the host.
    func connector(port: Int, timeout: Duration) -> any ByteStreamConnector
}

/// Reaches hosts for a rollout.
public protocol HostConnector: Sendable {
    /// Connects to one host, verifying its key and negotiating its Docker API.
    func connect(_ host: InventoryHost) async throws(HostFailure) -> RolloutHost
    /// Closes what the connector holds beyond the hosts' own sessions (jump hosts), once the
    /// run is over and every host's session is closed.
    func close() async
}

extension HostConnector {
    public func close() async {}
}

/// Reaches hosts over SSH with the fleet's settings.
public struct SSHHostConnector: HostConnector {
    public var settings: ConnectionSettings
    /// The run's connector: hosts behind one jump host share its session, which ends with
    /// `close()` (or, without waiting, when the last reference to the connector goes).
    public var connector: SSHConnector

    public init(settings: ConnectionSettings, connector: SSHConnector? = nil) {
        self.settings = settings
        self.connector = connector ?? settings.makeConnector()
    }

    public func connect(_ host: InventoryHost) async throws(HostFailure) -> RolloutHost {
        RolloutHost(try await HostConnection.open(host, settings: settings, connector: connector))
    }

    public func close() async {
        await connector.close()
    }
}

extension SSHPorts: HostPorts {}
