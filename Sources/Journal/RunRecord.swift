public import Foundation
public import JSONShape

/// One run as the journal knows it: who ran what, when, how it ended, and each host's outcome.
///
/// Encodes as SPEC §5's `{"id","playbook","started","finished","result","hosts":[…]}` plus
/// `command`, `user` and `coordinator`, and `batches` and `steps` when they were read
/// (`molt history RUN`); dates are ISO 8601 strings in UTC.
public struct RunRecord: Sendable, Hashable, Encodable {
    /// The run ID.
    public var id: String
    /// `rollout`, `rollback`, `trial` or `patch`.
    public var command: String
    /// The playbook's name.
    public var playbook: String
    /// The playbook file as given on the command line.
    public var playbookPath: String
    /// The operator who ran molt.
    public var user: String
    /// The coordinator machine's host name.
    public var coordinator: String
    /// The coordinator process's ID.
    public var pid: Int32
    /// When the run began.
    @Timestamped public var started: Date
    /// When the run ended; nil while it runs, or when its coordinator died.
    @Timestamped public var finished: Date?
    /// How the run ended, as recorded; for a run with no end, ``Result/running`` while its
    /// process lives and ``Result/interrupted`` once this machine can see its process is gone.
    @NullWhenNil public var result: Result?
    /// The hosts the plan meant to touch, in plan order.
    public var plannedHosts: [String]
    /// The JSON text given as ``RunStart/details``.
    public var details: String?
    /// Each host and service's outcome, in the order they were recorded.
    public var hosts: [HostOutcomeRecord]
    /// Its batches, in order, when read (``Journal/batches(run:)``); nil in a list of runs.
    public var batches: [BatchRecord]?
    /// Its steps, in the order they began, when read (``Journal/steps(run:)``); nil in a list
    /// of runs.
    public var steps: [StepRecord]?

    /// Creates a record; the journal makes these, tests and renderers may too.
    public init(
        id: String, command: String, playbook: String, playbookPath: String, user: String,
        coordinator: String, pid: Int32, started: Date, finished: Date?, result: Result?,
        plannedHosts: [String] = [], details: String? = nil, hosts: [HostOutcomeRecord] = []
    ) {
        self.id = id
        self.command = command
        self.playbook = playbook
        self.playbookPath = playbookPath
        self.user = user
        self.coordinator = coordinator
        self.pid = pid
        self.started = started
        self.finished = finished
        self.result = result
        self.plannedHosts = plannedHosts
        self.details = details
        self.hosts = hosts
    }

    /// The SPEC keys, `null` for an unfinished run's `finished` and `result`; `batches` and
    /// `steps` only when they were read.
    private enum CodingKeys: String, CodingKey {
        case id, command, playbook, user, coordinator, started, finished, result, hosts, batches, steps
    }
}

/// What `molt history --output json` prints: `{"runs":[…]}`, newest first.
public struct HistoryDocument: Sendable, Hashable, Encodable {
    /// The runs, newest first.
    public var runs: [RunRecord]

    /// Wraps `runs` for printing.
    public init(runs: [RunRecord]) {
        self.runs = runs
    }
}
