import Foundation
import Testing

@testable import DockerEngine

@Suite("Registry credentials")
struct RegistryAuthTests {
    /// The JSON document inside a header value.
    private func document(_ auth: RegistryAuth?) throws -> JSONValue {
        let value = try #require(auth?.headerValue)
        #expect(!value.contains("+") && !value.contains("/"))
        return try JSONValue(json: try #require(Base64.decode(value)))
    }

    private func home(config: String) throws -> String {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("molt-auth-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory.appendingPathComponent(".docker"), withIntermediateDirectories: true)
        try Data(config.utf8).write(to: directory.appendingPathComponent(".docker/config.json"))
        return directory.path
    }

    @Test("config.json auths are matched by registry host and decoded from user:password")
    func fromConfig() throws {
        let home = try home(config: """
            {"auths": {
              "https://index.docker.io/v1/": {"auth": "\(Data("hubuser:hub:pass".utf8).base64EncodedString())"},
              "127.0.0.1:5000": {"auth": "\(Data("lab:secret".utf8).base64EncodedString())"},
              "https://ghcr.io": {"identitytoken": "tok"}
            }}
            """)
        let lab = try document(RegistryAuth.lookup(forImage: "127.0.0.1:5000/web:2.0", environment: [:], homeDirectory: home))
        #expect(lab == ["username": "lab", "password": "secret", "serveraddress": "127.0.0.1:5000"])
        let hub = try document(RegistryAuth.lookup(forImage: "library/web", environment: [:], homeDirectory: home))
        #expect(hub["password"] == "hub:pass")
        let ghcr = try document(RegistryAuth.lookup(forImage: "ghcr.io/x/y:1", environment: [:], homeDirectory: home))
        #expect(ghcr["identitytoken"] == "tok")
        #expect(try RegistryAuth.lookup(forImage: "quay.io/x:1", environment: [:], homeDirectory: home) == nil)
    }

    @Test("no config file means no credentials")
    func noConfig() throws {
        #expect(try RegistryAuth.lookup(forImage: "web", environment: [:], homeDirectory: "/nonexistent") == nil)
    }

    @Test("a broken config file is reported with its path")
    func brokenConfig() throws {
        let home = try home(config: "{not json")
        let error = #expect(throws: DockerError.self) {
            try RegistryAuth.lookup(forImage: "web", environment: [:], homeDirectory: home)
        }
        #expect(error?.message.contains(".docker/config.json") == true)
    }

    @Test("MOLT_REGISTRY_AUTH as JSON is encoded, and wins over config.json")
    func environmentJSON() throws {
        let home = try home(config: #"{"auths":{"127.0.0.1:5000":{"auth":"bGFiOnNlY3JldA=="}}}"#)
        let environment = ["MOLT_REGISTRY_AUTH": #"{"username":"ci","password":"p/w+?","serveraddress":"127.0.0.1:5000"}"#]
        let auth = try RegistryAuth.lookup(forImage: "127.0.0.1:5000/web:2.0", environment: environment, homeDirectory: home)
        #expect(try document(auth) == ["username": "ci", "password": "p/w+?", "serveraddress": "127.0.0.1:5000"])
        #expect(auth?.description == "credentials of ci for 127.0.0.1:5000")
    }

    @Test("MOLT_REGISTRY_AUTH already encoded is sent as it is")
    func environmentEncoded() throws {
        let auth = try RegistryAuth.lookup(forImage: "web", environment: ["MOLT_REGISTRY_AUTH": "eyJ1c2VybmFtZSI6ImEifQ=="], homeDirectory: "/nonexistent")
        #expect(auth?.headerValue == "eyJ1c2VybmFtZSI6ImEifQ==")
    }

    @Test("DOCKER_CONFIG points at another configuration directory")
    func dockerConfigVariable() throws {
        let home = try home(config: #"{"auths":{"r.example":{"auth":"YTpi"}}}"#)
        let auth = try RegistryAuth.lookup(forImage: "r.example/x", environment: ["DOCKER_CONFIG": home + "/.docker"], homeDirectory: "/nonexistent")
        #expect(try document(auth)["username"] == "a")
    }
}
