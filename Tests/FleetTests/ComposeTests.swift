import DockerEngine
import Fleet
import Foundation
import MoltTestSupport
import Inventory
import Testing

extension LabFleetTests {
    /// A service that Debian's docker-compose (Compose v1, 1.29.2) made, replaced and rolled
    /// back by molt on a lab host (issue 8: "docker compose up -d afterwards changes nothing").
    @Suite("Compose-managed containers on the lab fleet")
    struct ComposeTests {
        static let tag = "\(RolloutFixture.registry)/compose-app:live"
        static let project = "moltcompose"
        static let container = "molt-compose-app"
        static let volume = "molt-compose-data"

        @Test("a service docker-compose made is rolled out and rolled back by molt, and `docker-compose up -d` afterwards changes nothing")
        func rolloutAndRollback() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            let docker = try fixture.docker("lab1")
            let socket = try lab.host("lab1").dockerSocket
            var environment = Shell.cleanEnvironment
            environment["DOCKER_HOST"] = "unix://" + socket
            environment["DOCKER_API_VERSION"] = "1.41"
            func run(_ arguments: [String]) async throws -> Shell.Result {
                let result = try await Shell.run(arguments, environment: environment)
                guard result.status == 0 else {
                    throw LabMissing(message: "`\(arguments.joined(separator: " "))` exited \(result.status): \(result.stderr)\(result.stdout)")
                }
                return result
            }

            // The project lives where the SSH user can read it: lab hosts share this machine's files.
            let directory = "/tmp/molt-compose-\(UInt32.random(in: 0..<UInt32.max))"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o755])
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let file = directory + "/docker-compose.yml"
            try """
                version: "3.7"
                services:
                  app:
                    image: \(Self.tag)
                    container_name: \(Self.container)
                    network_mode: host
                    environment:
                      PORT: "18471"
                    volumes:
                      - data:/data
                    restart: unless-stopped
                volumes:
                  data:
                    name: \(Self.volume)
                """.write(toFile: file, atomically: true, encoding: .utf8)
            try FileManager.default.setAttributes([.posixPermissions: 0o644], ofItemAtPath: file)
            let compose = ["/usr/bin/docker-compose", "--project-name", Self.project, "--project-directory", directory, "--file", file]

            // The tag names web 1.0 in the registry and on the host when Compose makes the service.
            _ = try await run(["/usr/bin/docker", "pull", RolloutFixture.web1])
            _ = try await run(["/usr/bin/docker", "pull", RolloutFixture.web2])
            let web1 = try #require(try await docker.inspectImage(RolloutFixture.web1)).id
            let web2 = try #require(try await docker.inspectImage(RolloutFixture.web2)).id
            _ = try await run(["/usr/bin/docker", "tag", RolloutFixture.web1, Self.tag])
            _ = try await run(["/usr/bin/docker", "push", Self.tag])
            func cleanUp() async {
                for container in (try? await docker.listContainers(all: true)) ?? [] where container.name.hasPrefix(Self.container + ".molt-") {
                    try? await docker.removeContainer(container.id, force: true)
                }
                _ = try? await Shell.run(compose + ["down", "--volumes"], environment: environment)
                _ = try? await Shell.run(["/usr/bin/docker", "rmi", Self.tag], environment: environment)
            }
            await cleanUp()
            do {
                _ = try await run(compose + ["up", "-d"])
                let made = try await docker.inspectContainer(Self.container)
                #expect(made.image == web1)
                #expect(made.labels["com.docker.compose.version"] == "1.29.2")

                // A new build is pushed under the same tag; the host still has the old one.
                _ = try await run(["/usr/bin/docker", "tag", RolloutFixture.web2, Self.tag])
                _ = try await run(["/usr/bin/docker", "push", Self.tag])
                _ = try await run(["/usr/bin/docker", "tag", RolloutFixture.web1, Self.tag])

                let playbook = try fixture.scratch.write("compose.yml", """
                    name: compose-app
                    hosts: lab1
                    container: \(Self.container)
                    image: \(Self.tag)
                    pull: always
                    health:
                      http: {port: 18471, path: /health}
                      interval: 500ms
                      timeout: 60s
                      stable: 1s
                    stop_timeout: 5s
                    retain: 1
                    """)
                let plan = try await fixture.molt("plan", playbook)
                #expect(plan.status == 0, "\(plan.stdout)\(plan.stderr)")

                let rollout = try await fixture.molt("rollout", playbook, "--yes", "-v")
                #expect(rollout.status == 0, "\(rollout.stdout)\(rollout.stderr)")
                let updated = try await docker.inspectContainer(Self.container)
                #expect(updated.image == web2)
                #expect(updated.id != made.id)
                #expect(updated.state.health?.status == "healthy")
                let copy = try await docker.inspectContainer(Self.container + ".molt-prev")
                #expect(copy.image == web1 && !copy.state.running)
                #expect(!copy.labels.keys.contains { $0.hasPrefix("com.docker.compose.") }, "\(copy.labels)")
                try await expectComposeKeeps(updated, compose: compose)

                let rollback = try await fixture.molt("rollback", playbook, "--yes", "-v")
                #expect(rollback.status == 0, "\(rollback.stdout)\(rollback.stderr)")
                let back = try await docker.inspectContainer(Self.container)
                #expect(back.image == web1)
                #expect(back.state.health?.status == "healthy")
                #expect(try await docker.inspectImage(Self.tag)?.id == web1, "the tag names the image the service runs again")
                try await expectComposeKeeps(back, compose: compose)
                #expect(try await docker.listVolumes().contains { $0.name == Self.volume })
            } catch {
                await cleanUp()
                throw error
            }
            await cleanUp()
            let left = try await docker.listContainers(all: true).map(\.name).filter { $0.hasPrefix(Self.container) }
            #expect(left.isEmpty, "\(left)")
            #expect(try await !docker.listVolumes().contains { $0.name == Self.volume })
        }

        /// `docker-compose up -d` leaves `container` as it is, and `ps` shows it as the service's
        /// one container.
        private func expectComposeKeeps(_ container: ContainerDetails, compose: [String]) async throws {
            let up = try await Shell.run(compose + ["up", "-d"], environment: try environment())
            #expect(up.status == 0, "\(up.stderr)")
            #expect(up.stderr.contains("\(Self.container) is up-to-date"), "\(up.stderr)")
            #expect(!up.stderr.contains("Recreating") && !up.stderr.contains("orphan"), "\(up.stderr)")
            let ids = try await Shell.run(compose + ["ps", "-q"], environment: try environment())
            #expect(ids.stdout.split(separator: "\n").map(String.init) == [container.id], "\(ids.stdout)")
            let ps = try await Shell.run(compose + ["ps"], environment: try environment())
            #expect(ps.stdout.contains(Self.container) && ps.stdout.contains("Up"), "\(ps.stdout)")
            #expect(!ps.stdout.contains(".molt-"), "\(ps.stdout)")
        }

        private func environment() throws -> [String: String] {
            var environment = Shell.cleanEnvironment
            environment["DOCKER_HOST"] = "unix://" + (try Lab.current().host("lab1").dockerSocket)
            environment["DOCKER_API_VERSION"] = "1.41"
            return environment
        }
    }
}
