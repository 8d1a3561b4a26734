/// `State` of an inspected container: whether it runs, how it ended, how healthy it is.
public struct ContainerState: Sendable, Hashable {
    /// `created`, `running`, `paused`, `restarting`, `removing`, `exited` or `dead`.
    public var status: String
    /// Whether the container runs (paused containers included).
    public var running: Bool
    /// Whether the container is frozen by ``DockerClient/pauseContainer(_:)``.
    public var paused: Bool
    /// Whether the engine is restarting it under its restart policy.
    public var restarting: Bool
    /// Whether the kernel killed the container for lack of memory.
    public var oomKilled: Bool
    /// The exit code of the last run; 0 while running.
    public var exitCode: Int
    /// Why the engine could not start or run the container, or empty.
    public var error: String
    /// RFC 3339 time of the last start; `0001-01-01T00:00:00Z` if never started.
    public var startedAt: String
    /// RFC 3339 time of the last exit; `0001-01-01T00:00:00Z` if never exited.
    public var finishedAt: String
    /// The health check's state; `nil` when the container has no health check.
    public var health: HealthState?

    /// A state given field by field, for tests and fakes.
    public init(
        status: String, running: Bool = false, paused: Bool = false, restarting: Bool = false,
        oomKilled: Bool = false, exitCode: Int = 0, error: String = "",
        startedAt: String = "", finishedAt: String = "", health: HealthState? = nil
    ) {
        self.status = status
        self.running = running
        self.paused = paused
        self.restarting = restarting
        self.oomKilled = oomKilled
        self.exitCode = exitCode
        self.error = error
        self.startedAt = startedAt
        self.finishedAt = finishedAt
        self.health = health
    }

    /// Reads the `State` object of an inspect document.
    public init(raw: JSONValue) {
        let health = raw["Health"].flatMap { $0.objectValue == nil ? nil : HealthState(raw: $0) }
        self.init(
            status: raw.string("Status"),
            running: raw.bool("Running"),
            paused: raw.bool("Paused"),
            restarting: raw.bool("Restarting"),
            oomKilled: raw.bool("OOMKilled"),
            exitCode: Int(raw.integer("ExitCode")),
            error: raw.string("Error"),
            startedAt: raw.string("StartedAt"),
            finishedAt: raw.string("FinishedAt"),
            health: health
        )
    }
}
