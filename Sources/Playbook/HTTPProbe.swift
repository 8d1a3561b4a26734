/// An HTTP health check: `GET path` on `127.0.0.1:port` of the host, reached through the SSH
/// tunnel, must answer `status`.
public struct HTTPProbe: Sendable, Hashable {
    /// The port on the host's loopback (1 to 65535).
    public var port: Int
    /// The request path, starting with `/`.
    public var path: String
    /// The status code that means healthy.
    public var status: Int

    /// Creates a probe of `http://127.0.0.1:port/path` expecting `status`.
    public init(port: Int, path: String = "/", status: Int = 200) {
        self.port = port
        self.path = path
        self.status = status
    }
}
