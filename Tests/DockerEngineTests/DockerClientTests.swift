import Foundation
import Synchronization
import Testing

@testable import DockerEngine

@Suite("Docker Engine API calls")
struct DockerClientTests {
    private func client(_ scripts: Script..., version: DockerAPIVersion = .minimum) -> (DockerClient, ScriptedConnector) {
        let connector = ScriptedConnector(scripts)
        return (DockerClient(connector: connector, apiVersion: version, timeout: .seconds(60)), connector)
    }

    private func requestLine(_ request: String) -> String {
        request.components(separatedBy: "\r\n").first ?? ""
    }

    @Test("an engine error names the request, the status and the engine's message")
    func errorMessage() async throws {
        let (docker, connector) = client(jsonResponse("404 Not Found", #"{"message":"No such container: web"}"#))
        let error = await #expect(throws: DockerError.self) { try await docker.inspectContainer("web") }
        #expect(error?.code == .notFound)
        #expect(error?.status == 404)
        #expect(error?.message == "No such container: web")
        #expect(error?.description == "GET /v1.41/containers/web/json: 404 No such container: web")
        #expect(requestLine(connector.requests[0]) == "GET /v1.41/containers/web/json HTTP/1.1")
    }

    @Test("statuses map to codes", arguments: [(304, DockerError.Code.notModified), (400, .badRequest), (404, .notFound), (409, .conflict), (500, .serverError), (503, .serverError), (401, .unexpectedStatus)])
    func statusCodes(status: Int, code: DockerError.Code) {
        #expect(DockerError.Code(status: status) == code)
    }

    @Test("an error body that is not JSON is still shown")
    func plainTextError() async throws {
        let (docker, _) = client(.response(crlf("HTTP/1.1 500 Internal Server Error\nContent-Length: 12\n\nengine broke")))
        let error = await #expect(throws: DockerError.self) { try await docker.ping() }
        #expect(error?.code == .serverError)
        #expect(error?.message == "engine broke")
    }

    @Test("a malformed answer is a malformedResponse DockerError")
    func malformed() async throws {
        let (docker, _) = client(.response("SSH-2.0-OpenSSH_9.2\r\n"))
        let error = await #expect(throws: DockerError.self) { try await docker.version() }
        #expect(error?.code == .malformedResponse)
        #expect(error?.request == "GET /version")
    }

    @Test("a transport failure keeps the stream's error and shows its text")
    func transportFailure() async throws {
        let (docker, _) = client(Script(pieces: [], connectError: ScriptError.custom("channel open refused: administratively prohibited")))
        let error = await #expect(throws: DockerError.self) { try await docker.ping() }
        #expect(error?.code == .transport)
        #expect(error?.underlying is ScriptError)
        #expect(error?.description == "GET /_ping: cannot open a stream to the engine: channel open refused: administratively prohibited")
    }

    @Test("an engine that never answers is a timeout DockerError within the deadline")
    func timeout() async throws {
        let connector = ScriptedConnector(.silent)
        let docker = DockerClient(connector: connector, timeout: .milliseconds(200))
        let start = ContinuousClock.now
        let error = await #expect(throws: DockerError.self) { try await docker.listContainers() }
        #expect(error?.code == .timeout)
        // No hang: well within the bound even on a loaded 2-core machine (this is not a benchmark).
        #expect(ContinuousClock.now - start < .seconds(30))
    }

    @Test("version negotiation speaks the newest version both sides know",
          arguments: [("1.41", "1.41"), ("1.45", "1.45"), ("1.47", "1.47"), ("1.50", "1.47")])
    func negotiation(engineAPI: String, expected: String) async throws {
        let body = #"{"Version":"x","ApiVersion":"\#(engineAPI)","MinAPIVersion":"1.24","Os":"linux","Arch":"amd64","KernelVersion":"6.1.0"}"#
        let (docker, connector) = client(jsonResponse(body))
        let (negotiated, engine) = try await docker.negotiated()
        #expect(negotiated.apiVersion.description == expected)
        #expect(engine.apiVersion == engineAPI)
        #expect(engine.os == "linux")
        #expect(engine.kernelVersion == "6.1.0")
        #expect(requestLine(connector.requests[0]) == "GET /version HTTP/1.1")
    }

    @Test("an engine older than API 1.41 is refused with what it speaks and what molt needs")
    func oldEngine() async throws {
        let (docker, _) = client(jsonResponse(#"{"Version":"19.03.15","ApiVersion":"1.40","MinAPIVersion":"1.12"}"#))
        let error = await #expect(throws: DockerError.self) { try await docker.negotiated() }
        #expect(error?.code == .unsupportedEngine)
        #expect(error?.description == "Docker Engine 19.03.15 speaks API 1.40; molt needs 1.41 (Engine 20.10) or newer")
    }

    @Test("an engine that dropped every API version molt knows is refused")
    func tooNewEngine() async throws {
        let (docker, _) = client(jsonResponse(#"{"Version":"99.0","ApiVersion":"1.60","MinAPIVersion":"1.50"}"#))
        let error = await #expect(throws: DockerError.self) { try await docker.negotiated() }
        #expect(error?.code == .unsupportedEngine)
    }

    @Test("API versions compare numerically and parse strictly")
    func apiVersions() {
        #expect(DockerAPIVersion("1.9")! < DockerAPIVersion("1.41")!)
        #expect(DockerAPIVersion("1.41") == .minimum)
        #expect(DockerAPIVersion("1.x") == nil)
        #expect(DockerAPIVersion("1") == nil)
        #expect(DockerAPIVersion.maximumKnown.pathPrefix == "/v1.47")
    }

    @Test("listing containers encodes the filters as JSON in the query and decodes the entries")
    func listContainers() async throws {
        let body = #"""
            [{"Id":"abc","Names":["/db/web","/web"],"Image":"web:2","ImageID":"sha256:1","State":"running","Status":"Up 2 minutes (healthy)","Labels":{"molt.run":"r1"},"Created":1700000000},
             {"Id":"def","Names":["/other"],"Image":"x","State":"exited","Labels":null}]
            """#
        let (docker, connector) = client(jsonResponse(body), version: DockerAPIVersion("1.45")!)
        let containers = try await docker.listContainers(all: true, filters: ["name": ["^/web$"]])
        #expect(requestLine(connector.requests[0])
            == "GET /v1.45/containers/json?all=1&filters=%7B%22name%22%3A%5B%22%5E%2Fweb%24%22%5D%7D HTTP/1.1")
        #expect(containers.count == 2)
        #expect(containers[0].name == "web")
        #expect(containers[0].labels == ["molt.run": "r1"])
        #expect(containers[0].created == 1_700_000_000)
        #expect(containers[1].name == "other")
        #expect(containers[1].labels.isEmpty)
        #expect(containers[1].imageID == "")
    }

    @Test("inspecting a container decodes state, health and mounts, and keeps the raw document")
    func inspectContainer() async throws {
        let body = #"""
            {"Id":"abc","Name":"/web","Image":"sha256:old","RestartCount":2,
             "State":{"Status":"running","Running":true,"Paused":false,"ExitCode":0,"StartedAt":"2024-01-01T00:00:00Z",
                      "Health":{"Status":"unhealthy","FailingStreak":3,"Log":[{"Start":"a","End":"b","ExitCode":1,"Output":"connection refused"}]}},
             "Config":{"Image":"web:1","Tty":true,"Labels":{"a":"b"},"StopTimeout":30},
             "Mounts":[{"Type":"volume","Name":"data","Source":"/var/lib/docker/volumes/data/_data","Destination":"/data","Driver":"local","Mode":"z","RW":true},
                       {"Type":"bind","Source":"/etc/x","Destination":"/x","RW":false}],
             "NetworkSettings":{"Networks":{"front":{},"back":{}}}}
            """#
        let (docker, _) = client(jsonResponse(body))
        let details = try await docker.inspectContainer("web")
        #expect(details.name == "web")
        #expect(details.image == "sha256:old")
        #expect(details.configImage == "web:1")
        #expect(details.tty)
        #expect(details.restartCount == 2)
        #expect(details.state.running)
        #expect(details.state.health?.status == "unhealthy")
        #expect(details.state.health?.failingStreak == 3)
        #expect(details.state.health?.log.last?.output == "connection refused")
        #expect(details.mounts.map(\.name) == ["data", nil])
        #expect(details.mounts[1].readWrite == false)
        #expect(details.networkNames == ["back", "front"])
        #expect(details.config["StopTimeout"] == 30)
    }

    @Test("a sparse inspect document decodes with defaults")
    func sparseInspect() async throws {
        let (docker, _) = client(jsonResponse(#"{"Id":"abc","State":null}"#))
        let details = try await docker.inspectContainer("abc")
        #expect(details.name == "")
        #expect(details.state.health == nil)
        #expect(details.mounts.isEmpty)
        #expect(!details.tty)
    }

    @Test("creating a container sends the raw body as JSON with the name in the query")
    func createContainer() async throws {
        let (docker, connector) = client(jsonResponse("201 Created", #"{"Id":"new123","Warnings":["ignored"]}"#))
        let id = try await docker.createContainer(name: "web.molt-next", body: ["Image": "web:2", "HostConfig": ["NanoCpus": 1_500_000_000]])
        #expect(id == "new123")
        let request = connector.requests[0]
        #expect(requestLine(request) == "POST /v1.41/containers/create?name=web.molt-next HTTP/1.1")
        #expect(request.contains("\r\nContent-Type: application/json\r\n"))
        let body = #"{"HostConfig":{"NanoCpus":1500000000},"Image":"web:2"}"#
        #expect(request.contains("\r\nContent-Length: \(body.utf8.count)\r\n"))
        #expect(request.hasSuffix("\r\n\r\n" + body))
    }

    @Test("container names and values are percent-encoded in paths and queries")
    func encoding() async throws {
        let (docker, connector) = client(.response(crlf("HTTP/1.1 204 No Content\n\n")))
        try await docker.renameContainer("web", to: "web.molt prev&x")
        #expect(requestLine(connector.requests[0]) == "POST /v1.41/containers/web/rename?name=web.molt%20prev%26x HTTP/1.1")
        #expect(connector.requests[0].contains("\r\nContent-Length: 0\r\n"))
    }

    @Test("starting a running container or stopping a stopped one reports no change")
    func notModified() async throws {
        let (docker, connector) = client(
            .response(crlf("HTTP/1.1 304 Not Modified\n\n")),
            .response(crlf("HTTP/1.1 204 No Content\n\n"))
        )
        #expect(try await docker.startContainer("web") == false)
        #expect(try await docker.stopContainer("web", timeout: .milliseconds(1500)) == true)
        #expect(requestLine(connector.requests[1]) == "POST /v1.41/containers/web/stop?t=2 HTTP/1.1")
    }

    @Test("removing a container keeps volumes unless asked")
    func remove() async throws {
        let (docker, connector) = client(.response(crlf("HTTP/1.1 204 No Content\n\n")))
        try await docker.removeContainer("web.molt-prev", force: true)
        #expect(requestLine(connector.requests[0]) == "DELETE /v1.41/containers/web.molt-prev?force=1&v=0 HTTP/1.1")
    }

    @Test("logs of a container without a terminal are demultiplexed, frames split across reads",
          arguments: [1, 3, 9, 1000])
    func logsDemultiplexed(pieceSize: Int) async throws {
        let payload = frame(1, "starting\npartial ") + frame(2, "warning: x\n") + frame(1, "line\n") + frame(1, "")
        let chunked = Array(crlf("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n").utf8)
            + Array((String(payload.count, radix: 16) + "\r\n").utf8) + payload + Array("\r\n0\r\n\r\n".utf8)
        let (docker, connector) = client(.response(chunked, pieceSize: pieceSize, hangs: true))
        let logs = try await docker.logs("web", tail: 20, tty: false)
        #expect(logs.stdout == "starting\npartial line\n")
        #expect(logs.stderr == "warning: x\n")
        #expect(logs.lines == [
            .init(stream: .stdout, text: "starting"),
            .init(stream: .stderr, text: "warning: x"),
            .init(stream: .stdout, text: "partial line"),
        ])
        #expect(requestLine(connector.requests[0]) == "GET /v1.41/containers/web/logs?stdout=1&stderr=1&tail=20&timestamps=0 HTTP/1.1")
    }

    @Test("logs of a container with a terminal are raw text")
    func logsRaw() async throws {
        let (docker, _) = client(.response(crlf("HTTP/1.1 200 OK\nContent-Type: application/vnd.docker.raw-stream\n\n") + "hello\r\nworld"))
        let logs = try await docker.logs("web", tty: true)
        #expect(logs.stdout == "hello\r\nworld")
        #expect(logs.lines.map(\.text) == ["hello", "world"])
    }

    @Test("without being told, the content type or the first bytes decide whether logs are multiplexed")
    func logsDetected() async throws {
        let multiplexed = frame(1, "a\n")
        let (docker, _) = client(
            .response(Array(crlf("HTTP/1.1 200 OK\nContent-Type: application/vnd.docker.multiplexed-stream\n\n").utf8) + multiplexed, pieceSize: 2),
            .response(Array(crlf("HTTP/1.1 200 OK\nContent-Type: application/vnd.docker.raw-stream\n\n").utf8) + multiplexed, pieceSize: 2),
            .response(crlf("HTTP/1.1 200 OK\nContent-Type: application/vnd.docker.raw-stream\n\n") + "plain text output\n"),
        )
        #expect(try await docker.logs("web").stdout == "a\n")
        #expect(try await docker.logs("web").stdout == "a\n")
        #expect(try await docker.logs("web").stdout == "plain text output\n")
    }

    @Test("exec creates, starts attached, demultiplexes the output and reads the exit code")
    func exec() async throws {
        let output = frame(1, "ii  openssl 3.0.11\n") + frame(2, "warn\n")
        let (docker, connector) = client(
            jsonResponse("201 Created", #"{"Id":"exec1"}"#),
            .response(Array(crlf("HTTP/1.1 200 OK\nContent-Type: application/vnd.docker.raw-stream\n\n").utf8) + output, pieceSize: 5),
            jsonResponse(#"{"Running":true,"ExitCode":null}"#),
            jsonResponse(#"{"Running":false,"ExitCode":3}"#)
        )
        let result = try await docker.exec(in: "web", command: ["dpkg", "-l", "openssl"])
        #expect(result.exitCode == 3)
        #expect(result.stdoutText == "ii  openssl 3.0.11\n")
        #expect(result.stderrText == "warn\n")
        let requests = connector.requests
        #expect(requestLine(requests[0]) == "POST /v1.41/containers/web/exec HTTP/1.1")
        #expect(requests[0].hasSuffix(#"{"AttachStderr":true,"AttachStdin":false,"AttachStdout":true,"Cmd":["dpkg","-l","openssl"],"Tty":false}"#))
        #expect(requestLine(requests[1]) == "POST /v1.41/exec/exec1/start HTTP/1.1")
        #expect(requests[1].hasSuffix(#"{"Detach":false,"Tty":false}"#))
        #expect(requestLine(requests[2]) == "GET /v1.41/exec/exec1/json HTTP/1.1")
    }

    @Test("a pull sends name and tag apart, with the registry credentials, and reports progress")
    func pull() async throws {
        let lines = [
            #"{"status":"Pulling from web","id":"2.0"}"#,
            #"{"status":"Downloading","progressDetail":{"current":512,"total":1024},"progress":"[=>  ]","id":"abc"}"#,
            #"{"status":"Status: Downloaded newer image for 127.0.0.1:5000/web:2.0"}"#,
        ].joined(separator: "\r\n") + "\r\n"
        let wire = Array(crlf("HTTP/1.1 200 OK\nContent-Type: application/json\n\n").utf8) + Array(lines.utf8)
        let (docker, connector) = client(.response(wire, pieceSize: 7))
        let seen = Collected<PullProgress>()
        try await docker.pullImage("127.0.0.1:5000/web:2.0", auth: RegistryAuth(headerValue: "e30=")) { seen.append($0) }
        let request = connector.requests[0]
        #expect(requestLine(request) == "POST /v1.41/images/create?fromImage=127.0.0.1%3A5000%2Fweb&tag=2.0 HTTP/1.1")
        #expect(request.contains("\r\nX-Registry-Auth: e30=\r\n"))
        let progress = seen.values
        #expect(progress.count == 3)
        #expect(progress[1].current == 512)
        #expect(progress[1].total == 1024)
        #expect(progress[1].id == "abc")
    }

    @Test("an error line inside the pull's 200 stream fails the pull with the registry's message")
    func pullError() async throws {
        let lines = #"{"status":"Pulling from web","id":"9.9"}"# + "\r\n"
            + #"{"errorDetail":{"message":"manifest for web:9.9 not found: manifest unknown"},"error":"manifest for web:9.9 not found: manifest unknown"}"# + "\r\n"
        let wire = Array(crlf("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n").utf8)
            + Array((String(lines.utf8.count, radix: 16) + "\r\n" + lines + "\r\n0\r\n\r\n").utf8)
        let (docker, _) = client(.response(wire, pieceSize: 13))
        let error = await #expect(throws: DockerError.self) { try await docker.pullImage("web:9.9") }
        #expect(error?.code == .registry)
        #expect(error?.description == "POST /v1.41/images/create: pulling web:9.9: manifest for web:9.9 not found: manifest unknown")
    }

    @Test("a pull the engine refuses at once carries the engine's message")
    func pullRefused() async throws {
        let (docker, _) = client(jsonResponse("404 Not Found", #"{"message":"pull access denied for nope, repository does not exist"}"#))
        let error = await #expect(throws: DockerError.self) { try await docker.pullImage("nope") }
        #expect(error?.code == .notFound)
        #expect(error?.message == "pull access denied for nope, repository does not exist")
    }

    @Test("a digest reference pulls by digest, a bare name pulls latest")
    func pullQueries() async throws {
        let ok = Script.response(crlf("HTTP/1.1 200 OK\nContent-Length: 0\n\n"))
        let (docker, connector) = client(ok, ok)
        try await docker.pullImage("localhost:5000/a/b@sha256:abcd")
        try await docker.pullImage("web")
        #expect(requestLine(connector.requests[0]) == "POST /v1.41/images/create?fromImage=localhost%3A5000%2Fa%2Fb&tag=sha256%3Aabcd HTTP/1.1")
        #expect(requestLine(connector.requests[1]) == "POST /v1.41/images/create?fromImage=web&tag=latest HTTP/1.1")
    }

    @Test("inspecting a missing image gives nil; an existing one its ID and config")
    func inspectImage() async throws {
        let (docker, connector) = client(
            jsonResponse("404 Not Found", #"{"message":"No such image: web:3"}"#),
            jsonResponse(#"{"Id":"sha256:img","RepoTags":["127.0.0.1:5000/web:2.0"],"RepoDigests":null,"Config":{"Env":["A=1"],"Healthcheck":{"Test":["CMD","true"]}}}"#)
        )
        #expect(try await docker.inspectImage("web:3") == nil)
        let image = try #require(try await docker.inspectImage("127.0.0.1:5000/web:2.0"))
        #expect(image.id == "sha256:img")
        #expect(image.repoDigests.isEmpty)
        #expect(image.config["Env"] == ["A=1"])
        #expect(requestLine(connector.requests[1]) == "GET /v1.41/images/127.0.0.1:5000/web:2.0/json HTTP/1.1")
    }

    @Test("removing an image names it whole in the path; a missing one is no error")
    func removeImage() async throws {
        let (docker, connector) = client(
            jsonResponse(#"[{"Untagged":"127.0.0.1:5000/web:2.0"},{"Deleted":"sha256:img"}]"#),
            jsonResponse("404 Not Found", #"{"message":"No such image: web:3"}"#)
        )
        #expect(try await docker.removeImage("127.0.0.1:5000/web:2.0", force: true))
        #expect(try await docker.removeImage("web:3") == false)
        #expect(requestLine(connector.requests[0]) == "DELETE /v1.41/images/127.0.0.1:5000/web:2.0?force=1 HTTP/1.1")
        #expect(requestLine(connector.requests[1]) == "DELETE /v1.41/images/web:3?force=0 HTTP/1.1")
    }

    @Test("archive info decodes the path-stat header and is nil for a missing path")
    func archiveInfo() async throws {
        let stat = #"{"name":"status","size":4096,"mode":2147484141,"mtime":"2024-01-01T00:00:00Z","linkTarget":""}"#
        let header = Data(stat.utf8).base64EncodedString()
        let (docker, connector) = client(
            .response(crlf("HTTP/1.1 200 OK\nX-Docker-Container-Path-Stat: \(header)\nContent-Length: 0\n\n"), hangs: true),
            .response(crlf("HTTP/1.1 404 Not Found\nContent-Length: 60\n\n"), hangs: true)
        )
        let info = try #require(try await docker.archiveInfo(of: "web", path: "/var/lib/dpkg/status"))
        #expect(info.name == "status")
        #expect(info.isDirectory)
        #expect(info.permissions == 0o755)
        #expect(try await docker.archiveInfo(of: "web", path: "/nope") == nil)
        #expect(requestLine(connector.requests[0]) == "HEAD /v1.41/containers/web/archive?path=%2Fvar%2Flib%2Fdpkg%2Fstatus HTTP/1.1")
    }

    @Test("getting an archive returns the tar bytes; a missing path is notFound")
    func archive() async throws {
        let tar = [UInt8](repeating: 7, count: 3000)
        let (docker, _) = client(
            .response(Array(crlf("HTTP/1.1 200 OK\nContent-Type: application/x-tar\nContent-Length: 3000\n\n").utf8) + tar, pieceSize: 512),
            jsonResponse("404 Not Found", #"{"message":"Could not find the file /nope in container web"}"#)
        )
        #expect(try await docker.archive(of: "web", path: "/etc") == tar)
        let error = await #expect(throws: DockerError.self) { try await docker.archive(of: "web", path: "/nope") }
        #expect(error?.code == .notFound)
        #expect(error?.message == "Could not find the file /nope in container web")
    }

    @Test("putting an archive sends the tar as the body")
    func putArchive() async throws {
        let (docker, connector) = client(.response(crlf("HTTP/1.1 200 OK\nContent-Length: 0\n\n")))
        try await docker.putArchive(into: "web", path: "/data", tar: Array("TARBYTES".utf8))
        let request = connector.requests[0]
        #expect(requestLine(request) == "PUT /v1.41/containers/web/archive?path=%2Fdata HTTP/1.1")
        #expect(request.contains("\r\nContent-Type: application/x-tar\r\n"))
        #expect(request.hasSuffix("\r\n\r\nTARBYTES"))
    }

    @Test("volumes are listed, created with labels, inspected and removed")
    func volumes() async throws {
        let (docker, connector) = client(
            jsonResponse(#"{"Volumes":[{"Name":"data","Driver":"local","Mountpoint":"/m","Labels":null,"Scope":"local"}],"Warnings":null}"#),
            jsonResponse("201 Created", #"{"Name":"data.molt-trial","Driver":"local","Labels":{"molt.trial":"r1"}}"#),
            jsonResponse("404 Not Found", #"{"message":"get x: no such volume"}"#),
            .response(crlf("HTTP/1.1 204 No Content\n\n"))
        )
        #expect(try await docker.listVolumes().map(\.name) == ["data"])
        let created = try await docker.createVolume(name: "data.molt-trial", labels: ["molt.trial": "r1"])
        #expect(created.labels == ["molt.trial": "r1"])
        #expect(try await docker.inspectVolume("x") == nil)
        try await docker.removeVolume("data.molt-trial")
        #expect(connector.requests[1].hasSuffix(#"{"Driver":"local","Labels":{"molt.trial":"r1"},"Name":"data.molt-trial"}"#))
        #expect(requestLine(connector.requests[3]) == "DELETE /v1.41/volumes/data.molt-trial HTTP/1.1")
    }

    @Test("connecting a network sends the container and its endpoint configuration")
    func connectNetwork() async throws {
        let (docker, connector) = client(.response(crlf("HTTP/1.1 200 OK\nContent-Length: 0\n\n")))
        try await docker.connectNetwork("back", container: "abc", endpointConfig: ["Aliases": ["db"]])
        #expect(requestLine(connector.requests[0]) == "POST /v1.41/networks/back/connect HTTP/1.1")
        #expect(connector.requests[0].hasSuffix(#"{"Container":"abc","EndpointConfig":{"Aliases":["db"]}}"#))
    }

    @Test("waiting for a container returns its exit code")
    func wait() async throws {
        let (docker, connector) = client(jsonResponse(#"{"StatusCode":137,"Error":null}"#))
        #expect(try await docker.waitContainer("helper", timeout: .seconds(60)) == 137)
        #expect(requestLine(connector.requests[0]) == "POST /v1.41/containers/helper/wait?condition=not-running HTTP/1.1")
    }
}

/// Values collected from a `@Sendable` callback.
final class Collected<Value: Sendable>: Sendable {
    private let storage = Mutex<[Value]>([])
    func append(_ value: Value) { storage.withLock { $0.append(value) } }
    var values: [Value] { storage.withLock { $0 } }
}
