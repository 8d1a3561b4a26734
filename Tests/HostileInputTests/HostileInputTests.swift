import Foundation
import MoltTestSupport
import GRDB
import Journal
import Testing

/// Files given to `molt`, the command line, and how stderr must begin.
struct HostileInput: Sendable, CustomTestStringConvertible {
    let testDescription: String
    let files: [String: String]
    let arguments: [String]
    let message: String

    init(_ description: String, files: [String: String], _ arguments: [String], _ message: String) {
        self.testDescription = description
        self.files = files
        self.arguments = arguments
        self.message = message
    }
}

/// A valid inventory whose one host is never reached: every case fails before any host is.
private let inventory = "all:\n  hosts:\n    web1: {ansible_host: 127.0.0.1, ansible_port: 1}\n"

/// Four valid playbook lines followed by `rest`, which starts at line 5.
private func playbook(_ rest: String) -> String {
    "name: web\nhosts: all\ncontainer: web\nimage: web:2.0\n" + rest
}

/// `levels` lines of nine aliases each to the line before (9^9 strings once expanded at nine
/// levels), one anchor per line, named a, b, c...
private func aliasBomb(levels: Int = 9, indent: String = "") -> String {
    var text = indent + "a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
    for (name, previous) in zip("bcdefghi", "abcdefgh").prefix(levels - 1) {
        text += indent + "\(name): &\(name) [" + Array(repeating: "*\(previous)", count: 9).joined(separator: ",") + "]\n"
    }
    return text
}

/// The promise of issue 7 for bad input, proved on the built executable: exit status 2, a
/// message that names the file (and the line where there is one) and says what to do, in under
/// a second and within a 1 GiB address space, before any host is contacted.
@Suite("Hostile input to the molt command", .serialized)
struct HostileInputTests {
    static let files: [HostileInput] = [
        .init("an alias bomb in the inventory", files: ["bomb.yml": "all:\n  vars:\n" + aliasBomb(indent: "    ")],
            ["status", "-i", "bomb.yml"],
            "molt: bomb.yml:9: YAML aliases expand this document past 1,000,000 nodes, the most molt reads"),
        .init("an alias to a large list used as a mapping key in the inventory",
            files: ["keys.yml": aliasBomb(levels: 6) + "? *f\n: x\n"], ["status", "-i", "keys.yml"],
            "molt: keys.yml:7: a mapping key here is an alias to a list or mapping ('*f'); keys must be plain text such as a name"),
        .init("an alias bomb in the playbook", files: ["hosts.yml": inventory, "web.yml": playbook(aliasBomb())],
            ["plan", "web.yml", "-i", "hosts.yml"],
            "molt: web.yml:10: YAML aliases expand this document past 100,000 nodes, the most molt reads"),
        .init("an inventory nested thousands deep",
            files: ["deep.yml": "all:\n  vars:\n    deep: " + String(repeating: "[", count: 100_000) + String(repeating: "]", count: 100_000) + "\n"],
            ["status", "-i", "deep.yml"], "molt: deep.yml:3: lists and mappings are nested more than 100 deep here"),
        .init("a host range of 99,999,999 hosts in YAML", files: ["range.yml": "all:\n  hosts:\n    web[1:99999999]:\n"],
            ["status", "-i", "range.yml"],
            "molt: range.yml:3: host range \"web[1:99999999]\" stands for 99999999 hosts, more than the 100000 molt reads from one entry"),
        .init("a host range of 99,999,999 hosts in INI", files: ["hosts.ini": "[web]\nweb[1:99999999] ansible_port=1\n"],
            ["status", "web", "-i", "hosts.ini"],
            "molt: hosts.ini:2: host range \"web[1:99999999]\" stands for 99999999 hosts"),
        .init("a playbook's inventory with a host range of 99,999,999 hosts",
            files: ["range.yml": "all:\n  hosts:\n    web[1:99999999]:\n", "web.yml": playbook("")],
            ["plan", "web.yml", "-i", "range.yml"], "molt: range.yml:3: host range \"web[1:99999999]\""),
        .init("stop_timeout: 1.0e+300", files: ["hosts.yml": inventory, "web.yml": playbook("stop_timeout: 1.0e+300\n")],
            ["plan", "web.yml", "-i", "hosts.yml"],
            "molt: web.yml:5: 'stop_timeout' must be at most 24h, the longest molt waits for anything, found 1.0e+300"),
        .init("health.timeout: 1.0e+30", files: ["hosts.yml": inventory, "web.yml": playbook("health:\n  timeout: 1.0e+30\n")],
            ["plan", "web.yml", "-i", "hosts.yml"], "molt: web.yml:6: 'timeout' must be at most 24h"),
        .init("batches: [1, 9223372036854775807]",
            files: ["hosts.yml": inventory, "web.yml": playbook("batches: [1, 9223372036854775807]\n")],
            ["plan", "web.yml", "-i", "hosts.yml"],
            "molt: web.yml:5: a batch may have at most 1000000 hosts, found 9223372036854775807"),
        .init("pause: 9223372036854775807", files: ["hosts.yml": inventory, "web.yml": playbook("pause: 9223372036854775807\n")],
            ["plan", "web.yml", "-i", "hosts.yml"], "molt: web.yml:5: 'pause' must be at most 24h"),
        .init("a rollout with a hostile playbook stops before asking or locking",
            files: ["hosts.yml": inventory, "web.yml": playbook("batches: [1, 9223372036854775807]\n")],
            ["rollout", "web.yml", "-i", "hosts.yml", "--yes"], "molt: web.yml:5: a batch may have at most 1000000 hosts"),
        .init("a megabyte-long unknown key in the playbook",
            files: ["hosts.yml": inventory, "web.yml": playbook("? " + String(repeating: "x", count: 1_000_000) + "\n: 1\n")],
            ["plan", "web.yml", "-i", "hosts.yml"],
            "molt: web.yml:5: unknown key '" + String(repeating: "x", count: 80) + "…' at the top level of the playbook. Allowed keys:"),
        .init("a playbook host pattern of 10,001 terms",
            files: ["hosts.yml": inventory,
                    "web.yml": "name: web\nhosts: " + Array(repeating: "web1", count: 10_001).joined(separator: ":") + "\ncontainer: web\nimage: web:2.0\n"],
            ["plan", "web.yml", "-i", "hosts.yml"], "molt: web.yml:2: host pattern 'web1:web1:"),
        .init("an endless inventory file", files: [:], ["status", "-i", "/dev/zero"],
            "molt: /dev/zero: the file is larger than 16 MiB, the most molt reads from one inventory file"),
        .init("an endless playbook file", files: ["hosts.yml": inventory], ["plan", "/dev/zero", "-i", "hosts.yml"],
            "molt: /dev/zero: the file is larger than 1 MiB, the most molt reads as a playbook"),
    ]

    @Test("molt --help and the README say what every exit code means in the same sentence")
    func exitCodesOneSentence() async throws {
        let scratch = try Scratch()
        let help = try await Program.molt(["--help"], in: scratch.path)
        #expect(help.status == 0, "\(help.stderr)")
        func words(_ text: String) -> String { text.split(whereSeparator: \.isWhitespace).joined(separator: " ") }
        let text = words(help.stdout)
        let start = try #require(text.range(of: "Exit codes: "), "\(help.stdout)")
        let end = try #require(text.range(of: "129 SIGHUP).", range: start.upperBound..<text.endIndex), "\(help.stdout)")
        let sentence = String(text[start.lowerBound..<end.upperBound])
        #expect(sentence.contains("3 done, but not everywhere"))
        let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let readme = try String(contentsOf: repository.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(words(readme).contains(sentence), "the README says otherwise than: \(sentence)")
    }

    @Test("a hostile inventory or playbook is exit 2 naming file and line, in under a second within 1 GiB", arguments: files)
    func hostileFile(_ input: HostileInput) async throws {
        let scratch = try Scratch()
        for (name, text) in input.files { try scratch.write(name, text) }
        try await expectRefused(input.arguments, in: scratch.path, saying: input.message)
    }

    @Test("a journal with a damaged row is exit 2 for molt history, naming the journal, the row and the column")
    func damagedJournal() async throws {
        let scratch = try Scratch()
        let path = scratch.path + "/journal.sqlite"
        let journal = try await Journal.open(path: path)
        let id = Journal.newRunID(now: Date())
        try await journal.startRun(
            RunStart(
                id: id, command: "rollout", playbookName: "web", playbookPath: "web.yml", user: "ops", coordinator: "here",
                pid: 1, started: Date(), hosts: ["web1"]))
        try await DatabaseQueue(path: path).write { db in try db.execute(sql: "UPDATE runs SET pid = 'abc'") }
        try await expectRefused(
            ["history", "--journal", path], in: scratch.path,
            saying: "molt: journal \(path): row 1 of table runs is damaged: its pid should be an integer, found the text 'abc'")
        try await expectRefused(
            ["history", String(id.prefix(20)), "--journal", path], in: scratch.path,
            saying: "molt: journal \(path): row 1 of table runs is damaged")
    }

    @Test("a journal that is not molt's is exit 2 for molt history, naming the journal, and is left as it was")
    func foreignJournal() async throws {
        let scratch = try Scratch()
        let database = scratch.path + "/app.sqlite"
        try await DatabaseQueue(path: database).write { db in try db.execute(sql: "CREATE TABLE accounts (name TEXT)") }
        try await expectRefused(
            ["history", "--journal", database], in: scratch.path,
            saying: "molt: journal \(database): this is an SQLite database, but not a molt journal (it holds the tables accounts)")

        let random = try scratch.write("random.bin", String(repeating: "not a database, ", count: 4096))
        try await expectRefused(
            ["history", "--journal", random], in: scratch.path,
            saying: "molt: journal \(random): cannot open it as an SQLite journal: ")
        #expect(try String(contentsOfFile: random, encoding: .utf8) == String(repeating: "not a database, ", count: 4096))

        try await expectRefused(
            ["history", "--journal", "/dev/null"], in: scratch.path,
            saying: "molt: journal /dev/null: is not a regular file, so it cannot be the journal")
    }

    @Test("under the same limits, valid input still works: an empty journal's history is exit 0")
    func validInputUnderTheLimits() async throws {
        let scratch = try Scratch()
        let result = try await Program.molt(["history"], in: scratch.path)
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stdout == "no runs in the journal yet\n")
        #expect(result.seconds < 30, "a hang")
    }

    /// Runs molt and checks the promise. "Under a second" is of CPU time, which the kernel holds
    /// molt to (`prlimit --cpu=1`: past it molt is killed and the status is not 2); the wall
    /// clock, which on a busy machine also counts waiting for a core, only guards against a hang.
    @Test("a PostgreSQL journal that cannot be reached is exit 2 naming the server, never the password, from --journal or MOLT_JOURNAL")
    func unreachableServer() async throws {
        let scratch = try Scratch()
        let url = "postgres://ops:hunter2-secret@127.0.0.1:9/molt?sslmode=disable"
        for (arguments, environment) in [(["history", "--journal", url], [:]), (["history"], ["MOLT_JOURNAL": url])] {
            let result = try await expectRefused(
                arguments, in: scratch.path, adding: environment, saying: "molt: journal ops@127.0.0.1:9/molt: cannot connect: ")
            #expect(!(result.stdout + result.stderr).contains("hunter2"), "\(result.stderr)")
        }
        let bad = try await expectRefused(
            ["history", "--journal", "postgres://ops:hunter2-secret@127.0.0.1/molt?sslmode=maybe"], in: scratch.path,
            saying: "molt: journal postgres://ops:***@127.0.0.1/molt?sslmode=maybe: sslmode maybe is not one of")
        #expect(!bad.stderr.contains("hunter2"))
    }

    @Test("a wrong PostgreSQL password is exit 2 naming the server, and the password is in no output",
          .enabled(if: !(ProcessInfo.processInfo.environment["MOLT_TEST_POSTGRES"] ?? "").isEmpty, "needs MOLT_TEST_POSTGRES"))
    func wrongPassword() async throws {
        let scratch = try Scratch()
        var components = try #require(URLComponents(string: ProcessInfo.processInfo.environment["MOLT_TEST_POSTGRES"] ?? ""))
        components.password = "wrong-password-0451"
        let url = try #require(components.string)
        let server = "\(components.user ?? "")@\(components.host ?? ""):\(components.port ?? 5432)\(components.path)"
        for command in [["history"], ["status", "-i", "missing.yml"]] {
            let result = try await Program.molt(command + ["--journal", url], in: scratch.path)
            #expect(!(result.stdout + result.stderr).contains("wrong-password-0451"), "\(result.stderr)")
            if command == ["history"] {
                #expect(result.status == 2, "\(result.stderr)")
                #expect(result.stderr.hasPrefix("molt: journal \(server): cannot connect: password authentication failed"), "\(result.stderr)")
            }
        }
    }

    @Test("molt journal copy refuses a missing FROM, FROM == TO and an unreachable TO: exit 2 naming the journal, never a password")
    func journalCopyRefused() async throws {
        let scratch = try Scratch()
        let from = scratch.path + "/from.sqlite"
        try await Self.journalWithOneRun(at: from)
        try await expectRefused(
            ["journal", "copy", scratch.path + "/none.sqlite", scratch.path + "/to.sqlite"], in: scratch.path,
            saying: "molt: journal \(scratch.path)/none.sqlite: there is no such file; name the SQLite file of an existing journal")
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/none.sqlite"))
        #expect(!FileManager.default.fileExists(atPath: scratch.path + "/to.sqlite"))
        try await expectRefused(
            ["journal", "copy", from, "./from.sqlite"], in: scratch.path,
            saying: "molt: journal \(from): FROM and TO are the same journal")
        let result = try await expectRefused(
            ["journal", "copy", from, "postgres://ops:hunter2-secret@127.0.0.1:9/molt?sslmode=disable"], in: scratch.path,
            saying: "molt: journal ops@127.0.0.1:9/molt: cannot connect: ")
        #expect(!(result.stdout + result.stderr).contains("hunter2"), "\(result.stderr)")
    }

    @Test("molt journal copy with a wrong password in TO is exit 2 naming the server, and the password is in no output",
          .enabled(if: !(ProcessInfo.processInfo.environment["MOLT_TEST_POSTGRES"] ?? "").isEmpty, "needs MOLT_TEST_POSTGRES"))
    func journalCopyWrongPassword() async throws {
        let scratch = try Scratch()
        let from = scratch.path + "/from.sqlite"
        try await Self.journalWithOneRun(at: from)
        var components = try #require(URLComponents(string: ProcessInfo.processInfo.environment["MOLT_TEST_POSTGRES"] ?? ""))
        components.password = "wrong-password-0452"
        let url = try #require(components.string)
        let server = "\(components.user ?? "")@\(components.host ?? ""):\(components.port ?? 5432)\(components.path)"
        for arguments in [["journal", "copy", from, url], ["journal", "copy", url, from]] {
            let result = try await expectRefused(
                arguments, in: scratch.path, saying: "molt: journal \(server): cannot connect: password authentication failed")
            #expect(!(result.stdout + result.stderr).contains("wrong-password-0452"), "\(result.stderr)")
        }
    }

    /// An SQLite journal holding one finished run.
    private static func journalWithOneRun(at path: String) async throws {
        let journal = try await Journal.open(path: path)
        let id = Journal.newRunID(now: Date())
        try await journal.startRun(
            RunStart(
                id: id, command: "rollout", playbookName: "web", playbookPath: "web.yml", user: "ops", coordinator: "here",
                pid: 1, started: Date(), hosts: ["web1"]))
        try await journal.finishRun(id: id, result: .succeeded, finished: Date())
    }

    @discardableResult
    private func expectRefused(_ arguments: [String], in directory: String, adding environment: [String: String] = [:],
                               saying message: String) async throws -> Program.Result {
        let result = try await Program.molt(arguments, in: directory, adding: environment)
        #expect(result.status == 2, "\(result.stderr)")
        #expect(result.stderr.hasPrefix(message), "\(result.stderr)")
        #expect(result.stderr.split(separator: "\n").count == 1, "\(result.stderr)")
        #expect(result.stdout.isEmpty, "\(result.stdout)")
        let seconds = result.seconds
        #expect(seconds < 30, "molt \(arguments.joined(separator: " ")) took \(seconds) s")
        return result
    }
}
