public import DockerEngine
public import SSH

/// Opens `direct-tcpip` channels to `127.0.0.1:PORT` on a host, through its SSH session: how
/// health probes reach a service that listens only on the host itself.
public struct SSHPorts: Sendable {
    public let session: SSHSession

    public init(session: SSHSession) {
        self.session = session
    }

    /// A connector for one port; each stream is a new channel, opened within `timeout`.
    public func connector(port: Int, timeout: Duration) -> any ByteStreamConnector {
        PortTunnel(session: session, port: port, timeout: timeout)
    }
}

/// One port of a host, reached through the host's SSH session.
struct PortTunnel: ByteStreamConnector {
    let session: SSHSession
    let port: Int
    let timeout: Duration

    func connect() async throws -> any ByteStream {
        ChannelStream(channel: try await session.openTCP(host: "127.0.0.1", port: port, timeout: timeout))
    }
}
