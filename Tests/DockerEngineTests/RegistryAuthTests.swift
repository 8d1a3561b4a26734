import Foundation
import MoltTestSupport
import Testing

@testable import DockerEngine

@Suite("Registry credentials")
struct RegistryAuthTests {
    /// A home directory with a `.docker/config.json`, and a directory for PATH holding the
    /// test's credential helper `docker-credential-molttest`, a real executable that logs the
    /// server address it is asked for and answers from a table.
    final class Setup: Sendable {
        let home: String
        let bin: String
        let log: String

        init(config: String?) throws {
            home = NSTemporaryDirectory() + "molt-auth-\(UUID().uuidString)"
            bin = home + "/bin"
            log = home + "/helper.log"
            try FileManager.default.createDirectory(atPath: home + "/.docker", withIntermediateDirectories: true)
            try FileManager.default.createDirectory(atPath: bin, withIntermediateDirectories: true)
            if let config { try Data(config.utf8).write(to: URL(fileURLWithPath: home + "/.docker/config.json")) }
            try helper("molttest", """
                [ "$1" = get ] || { echo "unsupported: $1" >&2; exit 1; }
                server=$(cat)
                printf '%s\\n' "$server" >>'\(log)'
                case "$server" in
                    10.247.213.2:5001) printf '{"ServerURL":"%s","Username":"molt","Secret":"helper-secret-5001"}\\n' "$server" ;;
                    https://index.docker.io/v1/) printf '{"ServerURL":"%s","Username":"<token>","Secret":"hub-identity-token"}\\n' "$server" ;;
                    fail.example) echo "keychain locked"; exit 1 ;;
                    quiet.example) echo "error on stderr" >&2; exit 3 ;;
                    nonsense.example) echo 'Secret: helper-secret-nonsense' ;;
                    slow.example) sleep 30 ;;
                    *) echo "credentials not found in native keychain"; exit 1 ;;
                esac
                """)
        }

        deinit { try? FileManager.default.removeItem(atPath: home) }

        /// Writes `docker-credential-NAME` with this shell body.
        func helper(_ name: String, _ body: String) throws {
            try writeExecutable("\(bin)/docker-credential-\(name)", "#!/bin/sh\n\(body)\n")
        }

        var environment: [String: String] { ["PATH": "\(bin):/usr/bin:/bin"] }

        func credentials(_ extra: [String: String] = [:], timeout: Duration = .seconds(10)) throws -> RegistryCredentials {
            try RegistryCredentials(environment: environment.merging(extra) { $1 }, homeDirectory: home, helperTimeout: timeout)
        }

        /// The server addresses the helper was asked for, in order.
        var asked: [String] {
            (try? String(contentsOfFile: log, encoding: .utf8))?.split(separator: "\n").map(String.init) ?? []
        }
    }

    /// The JSON document inside a header value.
    private func document(_ auth: RegistryAuth?) throws -> JSONValue {
        let value = try #require(auth?.headerValue)
        #expect(!value.contains("+") && !value.contains("/"))
        return try JSONValue(json: try #require(Base64.decode(value)))
    }

    private func base64(_ text: String) -> String { Data(text.utf8).base64EncodedString() }

    @Test("config.json auths are matched by registry, whether the key is a URL or a bare host, and decoded from user:password")
    func fromAuths() async throws {
        let setup = try Setup(config: """
            {"auths": {
              "https://index.docker.io/v1/": {"auth": "\(base64("hubuser:hub:pass"))"},
              "127.0.0.1:5000": {"auth": "\(base64("lab:secret"))"},
              "https://ghcr.io": {"identitytoken": "tok"},
              "http://reg.example:5001/v2/": {"username": "u", "password": "p"},
              "quay.io": {}
            }}
            """)
        let credentials = try setup.credentials()
        let lab = try document(await credentials.auth(forImage: "127.0.0.1:5000/web:2.0"))
        #expect(lab == ["username": "lab", "password": "secret", "serveraddress": "127.0.0.1:5000"])
        let hub = try document(await credentials.auth(forImage: "library/web"))
        #expect(hub["password"] == "hub:pass")
        #expect(hub["serveraddress"] == "https://index.docker.io/v1/")
        #expect(try document(await credentials.auth(forImage: "docker.io/user/web:1"))["username"] == "hubuser")
        #expect(try document(await credentials.auth(forImage: "ghcr.io/x/y:1"))["identitytoken"] == "tok")
        #expect(try document(await credentials.auth(forImage: "reg.example:5001/x"))["username"] == "u")
        // An empty entry (a credential store holds the secret) and no entry: anonymous.
        #expect(try await credentials.auth(forImage: "quay.io/x:1") == nil)
        #expect(try await credentials.auth(forImage: "reg.example:5000/x") == nil)
        #expect(try await credentials.auth(forImage: "reg.example/x") == nil)
        #expect(setup.asked.isEmpty, "no helper is configured, none is run")
    }

    @Test("no config file means no credentials")
    func noConfig() async throws {
        let setup = try Setup(config: nil)
        #expect(try await setup.credentials().auth(forImage: "web") == nil)
        let empty = try Setup(config: "  \n")
        #expect(try await empty.credentials().auth(forImage: "web") == nil)
    }

    @Test("a broken config file is an error naming the file, found before any image is asked for", arguments: [
        ("{not json", "is not valid JSON"),
        (#"["auths"]"#, "is not a JSON object"),
        (#"{"auths": "nope"}"#, "\"auths\" is not an object"),
        (#"{"auths": {"reg": 3}}"#, "the \"auths\" entry of \"reg\""),
        (#"{"credHelpers": {"reg": 3}}"#, "the credHelpers entry of \"reg\""),
        (#"{"credHelpers": {"reg": "../../bin/sh"}}"#, "the credHelpers entry of \"reg\""),
        (#"{"credsStore": 1}"#, "\"credsStore\" is not a helper name"),
    ])
    func brokenConfig(config: String, problem: String) throws {
        let setup = try Setup(config: config)
        let error = #expect(throws: RegistryCredentialError.self) { try setup.credentials() }
        #expect(error?.source == setup.home + "/.docker/config.json")
        #expect(error?.description.contains(problem) == true, "\(String(describing: error))")
    }

    @Test("an auth that is not base64 of user:password is an error for its registry only")
    func badAuthEntry() async throws {
        let setup = try Setup(config: #"{"auths": {"reg.example": {"auth": "bm9jb2xvbg=="}}}"#)
        let credentials = try setup.credentials()
        let error = await #expect(throws: RegistryCredentialError.self) { try await credentials.auth(forImage: "reg.example/x") }
        #expect(error?.description.contains("reg.example") == true)
        #expect(error?.description.contains(".docker/config.json") == true)
        #expect(try await credentials.auth(forImage: "busybox") == nil)
    }

    @Test("credHelpers names the helper of each registry; it is asked for that registry only, with its address on stdin")
    func helperPerRegistry() async throws {
        let setup = try Setup(config: """
            {"credHelpers": {"10.247.213.2:5001": "molttest"},
             "auths": {"https://index.docker.io/v1/": {"auth": "\(base64("hub:pw"))"}}}
            """)
        let credentials = try setup.credentials()
        let lab = try document(await credentials.auth(forImage: "10.247.213.2:5001/molt-lab/web:2.0"))
        #expect(lab == ["username": "molt", "password": "helper-secret-5001", "serveraddress": "10.247.213.2:5001"])
        #expect(try document(await credentials.auth(forImage: "busybox"))["username"] == "hub")
        #expect(try await credentials.auth(forImage: "10.247.213.2:5000/molt-lab/web:2.0") == nil)
        #expect(setup.asked == ["10.247.213.2:5001"])
    }

    @Test("credsStore is the helper of every registry credHelpers does not name, and wins over auths")
    func credsStoreFallback() async throws {
        let setup = try Setup(config: """
            {"credsStore": "molttest", "credHelpers": {"other.example": "other"},
             "auths": {"https://index.docker.io/v1/": {"auth": "\(base64("file:pw"))"}}}
            """)
        try setup.helper("other", #"cat >/dev/null; echo '{"ServerURL":"other.example","Username":"o","Secret":"other-secret"}'"#)
        let credentials = try setup.credentials()
        let hub = try document(await credentials.auth(forImage: "busybox:1.36"))
        #expect(hub == ["identitytoken": "hub-identity-token", "serveraddress": "https://index.docker.io/v1/"], "<token> means an identity token")
        #expect(try document(await credentials.auth(forImage: "other.example/x"))["password"] == "other-secret")
        #expect(setup.asked == ["https://index.docker.io/v1/"])
    }

    @Test("the helper's \"credentials not found\" answer is an anonymous pull")
    func notFound() async throws {
        let setup = try Setup(config: #"{"credsStore": "molttest"}"#)
        #expect(try await setup.credentials().auth(forImage: "10.0.0.9:5000/x") == nil)
        #expect(setup.asked == ["10.0.0.9:5000"])
    }

    @Test("a helper that fails, answers nonsense, is missing or hangs is an error naming the helper, the file and the registry", arguments: [
        ("fail.example/x", "keychain locked"),
        ("quiet.example/x", "exit 3): error on stderr"),
        ("nonsense.example/x", "answered something other than"),
        ("slow.example/x", "did not answer within"),
    ])
    func helperFailure(image: String, problem: String) async throws {
        let setup = try Setup(config: #"{"credsStore": "molttest"}"#)
        let credentials = try setup.credentials(timeout: .milliseconds(700))
        let started = ContinuousClock.now
        let error = await #expect(throws: RegistryCredentialError.self) { try await credentials.auth(forImage: image) }
        #expect(ContinuousClock.now - started < .seconds(30), "a hung helper is stopped at its deadline")
        let text = try #require(error?.description)
        #expect(text.contains(problem), "\(text)")
        #expect(text.contains("docker-credential-molttest") && text.contains("credsStore") && text.contains(setup.home + "/.docker/config.json"), "\(text)")
        #expect(error?.registry == String(image.prefix { $0 != "/" }))
        #expect(!text.contains("helper-secret"), "the helper's output is never quoted when it may hold the secret")
    }

    @Test("a helper that is not on PATH is an error, not an anonymous pull")
    func missingHelper() async throws {
        let setup = try Setup(config: #"{"credHelpers": {"reg.example": "absent"}}"#)
        let credentials = try setup.credentials()
        let error = await #expect(throws: RegistryCredentialError.self) { try await credentials.auth(forImage: "reg.example/x") }
        #expect(error?.description.contains("docker-credential-absent is not on PATH") == true, "\(String(describing: error))")
        #expect(error?.description.contains("credHelpers \"reg.example\"") == true)
    }

    @Test("a helper is run once per registry per run, however many hosts and images ask at once")
    func oneRunPerRegistry() async throws {
        let setup = try Setup(config: #"{"credsStore": "molttest"}"#)
        let credentials = try setup.credentials()
        try await withThrowingTaskGroup(of: RegistryAuth?.self) { group in
            for index in 0..<12 {
                group.addTask { try await credentials.auth(forImage: "10.247.213.2:5001/molt-lab/app\(index % 3):\(index)") }
                group.addTask { try await credentials.auth(forImage: "quay.io/team/app\(index)") }
            }
            for try await _ in group {}
        }
        #expect(setup.asked.sorted() == ["10.247.213.2:5001", "quay.io"])
    }

    @Test("MOLT_REGISTRY_AUTH goes to the registry it names only: never to Docker Hub when it names another")
    func environmentScoped() async throws {
        let setup = try Setup(config: #"{"auths": {"quay.io": {"auth": "\#(base64("q:pw"))"}}}"#)
        let credentials = try setup.credentials(["MOLT_REGISTRY_AUTH": #"{"username":"ci","password":"p/w+?","serveraddress":"10.247.213.2:5001"}"#])
        let auth = try await credentials.auth(forImage: "10.247.213.2:5001/molt-lab/web:2.0")
        #expect(try document(auth) == ["username": "ci", "password": "p/w+?", "serveraddress": "10.247.213.2:5001"])
        #expect(auth?.description == "credentials of ci for 10.247.213.2:5001")
        #expect(try await credentials.auth(forImage: "docker.io/library/busybox") == nil)
        #expect(try await credentials.auth(forImage: "busybox") == nil)
        #expect(try await credentials.auth(forImage: "10.247.213.2:5000/molt-lab/web:2.0") == nil)
        #expect(try document(await credentials.auth(forImage: "quay.io/x"))["username"] == "q", "config.json still serves the others")
    }

    @Test("MOLT_REGISTRY_AUTH naming Docker Hub is Docker Hub's, under any of its names")
    func environmentForHub() async throws {
        let setup = try Setup(config: nil)
        let credentials = try setup.credentials(["MOLT_REGISTRY_AUTH": #"{"identitytoken":"hub-tok","serveraddress":"https://index.docker.io/v1/"}"#])
        #expect(try document(await credentials.auth(forImage: "library/busybox"))["identitytoken"] == "hub-tok")
        #expect(try document(await credentials.auth(forImage: "index.docker.io/user/x"))["identitytoken"] == "hub-tok")
        #expect(try await credentials.auth(forImage: "ghcr.io/user/x") == nil)
    }

    @Test("MOLT_REGISTRY_AUTH already encoded is sent as it is, to the registry its serveraddress names")
    func environmentEncoded() async throws {
        let setup = try Setup(config: nil)
        let encoded = Base64.encodeURLSafe(Array(#"{"username":"a","password":"bbbb","serveraddress":"reg.example:5000"}"#.utf8))
        let credentials = try setup.credentials(["MOLT_REGISTRY_AUTH": encoded])
        #expect(try await credentials.auth(forImage: "reg.example:5000/x")?.headerValue == encoded)
        #expect(try await credentials.auth(forImage: "web") == nil)
    }

    @Test("MOLT_REGISTRY_AUTH without a serveraddress is an error that says how to fix it", arguments: [
        "eyJ1c2VybmFtZSI6ImEifQ==",
        #"{"username":"a","password":"b"}"#,
        "{nope",
    ])
    func environmentUnscoped(value: String) throws {
        let setup = try Setup(config: nil)
        let error = #expect(throws: RegistryCredentialError.self) { try setup.credentials(["MOLT_REGISTRY_AUTH": value]) }
        #expect(error?.source == "MOLT_REGISTRY_AUTH")
        #expect(error?.description.contains(#""serveraddress":"REGISTRY""#) == true, "\(String(describing: error))")
    }

    @Test("DOCKER_CONFIG points at another configuration directory")
    func dockerConfigVariable() async throws {
        let setup = try Setup(config: #"{"auths":{"r.example":{"auth":"YTpi"}}}"#)
        let credentials = try RegistryCredentials(environment: ["DOCKER_CONFIG": setup.home + "/.docker"], homeDirectory: "/nonexistent")
        #expect(credentials.configPath == setup.home + "/.docker/config.json")
        #expect(try document(await credentials.auth(forImage: "r.example/x"))["username"] == "a")
    }
}
