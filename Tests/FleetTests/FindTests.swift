import DockerEngine
import Fleet
import Foundation
import MoltTestSupport
import Inventory
import SSH
import Testing

extension LabFleetTests {
    @Suite("molt find on the lab fleet")
    struct FindTests {
        @Test("a bound that cannot apply to a container's package format is reported, never silently passed over")
        func boundForOtherFormat() async throws {
            let lab = try Lab.current()
            let result = try await Shell.molt("find", "-i", lab.inventoryPath, "--package", "libssl3", "--below", "dpkg:3.0.15-1~deb12u1")
            #expect(result.status == 3)
            let complaints = result.stderr.split(separator: "\n").filter { $0.contains(": cache: ") }
            #expect(complaints.count == 2, "\(result.stderr)")
            #expect(complaints.allSatisfy { $0.contains("apk:VERSION") })
            #expect(result.stdout.split(separator: "\n").filter { $0.contains(" web ") }.count == lab.hosts.count)
        }

        func find(_ query: FindAction.Query) async throws -> FindReport {
            let lab = try Lab.current()
            return await FindAction(fleet: Fleet(hosts: lab.hosts, settings: lab.settings()), query: query).perform()
        }

        /// These tests know the lab's standard versions: web 1.0, cache 1.0.
        init() async throws {
            try await RolloutFixture(try Lab.current()).reset()
        }

        @Test("--package --below lists exactly the containers with an older package, by each format's ordering")
        func packageBelow() async throws {
            let lab = try Lab.current()
            // web:1.0 and db:1.0 have Debian libssl3 3.0.11-1~deb12u2; cache:1.0 has apk libssl3 3.1.4-r5.
            let debianOnly = try await find(.init(package: "libssl3", below: "dpkg:3.0.15-1~deb12u1"))
            #expect(debianOnly.errors.filter(\.isHostLevel).isEmpty)
            #expect(Set(debianOnly.matches.map { "\($0.host)/\($0.container)" }) == Set(lab.hosts.map { "\($0.name)/web" } + ["lab3/db", "lab4/db"]))
            #expect(debianOnly.matches.allSatisfy { $0.version == "3.0.11-1~deb12u2" && $0.package == "libssl3" })

            let both = try await find(.init(package: "libssl3", below: "dpkg:3.0.15-1~deb12u1,apk:3.1.7-r1"))
            #expect(Set(both.matches.map { "\($0.host)/\($0.container)" })
                    == Set(lab.hosts.map { "\($0.name)/web" } + ["lab1/cache", "lab2/cache", "lab3/db", "lab4/db"]))

            // Equal is not below; a lower bound finds nothing.
            let none = try await find(.init(package: "libssl3", below: "dpkg:3.0.11-1~deb12u2,apk:3.1.4-r5"))
            #expect(none.matches.isEmpty)
            #expect(none.errors.isEmpty)
        }

        @Test("--package without --below lists every container that has it, with its version")
        func packageAnyVersion() async throws {
            let report = try await find(.init(package: "libssl3"))
            let cache = report.matches.filter { $0.container == "cache" }
            #expect(cache.count == 2)
            #expect(cache.allSatisfy { $0.version == "3.1.4-r5" })
            #expect(try await find(.init(package: "no-such-package")).matches.isEmpty)
        }

        @Test("--image matches a glob over the image reference")
        func imageGlob() async throws {
            let lab = try Lab.current()
            let report = try await find(.init(imageGlob: "*/molt-lab/web:1.*"))
            #expect(Set(report.matches.map(\.host)) == Set(lab.hosts.map(\.name)))
            #expect(report.matches.allSatisfy { $0.container == "web" })
        }

        @Test("stopped containers are searched too; retained .molt-prev ones only with --all")
        func stoppedAndRetained() async throws {
            let lab = try Lab.current()
            let host = try lab.host("lab3")
            let session = try await SSHSession.connect(to: try lab.endpoint("lab3"))
            defer { session.shutdown() }
            let docker = DockerClient(connector: DockerTunnel(session: session, socketPath: host.dockerSocket))
            let web = try await docker.inspectContainer("web")
            let suffix = String(UInt32.random(in: 0..<UInt32.max), radix: 16)
            let stopped = "find-stopped-\(suffix)"
            let retained = "find-\(suffix).molt-prev"
            let body: JSONValue = ["Image": .string(web.image), "Cmd": ["true"]]
            _ = try await docker.createContainer(name: stopped, body: body)
            _ = try await docker.createContainer(name: retained, body: body)
            defer {
                Task { [docker] in
                    try? await docker.removeContainer(stopped, force: true)
                    try? await docker.removeContainer(retained, force: true)
                }
            }
            let live = try await find(.init(package: "libssl3", below: "3.0.12"))
            let onLab3 = Set(live.matches.filter { $0.host == "lab3" }.map(\.container))
            #expect(onLab3 == ["web", "db", stopped])
            #expect(live.matches.first { $0.container == stopped }?.state == "created")
            let everything = try await find(.init(package: "libssl3", below: "3.0.12", all: true))
            #expect(Set(everything.matches.filter { $0.host == "lab3" }.map(\.container)) == ["web", "db", stopped, retained])
            try await docker.removeContainer(stopped, force: true)
            try await docker.removeContainer(retained, force: true)
        }

        @Test("molt find --output json prints the matches document")
        func findJSON() async throws {
            let lab = try Lab.current()
            let result = try await Shell.molt("find", "-i", lab.inventoryPath, "--package", "libssl3",
                                        "--below", "dpkg:3.0.15-1~deb12u1", "--below", "apk:3.1.7-r1", "--output", "json")
            #expect(result.status == 0, "\(result.stderr)")
            let document = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
            let matches = try #require(document["matches"] as? [[String: Any]])
            #expect(matches.count == lab.hosts.count + 4)
            for match in matches {
                for key in ["host", "container", "image", "state", "package", "version"] {
                    #expect(match.keys.contains(key))
                }
            }
        }
    }
}
