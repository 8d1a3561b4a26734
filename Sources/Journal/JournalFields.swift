import Foundation

/// One row of a journal table as a backend reads it back, each column checked as it is read:
/// a value of the wrong kind is a `JournalError` naming the table and column, never a crash.
///
/// Both backends (`JournalRow` for SQLite, `PostgresJournalRow` for PostgreSQL) implement it,
/// so that the records below are made from rows by one piece of code.
protocol JournalFields {
    func text(_ column: String) throws -> String
    func optionalText(_ column: String) throws -> String?
    func integer(_ column: String) throws -> Int64
    func number(_ column: String) throws -> Double
    func date(_ column: String) throws -> Date
    func optionalDate(_ column: String) throws -> Date?
    /// The error for a column that does not hold what molt wrote there.
    func damaged(_ column: String, expected: String) -> JournalError
}

extension JournalFields {
    /// A list of host names, as `planned_hosts` and a batch's `hosts` are stored (``HostList``).
    func hosts(_ column: String) throws -> [String] {
        guard let hosts = HostList.hosts(try text(column)) else { throw damaged(column, expected: "a JSON list of host names") }
        return hosts
    }

    /// An integer column that must fit `Value`.
    func integer<Value: FixedWidthInteger>(_ column: String, as type: Value.Type) throws -> Value {
        guard let value = Value(exactly: try integer(column)) else { throw damaged(column, expected: "an integer") }
        return value
    }

    /// The `process` column of `runs`: a ``ProcessIdentity`` as JSON (``ProcessIdentity/journalText``),
    /// or nothing in runs recorded before molt kept it.
    func process(_ column: String) throws -> ProcessIdentity? {
        guard let text = try optionalText(column) else { return nil }
        guard let process = ProcessIdentity(journalText: text) else {
            throw damaged(column, expected: "a process identity in JSON")
        }
        return process
    }

    /// The `result` column of `runs`: nil while the run has no recorded end.
    var recordedResult: RunRecord.Result? {
        get throws { try optionalText("result").map(RunRecord.Result.init(rawValue:)) }
    }
}

extension RunStart {
    /// A `runs` row's start.
    init(fields: some JournalFields) throws {
        self.init(
            id: try fields.text("id"), command: try fields.text("command"), playbookName: try fields.text("playbook"),
            playbookPath: try fields.text("playbook_path"), user: try fields.text("user"),
            coordinator: try fields.text("coordinator"), pid: try fields.integer("pid", as: Int32.self),
            process: try fields.process("process"), started: try fields.date("started"), hosts: try fields.hosts("planned_hosts"),
            details: try fields.optionalText("details"))
    }
}

extension RunRecord {
    /// A `runs` row with its outcomes; an end not recorded reads as `ProcessLiveness` judges it
    /// from this process (`observer`).
    init(fields: some JournalFields, observer: ProcessIdentity, hosts: [HostOutcomeRecord]) throws {
        let start = try RunStart(fields: fields)
        let finished = try fields.optionalDate("finished")
        self.init(
            id: start.id, command: start.command, playbook: start.playbookName, playbookPath: start.playbookPath,
            user: start.user, coordinator: start.coordinator, pid: start.pid, started: start.started, finished: finished,
            result: ProcessLiveness.result(
                recorded: try fields.recordedResult, finished: finished, process: start.process, observer: observer),
            plannedHosts: start.hosts, details: start.details, hosts: hosts)
    }
}

extension BatchRecord {
    /// A `batches` row.
    init(fields: some JournalFields) throws {
        self.init(
            run: try fields.text("run"), index: try fields.integer("idx", as: Int.self), hosts: try fields.hosts("hosts"),
            started: try fields.date("started"), finished: try fields.optionalDate("finished"))
    }
}

extension StepRecord {
    /// A `steps` row.
    init(fields: some JournalFields) throws {
        self.init(
            id: try fields.integer("id"), run: try fields.text("run"), host: try fields.text("host"),
            service: try fields.text("service"), step: Kind(rawValue: try fields.text("step")),
            started: try fields.date("started"), finished: try fields.optionalDate("finished"),
            outcome: try fields.optionalText("outcome").map(Outcome.init(rawValue:)),
            detail: try fields.optionalText("detail"))
    }
}

extension HostOutcomeRecord {
    /// An `outcomes` row.
    init(fields: some JournalFields) throws {
        self.init(
            run: try fields.text("run"), host: try fields.text("host"), service: try fields.text("service"),
            container: try fields.text("container"), from: try fields.optionalText("from_image"),
            to: try fields.optionalText("to_image"), outcome: try fields.text("outcome"),
            seconds: try fields.number("seconds"), error: try fields.optionalText("error"),
            previousContainer: try fields.optionalText("previous_container"), at: try fields.date("at"))
    }
}

/// How a list of host names is stored in a journal column: as a JSON list.
enum HostList {
    static func text(_ hosts: [String]) throws -> String {
        String(decoding: try JSONEncoder().encode(hosts), as: UTF8.self)
    }

    /// The hosts `text` lists; nil when it is not a JSON list of strings.
    static func hosts(_ text: String) -> [String]? {
        try? JSONDecoder().decode([String].self, from: Data(text.utf8))
    }
}
