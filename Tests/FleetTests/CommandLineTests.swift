import Foundation
import MoltTestSupport
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

    @Test("a directory given as --known-hosts exits 2 naming it, before any host is contacted")
    func knownHostsDirectory() async throws {
        let scratch = try TemporaryDirectory()
        // Port 1 on the loopback refuses at once: had molt tried the host, it would say so.
        let inventory = try scratch.write("hosts.ini", "[web]\nweb1 ansible_host=127.0.0.1 ansible_port=1\n")
        let result = try await Shell.molt("status", "-i", inventory, "--known-hosts", scratch.path)
        #expect(result.status == 2)
        #expect(result.stderr.contains("cannot read known_hosts \(scratch.path): is a directory"), "\(result.stderr)")
        #expect(!result.stderr.contains("refused"), "\(result.stderr)")
    }

    @Test("known_hosts lines molt skips are named once each, file and line, as warnings")
    func knownHostsNotes() async throws {
        let scratch = try TemporaryDirectory()
        let inventory = try scratch.write("hosts.ini", "[web]\nweb1 ansible_host=127.0.0.1 ansible_port=1\nweb2 ansible_host=127.0.0.1 ansible_port=1\n")
        let knownHosts = try scratch.write("known_hosts", "# fleet\nweb1 ssh-ed25519\n")
        let result = try await Shell.molt("status", "-i", inventory, "--known-hosts", knownHosts)
        let warning = "molt: warning: \(knownHosts):2: skipped: expected HOSTS KEYTYPE KEY"
        #expect(result.stderr.components(separatedBy: warning).count == 2, "\(result.stderr)")
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
