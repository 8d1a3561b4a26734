import Fleet
import Foundation
import MoltTestSupport
import Inventory
import Testing

extension LabFleetTests {
    @Suite("Hosts that cannot be reached are named with the cause; the others are still reported")
    struct FaultTests {
        @Test("an unknown host key and a wrong key file fail only their own hosts")
        func clientSideFaults() async throws {
            let lab = try Lab.current()
            let scratch = try TemporaryDirectory()
            let lab2 = try lab.host("lab2")
            let known = try String(contentsOfFile: lab.knownHosts, encoding: .utf8)
                .split(separator: "\n").filter { !$0.hasPrefix(lab2.address + " ") }.joined(separator: "\n") + "\n"
            let withoutLab2 = try scratch.write("known_hosts", known)
            let stranger = scratch.path + "/stranger"
            #expect(try await Shell.run(["/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", stranger]).status == 0)

            let hosts = lab.hosts.map { host in
                var host = host
                host.knownHostsFile = withoutLab2
                if host.name == "lab3" { host.identityFile = stranger }
                return host
            }
            let report = await StatusAction(fleet: Fleet(hosts: hosts, settings: lab.settings())).perform()
            let byName = Dictionary(uniqueKeysWithValues: report.hosts.map { ($0.name, $0) })
            #expect(byName["lab1"]?.reachable == true)
            #expect(byName["lab4"]?.reachable == true)
            #expect(byName["lab1"]?.containers.contains { $0.name == "web" } == true)
            let unknown = try #require(byName["lab2"]?.error)
            #expect(unknown.contains("not in") || unknown.contains("unknown"), "\(unknown)")
            #expect(unknown.contains("SHA256:"))
            #expect(!unknown.contains("\n"))
            let refused = try #require(byName["lab3"]?.error)
            #expect(refused.contains(stranger) || refused.lowercased().contains("auth"), "\(refused)")
            #expect(!refused.contains("\n"))
        }

        @Test("an unplugged host and a stopped dockerd: exit 3, one line per failed host, the rest listed")
        func unreachableHostAndStoppedDocker() async throws {
            let lab = try Lab.current()
            try await lab.script("unplug", "lab4")
            try await lab.script("stop-docker", "lab2")
            let result: Shell.Result
            do {
                result = try await Shell.molt("status", "-i", lab.inventoryPath, "--output", "json")
            } catch {
                try? await lab.script("plug", "lab4")
                try? await lab.script("start-docker", "lab2")
                throw error
            }
            try await lab.script("plug", "lab4")
            try await lab.script("start-docker", "lab2")

            #expect(result.status == 3)
            let errors = result.stderr.split(separator: "\n")
            let lab4 = errors.filter { $0.contains("lab4: ") }
            let lab2 = errors.filter { $0.contains("lab2: ") }
            #expect(lab4.count == 1, "\(result.stderr)")
            #expect(lab2.count == 1, "\(result.stderr)")
            #expect(lab4.first.map { $0.contains("unreachable") || $0.contains("no answer") || $0.contains("timed out") } == true, "\(lab4)")
            #expect(lab2.first?.contains("Docker") == true, "\(lab2)")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let hosts = try #require(document["hosts"] as? [[String: Any]])
            let reachable = hosts.filter { $0["reachable"] as? Bool == true }.compactMap { $0["name"] as? String }
            #expect(reachable == ["lab1", "lab3"])

            try await waitUntilHealthy(lab, host: "lab2")
        }

        @Test("no host reachable: exit 5")
        func noHostReachable() async throws {
            let lab = try Lab.current()
            let scratch = try TemporaryDirectory()
            let empty = try scratch.write("known_hosts", "")
            let result = try await Shell.molt("status", "-i", lab.inventoryPath, "--known-hosts", empty)
            #expect(result.status == 5, "\(result.stderr)")
            #expect(result.stderr.split(separator: "\n").count == lab.hosts.count)
        }

        /// After its dockerd restarts, the host's web container needs a moment to be healthy again.
        private func waitUntilHealthy(_ lab: Lab, host name: String) async throws {
            let host = try lab.host(name)
            let deadline = ContinuousClock.now + .seconds(90)
            while ContinuousClock.now < deadline {
                let report = await StatusAction(fleet: Fleet(hosts: [host], settings: lab.settings()), containerName: "web").perform()
                if report.hosts.first?.containers.first?.health == "healthy" { return }
                try await Task.sleep(for: .milliseconds(500))
            }
            throw LabMissing(message: "\(name)'s web did not become healthy again after dockerd restarted")
        }
    }
}
