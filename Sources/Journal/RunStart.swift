public import Foundation

/// What the journal records when a run begins: who started which playbook, where and when.
public struct RunStart: Sendable, Hashable {
    /// The run ID, from ``Journal/newRunID(now:)``.
    public var id: String
    /// `rollout`, `rollback`, `trial` or `patch`.
    public var command: String
    /// The playbook's name.
    public var playbookName: String
    /// The playbook file as given on the command line.
    public var playbookPath: String
    /// The operator who ran molt.
    public var user: String
    /// This coordinator machine's host name; with `pid`, tells a live run from a dead one.
    public var coordinator: String
    /// The coordinator process's ID.
    public var pid: Int32
    /// The coordinator process, named so that no other process anywhere has the same name:
    /// what proves a run with no end gone (``ProcessIdentity/isProvablyGone(seenFrom:startTimeOf:)``).
    /// Nil in runs recorded before molt kept it: those never read as interrupted.
    public var process: ProcessIdentity?
    /// When the run began.
    public var started: Date
    /// The hosts the plan meant to touch, in plan order.
    public var hosts: [String]
    /// Anything else worth keeping about the run (image override, limit, batches), as JSON text.
    public var details: String?

    /// Creates a run record to start.
    public init(
        id: String, command: String, playbookName: String, playbookPath: String, user: String,
        coordinator: String, pid: Int32, process: ProcessIdentity? = nil, started: Date, hosts: [String],
        details: String? = nil
    ) {
        self.id = id
        self.command = command
        self.playbookName = playbookName
        self.playbookPath = playbookPath
        self.user = user
        self.coordinator = coordinator
        self.pid = pid
        self.process = process
        self.started = started
        self.hosts = hosts
        self.details = details
    }
}
