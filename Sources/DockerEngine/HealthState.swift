/// `State.Health` of a container with a health check.
public struct HealthState: Sendable, Hashable {
    /// `starting`, `healthy`, `unhealthy`, or `none`.
    public var status: String
    /// How many probes in a row have failed.
    public var failingStreak: Int
    /// The last probes, oldest first (the engine keeps five): shown when a release fails.
    public var log: [Probe]

    /// A health state given field by field, for tests and fakes.
    public init(status: String, failingStreak: Int = 0, log: [Probe] = []) {
        self.status = status
        self.failingStreak = failingStreak
        self.log = log
    }

    /// Reads the `Health` object of a container's state.
    public init(raw: JSONValue) {
        self.init(
            status: raw.string("Status"),
            failingStreak: Int(raw.integer("FailingStreak")),
            log: (raw["Log"]?.arrayValue ?? []).map(Probe.init(raw:))
        )
    }

    /// One run of the health check.
    public struct Probe: Sendable, Hashable {
        /// RFC 3339 start time.
        public var start: String
        /// RFC 3339 end time.
        public var end: String
        /// 0 healthy, 1 unhealthy; other codes are errors of the check itself.
        public var exitCode: Int
        /// What the check printed, truncated by the engine to 4 KiB.
        public var output: String

        /// A probe given field by field.
        public init(start: String = "", end: String = "", exitCode: Int, output: String) {
            self.start = start
            self.end = end
            self.exitCode = exitCode
            self.output = output
        }

        init(raw: JSONValue) {
            self.init(
                start: raw.string("Start"),
                end: raw.string("End"),
                exitCode: Int(raw.integer("ExitCode")),
                output: raw.string("Output")
            )
        }
    }
}
