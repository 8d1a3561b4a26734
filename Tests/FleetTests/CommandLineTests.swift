import Foundation
import Testing

/// The `molt` executable's handling of bad input: a clear message, exit 2, nothing contacted.
@Suite("molt on bad input")
struct CommandLineTests {
    @Test("an inventory with a bad host range names file and line and exits 2")
    func badInventory() async throws {
        let scratch = try TemporaryDirectory()
        let inventory = try scratch.write("hosts.ini", "[web]\nweb01\nweb[05:01]\n")
        let result = try await Shell.molt("status", "-i", inventory)
        #expect(result.status == 2)
        #expect(result.stderr.contains("\(inventory):3:"), "\(result.stderr)")
    }

    @Test("an unknown flag exits 2")
    func unknownFlag() async throws {
        let result = try await Shell.molt("status", "--no-such-flag")
        #expect(result.status == 2)
        #expect(result.stderr.contains("no-such-flag"))
    }

    @Test("a pattern that matches no host exits 2 and says so")
    func patternMatchesNothing() async throws {
        let scratch = try TemporaryDirectory()
        let inventory = try scratch.write("hosts.yml", "all:\n  hosts:\n    web1:\n")
        let result = try await Shell.molt("status", "-i", inventory, "db*")
        #expect(result.status == 2)
        #expect(result.stderr.contains("matches no host"))
    }

    @Test("no inventory at all exits 2")
    func noInventory() async throws {
        let result = try await Shell.molt("status")
        #expect(result.status == 2)
        #expect(result.stderr.contains("-i"))
    }

    @Test("find refuses a --below that is no version, and --below without --package")
    func findValidation() async throws {
        let scratch = try TemporaryDirectory()
        let inventory = try scratch.write("hosts.yml", "all:\n  hosts:\n    web1:\n")
        let bad = try await Shell.molt("find", "-i", inventory, "--package", "libssl3", "--below", "dpkg:!!")
        #expect(bad.status == 2)
        #expect(bad.stderr.contains("dpkg:!!"))
        let orphan = try await Shell.molt("find", "-i", inventory, "--below", "1.0")
        #expect(orphan.status == 2)
    }
}
