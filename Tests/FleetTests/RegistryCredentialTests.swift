import DockerEngine
import Foundation
import MoltTestSupport
import Testing

extension LabFleetTests {
    /// Registry credentials on the lab: the registry with a login (MOLT_LAB_AUTH_REGISTRY) is
    /// reached through a real credential helper, and no credential goes to any other registry.
    @Suite("Registry credentials on the lab fleet")
    struct RegistryCredentialTests {
        /// A Docker configuration directory whose `config.json` the test writes, and a PATH
        /// directory with `docker-credential-molttest`: it logs the server address it is asked
        /// for, answers the lab's login for the registry with a login, and "not found" for
        /// every other registry; `docker-credential-moltbroken` always fails.
        final class Login: Sendable {
            let scratch: TemporaryDirectory
            let password: String
            var configDirectory: String { scratch.path + "/docker" }
            var configPath: String { configDirectory + "/config.json" }
            var log: String { scratch.path + "/helper.log" }

            init(_ lab: Lab) throws {
                scratch = try TemporaryDirectory(prefix: "molt-login-")
                password = try lab.authRegistryPassword()
                try FileManager.default.createDirectory(atPath: scratch.path + "/bin", withIntermediateDirectories: true)
                try FileManager.default.createDirectory(atPath: configDirectory, withIntermediateDirectories: true)
                try helper("molttest", """
                    server=$(cat)
                    printf '%s\\n' "$server" >>'\(log)'
                    if [ "$server" = '\(lab.authRegistry)' ]; then
                        printf '{"ServerURL":"%s","Username":"\(lab.authRegistryUser)","Secret":"\(password)"}\\n' "$server"
                    else
                        echo "credentials not found in native keychain"; exit 1
                    fi
                    """)
                try helper("moltbroken", "cat >/dev/null; echo 'keychain is locked'; exit 1")
            }

            private func helper(_ name: String, _ body: String) throws {
                try scratch.writeExecutable("bin/docker-credential-\(name)", "#!/bin/sh\n\(body)\n")
            }

            func config(_ text: String) throws {
                try Data(text.utf8).write(to: URL(fileURLWithPath: configPath))
            }

            /// molt's environment: this configuration, these helpers first on PATH.
            func environment(_ extra: [String: String] = [:]) -> [String: String] {
                var environment = Shell.cleanEnvironment
                environment["DOCKER_CONFIG"] = configDirectory
                environment["PATH"] = scratch.path + "/bin:" + (environment["PATH"] ?? "/usr/bin:/bin")
                environment["MOLT_REGISTRY_AUTH"] = nil
                return environment.merging(extra) { $1 }
            }

            /// The server addresses the helper was asked for, in order.
            var asked: [String] {
                (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
            }
        }

        /// A playbook replacing lab1's web with `image`.
        static func playbook(_ fixture: RolloutFixture, image: String) throws -> String {
            try fixture.scratch.write("web-\(UUID().uuidString.prefix(8)).yml", """
                name: web
                hosts: lab1
                container: web
                image: \(image)
                health:
                  http: {port: 8080, path: /health}
                  interval: 500ms
                  timeout: 60s
                  stable: 1s
                stop_timeout: 5s
                retain: 1
                """)
        }

        static func rollout(_ fixture: RolloutFixture, _ playbook: String, environment: [String: String]) async throws -> Shell.Result {
            try await Shell.run([Shell.molt, "rollout", playbook, "--yes", "-v", "-i", fixture.lab.inventoryPath, "--journal", fixture.journal],
                                environment: environment)
        }

        @Test("an image on the registry with a login is pulled with the credential helper's answer, asked once, for that registry only")
        func pullThroughHelper() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            let login = try Login(lab)
            let image = "\(lab.authRegistry)/molt-lab/web:2.0"
            let docker = try fixture.docker("lab1")
            _ = try? await docker.removeImage(image, force: true)
            // The registry really wants the login: anonymously, the engine is refused.
            await #expect(throws: DockerError.self) { try await docker.pullImage(image) }
            let logged = try lab.authRegistryAuthorizedRequests()

            try login.config(#"{"credHelpers": {"\#(lab.authRegistry)": "molttest"}, "auths": {"\#(lab.registry)": {}}}"#)
            let result = try await Self.rollout(fixture, try Self.playbook(fixture, image: image), environment: login.environment())
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(try await docker.inspectContainer("web").configImage == image)
            #expect(login.asked == [lab.authRegistry], "one helper run, for the registry with a login only")
            #expect(try lab.authRegistryAuthorizedRequests() > logged, "the registry answered requests made with the login")
            #expect(!(result.stdout + result.stderr).contains(login.password))
            try await fixture.reset()
        }

        @Test("no credential goes to a registry other than its own: a stand-in registry on the lab records no Authorization, and the anonymous registry's pull asks the helper and goes on without one")
        func noCredentialsElsewhere() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            let login = try Login(lab)
            // Every way molt has to credentials is set up for the registry with a login.
            try login.config(#"{"credHelpers": {"\#(lab.authRegistry)": "molttest"}, "credsStore": "molttest"}"#)
            let environment = login.environment([
                "MOLT_REGISTRY_AUTH": #"{"username":"\#(lab.authRegistryUser)","password":"\#(login.password)","serveraddress":"\#(lab.authRegistry)"}"#,
            ])
            let recorder = try await RecordingRegistry(address: lab.gateway, scratch: login.scratch)
            defer { recorder.stop() }
            let docker = try fixture.docker("lab1")
            let before = try await docker.inspectContainer("web")

            // A registry that challenges every request: the engine answers a challenge with
            // whatever credentials molt gave it for the pull.
            let elsewhere = "\(recorder.address)/molt-lab/web:2.0"
            let refused = try await Self.rollout(fixture, try Self.playbook(fixture, image: elsewhere), environment: environment)
            #expect(refused.status == 1, "\(refused.stdout)\(refused.stderr)")
            let requests = try recorder.requests()
            #expect(!requests.isEmpty, "the engine did ask the stand-in registry")
            #expect(requests.allSatisfy { $0.authorization == nil }, "\(requests)")
            #expect(try await docker.inspectContainer("web").id == before.id, "a pull that failed changed nothing")

            // The anonymous registry: the helper is asked (credsStore), finds nothing, and the
            // pull goes on anonymously and works.
            let anonymous = "\(lab.registry)/molt-lab/web:2.0"
            _ = try? await docker.removeImage(anonymous, force: true)
            let pulled = try await Self.rollout(fixture, try Self.playbook(fixture, image: anonymous), environment: environment)
            #expect(pulled.status == 0, "\(pulled.stdout)\(pulled.stderr)")
            #expect(try await docker.inspectContainer("web").configImage == anonymous)
            #expect(login.asked == [recorder.address, lab.registry], "\(login.asked)")
            #expect(!(refused.stdout + refused.stderr + pulled.stdout + pulled.stderr).contains(login.password))
            try await fixture.reset()
        }

        @Test("a broken config.json or a failing credential helper stops the rollout before any host is touched: exit 2, naming the file, the helper and the registry")
        func brokenConfiguration() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await fixture.reset()
            let login = try Login(lab)
            let docker = try fixture.docker("lab1")
            let before = try await docker.inspectContainer("web")
            let playbook = try Self.playbook(fixture, image: "\(lab.authRegistry)/molt-lab/web:2.0")

            try login.config(#"{"credHelpers": {"\#(lab.authRegistry)": "molttest",}"#)
            let broken = try await Self.rollout(fixture, playbook, environment: login.environment())
            #expect(broken.status == 2, "\(broken.stdout)\(broken.stderr)")
            #expect(broken.stderr.contains(login.configPath) && broken.stderr.contains("not valid JSON"), "\(broken.stderr)")

            try login.config(#"{"credHelpers": {"\#(lab.authRegistry)": "moltbroken"}}"#)
            let failing = try await Self.rollout(fixture, playbook, environment: login.environment())
            #expect(failing.status == 2, "\(failing.stdout)\(failing.stderr)")
            for part in ["docker-credential-moltbroken", lab.authRegistry, login.configPath, "keychain is locked"] {
                #expect(failing.stderr.contains(part), "\(part) in \(failing.stderr)")
            }

            let after = try await docker.inspectContainer("web")
            #expect(after.id == before.id && after.configImage == before.configImage, "nothing changed")
            try await fixture.expectNoStrays(allowRetained: false)
            let history = try await Shell.run([Shell.molt, "history", "--journal", fixture.journal, "--output", "json"], environment: Shell.cleanEnvironment)
            #expect(!history.stdout.contains("\"rollout\""), "no run was started: \(history.stdout)")
        }
    }
}

/// A stand-in registry on the lab network that records the `Authorization` header of every
/// request and answers each with a Basic challenge (401), so an engine holding credentials for
/// it would send them.
final class RecordingRegistry: Sendable {
    struct Request: Decodable, CustomStringConvertible {
        var method: String
        var path: String
        var authorization: String?
        var description: String { "\(method) \(path)" + (authorization.map { " Authorization: \($0.prefix(12))…" } ?? "") }
    }

    /// `HOST:PORT`, as an image reference names it.
    let address: String
    private let log: String
    private let pid: Int32

    static let script = #"""
        import http.server, json, sys
        host, log, portfile = sys.argv[1], sys.argv[2], sys.argv[3]
        class Recorder(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            def answer(self):
                with open(log, "a") as f:
                    f.write(json.dumps({"method": self.command, "path": self.path,
                                        "authorization": self.headers.get("Authorization")}) + "\n")
                body = b'{"errors":[{"code":"UNAUTHORIZED","message":"a recording stand-in"}]}'
                self.send_response(401)
                self.send_header("WWW-Authenticate", 'Basic realm="molt-recorder"')
                self.send_header("Docker-Distribution-API-Version", "registry/2.0")
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD":
                    self.wfile.write(body)
            do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = answer
            def log_message(self, *args):
                pass
        server = http.server.ThreadingHTTPServer((host, 0), Recorder)
        with open(portfile + ".tmp", "w") as f:
            f.write(str(server.server_address[1]))
        import os
        os.rename(portfile + ".tmp", portfile)
        server.serve_forever()
        """#

    init(address host: String, scratch: TemporaryDirectory) async throws {
        let script = try scratch.write("recorder.py", Self.script)
        log = scratch.path + "/recorded.jsonl"
        let portFile = scratch.path + "/recorder.port"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/python3")
        process.arguments = [script, host, log, portFile]
        // Not the test's own output: a stand-in left running must not hold the test runner's pipes.
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        pid = process.processIdentifier
        for _ in 0..<100 {
            if let port = try? String(contentsOfFile: portFile, encoding: .utf8), !port.isEmpty {
                address = "\(host):\(port)"
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        kill(pid, SIGKILL)
        throw LabMissing(message: "the recording registry did not start on \(host)")
    }

    /// SIGKILL: the test runner may ignore SIGTERM, and its children inherit that.
    func stop() { kill(pid, SIGKILL) }

    func requests() throws -> [Request] {
        guard let text = try? String(contentsOfFile: log, encoding: .utf8) else { return [] }
        return try text.split(separator: "\n").map { try JSONDecoder().decode(Request.self, from: Data($0.utf8)) }
    }
}
