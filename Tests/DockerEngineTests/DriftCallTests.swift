import Foundation
import Testing

@testable import DockerEngine

@Suite("Docker Engine API calls of molt audit")
struct DriftCallTests {
    private func requestLine(_ request: String) -> String {
        request.components(separatedBy: "\r\n").first ?? ""
    }

    @Test("changes lists each path with its kind, and the engine's null means no change")
    func changes() async throws {
        let connector = ScriptedConnector([
            jsonResponse(#"[{"Path":"/var/lib/dpkg","Kind":0},{"Path":"/var/lib/dpkg/status","Kind":0},{"Path":"/etc/molt-patches","Kind":1},{"Path":"/tmp/x","Kind":2}]"#),
            jsonResponse("null"),
        ])
        let docker = DockerClient(connector: connector)
        let changes = try await docker.containerChanges("web")
        #expect(changes == [
            ContainerChange(path: "/var/lib/dpkg", kind: .modified), ContainerChange(path: "/var/lib/dpkg/status", kind: .modified),
            ContainerChange(path: "/etc/molt-patches", kind: .added), ContainerChange(path: "/tmp/x", kind: .deleted),
        ])
        #expect(requestLine(connector.requests[0]) == "GET /v1.41/containers/web/changes HTTP/1.1")
        #expect(try await docker.containerChanges("web").isEmpty)
    }

    @Test("a change of an unknown kind is a malformed answer")
    func unknownKind() async throws {
        let docker = DockerClient(connector: ScriptedConnector([jsonResponse(#"[{"Path":"/etc","Kind":7}]"#)]))
        let error = await #expect(throws: DockerError.self) { try await docker.containerChanges("web") }
        #expect(error?.code == .malformedResponse)
    }

    @Test("history is read newest first with the command that made each layer")
    func history() async throws {
        let connector = ScriptedConnector([jsonResponse(
            #"[{"Id":"sha256:aaa","Created":1700000100,"CreatedBy":"sh -c apk upgrade","Tags":["web:hot"],"Size":10,"Comment":"hotfix"},{"Id":"<missing>","Created":1700000000,"CreatedBy":"/bin/sh -c #(nop) ADD file","Tags":null,"Size":5,"Comment":""}]"#)])
        let docker = DockerClient(connector: connector)
        let entries = try await docker.imageHistory("sha256:aaa")
        #expect(entries.count == 2)
        #expect(entries[0] == ImageHistoryEntry(id: "sha256:aaa", created: 1_700_000_100, createdBy: "sh -c apk upgrade", tags: ["web:hot"], comment: "hotfix"))
        #expect(entries[1].tags.isEmpty)
        #expect(requestLine(connector.requests[0]) == "GET /v1.41/images/sha256:aaa/history HTTP/1.1")
    }

    @Test("the registry's digest for a tag is asked through the engine with the pull credentials")
    func distribution() async throws {
        let connector = ScriptedConnector([jsonResponse(
            #"{"Descriptor":{"mediaType":"application/vnd.docker.distribution.manifest.v2+json","digest":"sha256:bbb","size":527},"Platforms":[{"architecture":"amd64","os":"linux"}]}"#)])
        let docker = DockerClient(connector: connector)
        let digest = try await docker.distributionDigest("127.0.0.1:5000/team/web:2.0", auth: RegistryAuth(headerValue: "e30="))
        #expect(digest == "sha256:bbb")
        #expect(requestLine(connector.requests[0]) == "GET /v1.41/distribution/127.0.0.1:5000/team/web:2.0/json HTTP/1.1")
        #expect(connector.requests[0].contains("\r\nX-Registry-Auth: e30=\r\n"))
    }

    @Test("a registry that refuses is an error with the engine's message, never a digest")
    func distributionRefused() async throws {
        let docker = DockerClient(connector: ScriptedConnector([jsonResponse("401 Unauthorized", #"{"message":"unauthorized: authentication required"}"#)]))
        let error = await #expect(throws: DockerError.self) { try await docker.distributionDigest("ghcr.io/team/web:2.0", auth: nil) }
        #expect(error?.message == "unauthorized: authentication required")
    }
}
