import Fleet
import Foundation
import MoltTestSupport
import Inventory
import Testing

extension LabFleetTests {
    @Suite("molt status on the lab fleet")
    struct StatusTests {
        init() async throws {
            try await RolloutFixture(try Lab.current()).reset()
        }

        @Test("every host reports its engine and the web service, running and healthy")
        func everyHostReported() async throws {
            let lab = try Lab.current()
            let report = await StatusAction(fleet: Fleet(hosts: lab.hosts, settings: lab.settings())).perform()
            #expect(report.hosts.map(\.name) == lab.hosts.map(\.name))
            for host in report.hosts {
                #expect(host.reachable, "\(host.name): \(host.error ?? "")")
                #expect(host.dockerVersion?.isEmpty == false)
                let web = try #require(host.containers.first { $0.name == "web" }, "\(host.name) has no web container")
                #expect(web.image.hasSuffix("molt-lab/web:1.0") || web.image.contains("/molt-lab/web:"))
                #expect(web.imageID.hasPrefix("sha256:"))
                #expect(web.state == "running")
                #expect(web.health == "healthy")
            }
            let withCache = report.hosts.filter { $0.containers.contains { $0.name == "cache" } }.map(\.name)
            #expect(withCache == ["lab1", "lab2"])
        }

        @Test("--container shows only that container")
        func containerFilter() async throws {
            let lab = try Lab.current()
            let report = await StatusAction(fleet: Fleet(hosts: lab.hosts, settings: lab.settings()), containerName: "cache").perform()
            #expect(report.hosts.flatMap(\.containers).map(\.name) == ["cache", "cache"])
        }

        @Test("molt status --output json prints the document of SPEC §5 and exits 0")
        func statusJSON() async throws {
            let lab = try Lab.current()
            let result = try await Shell.molt("status", "-i", lab.inventoryPath, "--output", "json")
            #expect(result.status == 0, "\(result.stderr)")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let hosts = try #require(document["hosts"] as? [[String: Any]])
            #expect(hosts.count == lab.hosts.count)
            for host in hosts {
                for key in ["name", "address", "reachable", "error", "docker_version", "containers"] {
                    #expect(host.keys.contains(key), "host object lacks \(key)")
                }
                let containers = try #require(host["containers"] as? [[String: Any]])
                for container in containers {
                    for key in ["name", "id", "image", "image_id", "state", "health", "labels"] {
                        #expect(container.keys.contains(key), "container object lacks \(key)")
                    }
                }
            }
        }

        @Test("molt status in text lists every host and container")
        func statusText() async throws {
            let lab = try Lab.current()
            let result = try await Shell.molt("status", "-i", lab.inventoryPath, "web")
            #expect(result.status == 0, "\(result.stderr)")
            let lines = result.stdout.split(separator: "\n")
            #expect(lines.first?.hasPrefix("HOST") == true)
            for host in lab.hosts {
                #expect(lines.contains { $0.hasPrefix(host.name + " ") }, "no line for \(host.name)")
            }
            #expect(lines.filter { $0.contains(" web ") && $0.contains("healthy") }.count == lab.hosts.count)
        }
    }
}
