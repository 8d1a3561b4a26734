import Foundation
@testable import Journal

/// A journal in a directory of its own under the system's temporary directory, removed by
/// `remove()`: every test writes its own file.
struct TemporaryJournal {
    let directory: URL
    let path: String

    init() {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("molt-journal-tests-\(UUID().uuidString)")
        path = directory.appendingPathComponent("state/molt/journal.sqlite").path
    }

    func open(coordinator: String = ProcessInfo.processInfo.hostName) async throws -> Journal {
        try await Journal.open(path: path, coordinator: coordinator)
    }

    func remove() {
        try? FileManager.default.removeItem(at: directory)
    }
}

/// A fixed instant with whole milliseconds, which the journal keeps exactly.
func instant(_ seconds: Double) -> Date {
    Date(timeIntervalSince1970: 1_795_953_781 + seconds)  // 2026-11-29T12:03:01Z + seconds
}

func runStart(
    id: String, playbook: String = "web", hosts: [String] = ["h1", "h2"],
    coordinator: String = ProcessInfo.processInfo.hostName,
    pid: Int32 = ProcessInfo.processInfo.processIdentifier, started: Date = instant(0)
) -> RunStart {
    RunStart(
        id: id, command: "rollout", playbookName: playbook, playbookPath: "playbooks/\(playbook).yml",
        user: "ops", coordinator: coordinator, pid: pid, started: started, hosts: hosts,
        details: #"{"image":"nginx:1.27"}"#)
}

func outcome(
    run: String, host: String, outcome: String, from: String? = "nginx:1.26", to: String? = "nginx:1.27",
    error: String? = nil, at: Date = instant(10)
) -> HostOutcomeRecord {
    HostOutcomeRecord(
        run: run, host: host, service: "web", container: "web", from: from, to: to, outcome: outcome,
        seconds: 4.5, error: error, previousContainer: outcome == "updated" ? "web.molt-prev" : nil, at: at)
}

/// The PID of a process that has exited and been reaped: no process has it now.
func deadPID() throws -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: "/bin/true")
    try process.run()
    process.waitUntilExit()
    return process.processIdentifier
}
