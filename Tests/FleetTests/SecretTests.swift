import DockerEngine
import Fleet
import Foundation
import MoltTestSupport
import Inventory
import Testing

extension LabFleetTests {
    /// Secrets from the fixtures never appear in what molt prints or records.
    @Suite("Secrets on the lab fleet")
    struct SecretTests {
        static let token = "molt-fixture-token-7d1c0f55e2"
        static let registryPassword = "molt-fixture-registry-pw-93ab"

        @Test("a container's secret environment, printed in its logs and probe output, and registry credentials: never in text or JSON output nor in the journal")
        func secretsNeverShown() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            let docker = try fixture.docker("lab1")
            let name = "sec-\(UInt32.random(in: 0..<UInt32.max))"
            let id = try await docker.createContainer(name: name, body: [
                "Image": .string(RolloutFixture.web1),
                "Env": [.string("API_TOKEN=\(Self.token)"), "PORT=18099"],
                "Cmd": ["sh", "-c", "echo starting with token $API_TOKEN; printf '\\033]0;owned\\007\\033[2J\\n'; exec /app/start"],
                "HostConfig": ["NetworkMode": "none"],
            ])
            _ = try await docker.startContainer(id)
            let playbook = try fixture.scratch.write("sec.yml", """
                name: \(name)
                hosts: lab1
                container: \(name)
                image: \(RolloutFixture.web2)
                health:
                  docker: false
                  # Fails on 2.0 only, so the rollback finds 1.0 healthy again.
                  exec: ["sh", "-c", "if grep -q 2.0 /app/release; then echo probe sees $API_TOKEN; exit 1; fi"]
                  interval: 200ms
                  timeout: 3s
                  stable: 0s
                """)
            var environment = Shell.cleanEnvironment
            environment["MOLT_REGISTRY_AUTH"] = #"{"username":"molt","password":"\#(Self.registryPassword)","serveraddress":"10.247.213.2:5000"}"#
            let arguments = [Shell.molt, "rollout", playbook, "--yes", "-i", lab.inventoryPath, "--journal", fixture.journal]
            let text = try await Shell.run(arguments + ["-v"], environment: environment)
            let json = try await Shell.run(arguments + ["--output", "json"], environment: environment)
            let history = try await Shell.run([Shell.molt, "history", "--journal", fixture.journal, "--output", "json"], environment: environment)
            for container in try await docker.listContainers(all: true) where container.name.hasPrefix(name) {
                try await docker.removeContainer(container.id, force: true)
            }

            #expect(text.status == 1, "\(text.stdout)\(text.stderr)")
            #expect(text.stdout.contains("starting with token [secret]"), "the log line is shown, masked: \(text.stdout)")
            #expect(text.stdout.contains("probe sees [secret]"), "\(text.stdout)")
            #expect(text.stdout.contains("^[]0;owned"), "terminal escapes are printed, not obeyed: \(text.stdout)")
            var journal = Data()
            for suffix in ["", "-wal"] {
                journal += FileManager.default.contents(atPath: fixture.journal + suffix) ?? Data()
            }
            let everything = [text.stdout, text.stderr, json.stdout, json.stderr, history.stdout, history.stderr,
                              String(decoding: journal, as: UTF8.self)]
            for secret in [Self.token, Self.registryPassword] {
                #expect(!everything.contains { $0.contains(secret) }, "\(secret) leaked")
            }
            #expect(!text.stdout.contains("\u{1B}]0;"), "no raw escape reaches the terminal")
            let mode = try FileManager.default.attributesOfItem(atPath: fixture.journal)[.posixPermissions] as? Int
            #expect(mode == 0o600)
        }
    }
}
