import Foundation
import Testing

@testable import DockerEngine

@Suite("HTTP/1.1 over a byte stream")
struct HTTPClientTests {
    /// The deadline of exchanges that should finish at once: only a guard against a hang,
    /// generous so that a loaded machine never trips it.
    static let hangGuard: Duration = .seconds(60)

    private func send(_ script: Script, _ request: HTTPRequest = HTTPRequest(.get, "/x"),
                      configuration: HTTPClient.Configuration = .init(), timeout: Duration? = Self.hangGuard) async throws -> HTTPResponse {
        try await HTTPClient(connector: ScriptedConnector(script), configuration: configuration).send(request, timeout: timeout)
    }

    private func text(_ response: HTTPResponse) -> String { String(decoding: response.body, as: UTF8.self) }

    @Test("a Content-Length body is read whole even when it arrives a byte at a time")
    func contentLength() async throws {
        let bytes = Array(crlf("HTTP/1.1 200 OK\nContent-Length: 11\n\nhello world").utf8)
        let response = try await send(.response(bytes, pieceSize: 1, hangs: true))
        #expect(response.status == 200)
        #expect(response.reason == "OK")
        #expect(text(response) == "hello world")
    }

    @Test("a chunked body is reassembled whatever the read boundaries", arguments: [1, 2, 3, 5, 7, 64])
    func chunked(pieceSize: Int) async throws {
        let wire = crlf("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n5\nhello\n1\n \nA\n0123456789\n0\n\n")
        let response = try await send(.response(Array(wire.utf8), pieceSize: pieceSize, hangs: true))
        #expect(text(response) == "hello 0123456789")
    }

    @Test("chunk extensions and trailers are ignored")
    func chunkExtensions() async throws {
        let wire = crlf("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n5;name=value\nhello\n6;x\n world\n0\nX-Trailer: yes\n\n")
        let response = try await send(.response(Array(wire.utf8), pieceSize: 4, hangs: true))
        #expect(text(response) == "hello world")
    }

    @Test("a body without length or chunking ends when the engine closes the stream")
    func closeDelimited() async throws {
        let wire = crlf("HTTP/1.1 200 OK\nContent-Type: application/vnd.docker.raw-stream\n\n") + "raw output\nuntil close"
        let response = try await send(.response(Array(wire.utf8), pieceSize: 3))
        #expect(text(response) == "raw output\nuntil close")
    }

    @Test("a 204 response has no body and does not wait for one")
    func noContent() async throws {
        let response = try await send(.response(crlf("HTTP/1.1 204 No Content\nServer: Docker\n\n"), hangs: true), HTTPRequest(.post, "/x"))
        #expect(response.status == 204)
        #expect(response.body.isEmpty)
    }

    @Test("a HEAD response announces a length but has no body, and does not wait for one")
    func head() async throws {
        let wire = crlf("HTTP/1.1 200 OK\nContent-Length: 1234\nX-Docker-Container-Path-Stat: e30=\n\n")
        let response = try await send(.response(wire, hangs: true), HTTPRequest(.head, "/archive"))
        #expect(response.status == 200)
        #expect(response.body.isEmpty)
        #expect(response.headers["x-docker-container-path-stat"] == "e30=")
    }

    @Test("interim 100 Continue responses are skipped")
    func continueSkipped() async throws {
        let wire = crlf("HTTP/1.1 100 Continue\n\nHTTP/1.1 201 Created\nContent-Length: 2\n\nok")
        let response = try await send(.response(Array(wire.utf8), pieceSize: 5, hangs: true))
        #expect(response.status == 201)
        #expect(text(response) == "ok")
    }

    @Test("a malformed status line is a malformedResponse error", arguments: ["SSH-2.0-OpenSSH_9.2\r\n\r\n", "HTTP/1.1 abc OK\r\n\r\n", "garbage"])
    func malformedStatusLine(wire: String) async throws {
        let error = await #expect(throws: HTTPError.self) { try await send(.response(wire)) }
        #expect(error?.code == .malformedResponse)
        #expect(error?.request == "GET /x")
    }

    @Test("a chunked body cut short is an error, not a hang")
    func truncatedChunked() async throws {
        let wire = crlf("HTTP/1.1 200 OK\nTransfer-Encoding: chunked\n\n10\nonly part")
        let error = await #expect(throws: HTTPError.self) { try await send(.response(wire)) }
        #expect(error?.code == .malformedResponse)
    }

    @Test("a Content-Length body cut short is an error")
    func truncatedLength() async throws {
        let error = await #expect(throws: HTTPError.self) {
            try await send(.response(crlf("HTTP/1.1 200 OK\nContent-Length: 100\n\nshort")))
        }
        #expect(error?.code == .malformedResponse)
    }

    @Test("a stream that closes without a byte is an error")
    func emptyStream() async throws {
        let error = await #expect(throws: HTTPError.self) { try await send(Script(pieces: [])) }
        #expect(error?.code == .malformedResponse)
    }

    @Test("a body above the limit fails with bodyTooLarge")
    func bodyTooLarge() async throws {
        let wire = crlf("HTTP/1.1 200 OK\nContent-Length: 100\n\n") + String(repeating: "x", count: 100)
        let error = await #expect(throws: HTTPError.self) {
            try await send(.response(wire), configuration: .init(maxBodySize: 50))
        }
        #expect(error?.code == .bodyTooLarge)
    }

    @Test("a response head above the limit is refused", arguments: [1, 1000])
    func headTooLarge(pieceSize: Int) async throws {
        let wire = "HTTP/1.1 200 OK\r\nX-Big: " + String(repeating: "a", count: 3000) + "\r\nContent-Length: 0\r\n\r\n"
        let error = await #expect(throws: HTTPError.self) {
            try await send(.response(Array(wire.utf8), pieceSize: pieceSize, hangs: true), configuration: .init(maxHeadSize: 1024))
        }
        #expect(error?.code == .malformedResponse)
    }

    @Test("the request carries method, target, Host, framing and Connection: close")
    func requestBytes() async throws {
        let connector = ScriptedConnector(.response(crlf("HTTP/1.1 204 No Content\n\n")))
        let request = try HTTPRequest(.post, "/v1.41/containers/create", query: [.init("name", "web next")], json: ["Image": "web:2"] as JSONValue)
        _ = try await HTTPClient(connector: connector).send(request, timeout: Self.hangGuard)
        let written = try #require(connector.requests.first)
        let (head, body) = try #require(written.split(headFrom: "\r\n\r\n"))
        let lines = head.components(separatedBy: "\r\n")
        #expect(lines.first == "POST /v1.41/containers/create?name=web%20next HTTP/1.1")
        #expect(lines.contains("Host: docker"))
        #expect(lines.contains("User-Agent: molt"))
        #expect(lines.contains("Content-Type: application/json"))
        #expect(lines.contains("Content-Length: \(body.utf8.count)"))
        #expect(lines.contains("Connection: close"))
        #expect(body == #"{"Image":"web:2"}"#)
        #expect(await connector.allClosed(within: .seconds(10)))
    }

    @Test("a streamed request body is sent chunked")
    func streamedBody() async throws {
        let connector = ScriptedConnector(.response(crlf("HTTP/1.1 200 OK\nContent-Length: 0\n\n")))
        let (chunks, continuation) = AsyncThrowingStream<[UInt8], any Error>.makeStream()
        continuation.yield(Array("abc".utf8))
        continuation.yield(Array("defgh".utf8))
        continuation.finish()
        _ = try await HTTPClient(connector: connector).send(HTTPRequest(.put, "/archive", body: .stream(chunks)), timeout: Self.hangGuard)
        let written = try #require(connector.requests.first)
        #expect(written.lowercased().contains("\r\ntransfer-encoding: chunked\r\n"))
        #expect(!written.lowercased().contains("content-length"))
        #expect(written.hasSuffix("\r\n\r\n3\r\nabc\r\n5\r\ndefgh\r\n0\r\n\r\n"))
    }

    @Test("an engine that never answers times out within the deadline")
    func timeout() async throws {
        let connector = ScriptedConnector(.silent)
        let start = ContinuousClock.now
        let error = await #expect(throws: HTTPError.self) {
            try await HTTPClient(connector: connector).send(HTTPRequest(.get, "/x"), timeout: .milliseconds(200))
        }
        #expect(error?.code == .timeout)
        #expect(error?.message == "no complete response within 200ms")
        // No hang: well within the bound even on a loaded 2-core machine (this is not a benchmark).
        #expect(ContinuousClock.now - start < .seconds(30))
        #expect(await connector.allClosed(within: .seconds(10)))
    }

    @Test("a body that stops halfway times out too")
    func timeoutInBody() async throws {
        let wire = crlf("HTTP/1.1 200 OK\nContent-Length: 100\n\nsome")
        let error = await #expect(throws: HTTPError.self) {
            try await send(.response(wire, hangs: true), timeout: .milliseconds(200))
        }
        #expect(error?.code == .timeout)
    }

    @Test("a connector that never connects times out even if it ignores cancellation")
    func connectTimeout() async throws {
        let start = ContinuousClock.now
        let error = await #expect(throws: HTTPError.self) {
            try await HTTPClient(connector: StuckConnector()).send(HTTPRequest(.get, "/x"), timeout: .milliseconds(200))
        }
        #expect(error?.code == .timeout)
        #expect(ContinuousClock.now - start < .seconds(30))
    }

    @Test("the idle limit lets a slow but steady stream finish and stops a silent one")
    func idleTimeout() async throws {
        // Each gap (600 ms) is a twentieth of the idle limit, the whole exchange (~24 pieces,
        // over 14 s) above it. The limit is long because a gap is also how long the reading task
        // waits for a thread: with 500 tests started at once on two, that was once 7 s.
        let steady = SlowConnector(pieces: Array(crlf("HTTP/1.1 200 OK\nContent-Length: 10\n\n0123456789").utf8).chopped(2), delay: .milliseconds(600), hangs: false)
        let started = ContinuousClock.now
        let response = try await HTTPClient(connector: steady).send(HTTPRequest(.get, "/x"), idleTimeout: .seconds(12))
        #expect(ContinuousClock.now - started > .seconds(12))
        #expect(String(decoding: response.body, as: UTF8.self) == "0123456789")

        let error = await #expect(throws: HTTPError.self) {
            try await HTTPClient(connector: ScriptedConnector(.response(crlf("HTTP/1.1 200 OK\nContent-Length: 10\n\n01"), hangs: true)))
                .send(HTTPRequest(.get, "/x"), idleTimeout: .milliseconds(200))
        }
        #expect(error?.code == .timeout)
        #expect(error?.message == "the engine sent nothing for 200ms")
    }

    @Test("cancelling the task ends a pending exchange at once")
    func cancellation() async throws {
        let connector = ScriptedConnector(.silent)
        let task = Task { try await HTTPClient(connector: connector).send(HTTPRequest(.get, "/x")) }
        try await Task.sleep(for: .milliseconds(100))
        let start = ContinuousClock.now
        task.cancel()
        await #expect(throws: CancellationError.self) { try await task.value }
        #expect(ContinuousClock.now - start < .seconds(30))
        #expect(await connector.allClosed(within: .seconds(10)))
    }

    @Test("a failing stream keeps its own error as the cause")
    func transportError() async throws {
        let connector = ScriptedConnector(Script(pieces: [], readError: ScriptError.custom("channel closed by peer")))
        let error = await #expect(throws: HTTPError.self) {
            try await HTTPClient(connector: connector).send(HTTPRequest(.get, "/x"), timeout: Self.hangGuard)
        }
        #expect(error?.code == .transport)
        #expect(error?.underlying is ScriptError)
        #expect(error?.description.contains("channel closed by peer") == true)
    }
}

/// A connector whose single stream hands out each piece after a delay.
struct SlowConnector: ByteStreamConnector {
    var pieces: [[UInt8]]
    var delay: Duration
    var hangs: Bool

    func connect() async throws -> any ByteStream {
        SlowStream(inner: ScriptedStream(Script(pieces: pieces, hangs: hangs)), delay: delay)
    }
}

struct SlowStream: ByteStream {
    let inner: ScriptedStream
    let delay: Duration

    func write(_ bytes: [UInt8]) async throws { try await inner.write(bytes) }

    func read(maxLength: Int) async throws -> [UInt8] {
        try await Task.sleep(for: delay)
        return try await inner.read(maxLength: maxLength)
    }

    func close() async { await inner.close() }
}

extension String {
    /// The text before and after the first `separator`.
    func split(headFrom separator: String) -> (String, String)? {
        guard let range = range(of: separator) else { return nil }
        return (String(self[..<range.lowerBound]), String(self[range.upperBound...]))
    }
}
