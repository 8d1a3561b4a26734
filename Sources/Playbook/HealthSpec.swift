/// How molt decides that a new container is healthy: every check given must pass within
/// `timeout`, and keep passing for `stable`.
///
/// With no check at all and no HEALTHCHECK in the image, healthy means running, without
/// restarts, for `stable`.
public struct HealthSpec: Sendable, Hashable {
    /// Wait for Docker's HEALTHCHECK to report healthy: `true` requires one, `false` ignores it,
    /// nil uses it when the image has one.
    public var docker: Bool?
    /// An HTTP request that must answer the expected status.
    public var http: HTTPProbe?
    /// A TCP port that must accept connections.
    public var tcp: TCPProbe?
    /// A command run in the new container (exec form) that must exit 0.
    public var exec: [String]?
    /// Time between two rounds of checks.
    public var interval: Duration
    /// Deadline for the container to become healthy.
    public var timeout: Duration
    /// How long the container must then stay healthy.
    public var stable: Duration

    /// Creates a health specification; the defaults are those of a playbook that says nothing.
    public init(
        docker: Bool? = nil, http: HTTPProbe? = nil, tcp: TCPProbe? = nil, exec: [String]? = nil,
        interval: Duration = .seconds(1), timeout: Duration = .seconds(60), stable: Duration = .seconds(5)
    ) {
        self.docker = docker
        self.http = http
        self.tcp = tcp
        self.exec = exec
        self.interval = interval
        self.timeout = timeout
        self.stable = stable
    }
}
