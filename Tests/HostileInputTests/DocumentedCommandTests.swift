import ArgumentParser
import Foundation
@testable import Inventory
@testable import molt
import Testing

/// Every `molt` command line the README and the example inventories' headers show parses as
/// written: a renamed flag or command cannot leave the documentation behind. (The lab tests
/// run the walkthroughs themselves: TrialTests runs "An emergency, end to end" step by step.)
@Suite("The command lines the documentation shows")
struct DocumentedCommandTests {
    /// A command as written, where it is written.
    struct Documented: CustomTestStringConvertible, Sendable {
        var place: String
        var text: String
        var testDescription: String { "\(place): \(text)" }
    }

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The README's `$ molt …` lines (a trailing `\` joins the next line), and the `#   molt …`
    /// lines of the example inventories' headers.
    static let documented: [Documented] = {
        var found: [Documented] = []
        let readme = (try? String(contentsOf: repository.appendingPathComponent("README.md"), encoding: .utf8)) ?? ""
        let lines = readme.replacingOccurrences(of: "\\\n", with: " ").split(separator: "\n", omittingEmptySubsequences: false)
        for (number, line) in lines.enumerated() where line.hasPrefix("$ molt ") {
            found.append(Documented(place: "README.md:\(number + 1)", text: String(line.dropFirst(2))))
        }
        let inventories = repository.appendingPathComponent("inventory")
        for name in ((try? FileManager.default.contentsOfDirectory(atPath: inventories.path)) ?? []).sorted()
        where name.hasSuffix(".yml") || name.hasSuffix(".ini") {
            let text = (try? String(contentsOf: inventories.appendingPathComponent(name), encoding: .utf8)) ?? ""
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
                let words = line.drop { $0 == "#" || $0 == " " || $0 == ";" }
                if line.hasPrefix("#") || line.hasPrefix(";"), words.hasPrefix("molt ") {
                    found.append(Documented(place: "inventory/\(name):\(number + 1)", text: String(words)))
                }
            }
        }
        return found
    }()

    /// The words of a documented command, its placeholders filled in as a reader would.
    static func arguments(_ command: Documented) throws -> [String] {
        var words = try ShellWords.split(command.text)
        #expect(words.first == "molt", "\(command.place)")
        words.removeFirst()
        return words.map { word in
            switch word {
            case "RUN": "20261201T000000-0123456789abcdef"
            case "$MOLT_JOURNAL": "postgres://ops@db.internal/molt"
            default: word.hasPrefix("~/") ? "/home/ops" + word.dropFirst() : word
            }
        }
    }

    @Test("the README and the example inventories show molt commands (the search finds them)")
    func found() {
        #expect(Self.documented.count >= 20, "\(Self.documented)")
        #expect(Self.documented.contains { $0.place.hasPrefix("inventory/") })
        let commands = Set(Self.documented.compactMap { try? Self.arguments($0).first })
        for command in ["status", "plan", "rollout", "rollback", "trial", "promote", "journal", "find", "patch", "audit"] {
            #expect(commands.contains(command), "no documented molt \(command)")
        }
        // Parsing checks what each command takes: history reaches no host and takes no -i.
        #expect(throws: (any Error).self) { _ = try Molt.parseAsRoot(["history", "-i", "inventory/lab.yml"]) }
        #expect(throws: (any Error).self) { _ = try Molt.parseAsRoot(["rollback", "playbooks/lab-web.yml", "--image", "web:1.0"]) }
    }

    @Test("each documented command line parses as written", arguments: documented)
    func parses(_ command: Documented) throws {
        let arguments = try Self.arguments(command)
        #expect(throws: Never.self, "\(command.place): molt \(arguments.joined(separator: " "))") {
            _ = try Molt.parseAsRoot(arguments)
        }
    }
}
