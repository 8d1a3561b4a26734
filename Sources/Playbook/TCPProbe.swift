/// A TCP health check: a connection to `127.0.0.1:port` of the host, reached through the SSH
/// tunnel, must be accepted.
public struct TCPProbe: Sendable, Hashable {
    /// The port on the host's loopback (1 to 65535).
    public var port: Int

    /// Creates a probe of `127.0.0.1:port`.
    public init(port: Int) {
        self.port = port
    }
}
