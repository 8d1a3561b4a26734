import Testing

@testable import DockerEngine

/// The engine's answers travel through channels molt does not control: every part of a
/// response that could grow without end has a limit, and malformed framing is an error,
/// never a trap or a hang.
@Suite("Responses from a hostile or broken engine")
struct HostileResponseTests {
    private func send(_ script: Script, _ request: HTTPRequest = HTTPRequest(.get, "/x"),
                      configuration: HTTPClient.Configuration = .init()) async throws -> HTTPResponse {
        // A hang guard, not a speed check: these bodies are parsed a byte at a time, and on a
        // loaded two-core machine that can take seconds; the test is about what is refused.
        try await HTTPClient(connector: ScriptedConnector(script), configuration: configuration).send(request, timeout: .seconds(120))
    }

    private func failure(_ wire: String, _ request: HTTPRequest = HTTPRequest(.get, "/x"), pieceSize: Int = 7,
                         configuration: HTTPClient.Configuration = .init()) async -> HTTPError? {
        await #expect(throws: HTTPError.self) {
            // The stream stays open after the bytes: only a limit, not the end, can stop the read.
            try await send(.response(Array(wire.utf8), pieceSize: pieceSize, hangs: true), request, configuration: configuration)
        }
    }

    private func head(fields count: Int) -> String {
        "HTTP/1.1 200 OK\r\n" + (0..<count - 1).map { "X-Field-\($0): v\r\n" }.joined() + "Content-Length: 2\r\n\r\nok"
    }

    @Test("a head with more header fields than the limit is refused; one at the limit is read")
    func headerCount() async throws {
        let configuration = HTTPClient.Configuration(maxHeaderCount: 10)
        let accepted = try await send(.response(head(fields: 10), hangs: true), configuration: configuration)
        #expect(accepted.body == Array("ok".utf8))
        let error = await failure(head(fields: 11), configuration: configuration)
        #expect(error?.code == .malformedResponse)
        #expect(error?.message.contains("10 header fields") == true, "\(error?.message ?? "")")
    }

    @Test("the default header count limit holds against thousands of tiny fields within the size limit")
    func manyTinyFields() async {
        let wire = "HTTP/1.1 200 OK\r\n" + String(repeating: "a:\r\n", count: 5000) + "Content-Length: 0\r\n\r\n"
        let error = await failure(wire, pieceSize: 4096)
        #expect(error?.code == .malformedResponse)
    }

    @Test("trailers are bounded like a head")
    func trailers() async {
        let trailer = "X-Trailer: " + String(repeating: "t", count: 2000) + "\r\n"
        let wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nok\r\n0\r\n" + trailer + "\r\n"
        let error = await failure(wire, configuration: .init(maxHeadSize: 1024))
        #expect(error?.code == .malformedResponse)
    }

    @Test(
        "a chunk size that is not hex or overflows 64 bits is malformed, never a trap",
        arguments: ["1ffffffffffffffff", "ffffffffffffffffffffffffffffffff", "-1", "0x10", "zz", " "])
    func chunkSize(size: String) async {
        let wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n\(size)\r\nhello\r\n0\r\n\r\n"
        let error = await failure(wire)
        #expect(error?.code == .malformedResponse)
    }

    @Test("a chunk announcing exabytes is read only up to the body limit")
    func hugeChunk() async {
        let wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n7fffffffffffffff\r\n" + String(repeating: "x", count: 200)
        let error = await failure(wire, configuration: .init(maxBodySize: 50))
        #expect(error?.code == .bodyTooLarge)
    }

    @Test("a Content-Length above the body limit is refused from the head, before any body is read")
    func announcedLength() async {
        let wire = "HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\n"
        let error = await failure(wire, configuration: .init(maxBodySize: 50))
        #expect(error?.code == .bodyTooLarge)
        #expect(error?.message.contains("9223372036854775807") == true)
    }

    @Test("a Content-Length beyond 64 bits or not a number is malformed", arguments: ["99999999999999999999999", "-5", "1e3", "5, 6"])
    func badLength(length: String) async {
        let error = await failure("HTTP/1.1 200 OK\r\nContent-Length: \(length)\r\n\r\nhello")
        #expect(error?.code == .malformedResponse)
    }

    @Test("a HEAD response may announce any length: it has no body")
    func headLength() async throws {
        let wire = "HTTP/1.1 200 OK\r\nContent-Length: 9223372036854775807\r\n\r\n"
        let response = try await send(.response(wire, hangs: true), HTTPRequest(.head, "/x"), configuration: .init(maxBodySize: 50))
        #expect(response.status == 200)
        #expect(response.body.isEmpty)
    }

    @Test("endless chunk extensions are cut off at the framing limit instead of being read forever")
    func chunkExtensions() async {
        let wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5;" + String(repeating: "a", count: 5000)
        let error = await failure(wire, pieceSize: 100, configuration: .init(maxHeadSize: 1024))
        #expect(error?.code == .malformedResponse)
        #expect(error?.message.contains("framing") == true, "\(error?.message ?? "")")
    }

    @Test("a chunked body read a byte at a time is not mistaken for endless framing")
    func slowChunks() async throws {
        let wire = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + String(repeating: "3\r\nabc\r\n", count: 400) + "0\r\n\r\n"
        let response = try await send(.response(Array(wire.utf8), pieceSize: 1, hangs: true), configuration: .init(maxHeadSize: 64))
        #expect(response.body.count == 1200)
    }

    @Test("an endless stream of interim 1xx responses is bounded like a head")
    func interimResponses() async {
        let error = await failure(String(repeating: "HTTP/1.1 100 Continue\r\n\r\n", count: 200), configuration: .init(maxHeadSize: 1024))
        #expect(error?.code == .malformedResponse)
    }

    @Test("a pull progress line that never ends fails at the document limit; complete lines never add up")
    func endlessProgressLine() throws {
        var splitter = JSONStreamSplitter(maxDocumentSize: 64)
        for _ in 0..<100 {
            #expect(try splitter.split(Array(#"{"status":"Downloading","id":"a1"}"#.utf8) + [13, 10]).count == 1)
        }
        #expect(try splitter.split(Array(#"{"status":""#.utf8)).isEmpty)
        #expect(throws: DockerError.self) {
            try splitter.split(Array(repeating: UInt8(ascii: "x"), count: 64))
        }
        var unterminated = JSONStreamSplitter(maxDocumentSize: 64)
        #expect(throws: DockerError.self) {
            try unterminated.split(Array(#""a string outside any document that never ends"#.utf8) + Array(repeating: 32, count: 40))
        }
    }
}
