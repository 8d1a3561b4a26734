import DockerEngine
import FuzzSupport

/// The engine's answer, as it arrives over an SSH channel that anyone between molt and the
/// engine could write to: the HTTP/1.1 response reader (status line, header fields,
/// Content-Length, chunked and close-delimited bodies), read whole or as a stream.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzHTTPResponse(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    runBlocking {
        let client = HTTPClient(
            connector: ReplayConnector(pieces: input.pieces()),
            configuration: .init(maxBodySize: 64 << 10, maxHeadSize: 4 << 10, readSize: 4 << 10))
        let method = input.pick([HTTPRequest.Method.get, .head, .post], salt: 1)
        if input.pick([true, false], salt: 2) {
            _ = try? await client.send(HTTPRequest(method, "/fuzz"))
        } else {
            _ = try? await client.withStreamingResponse(to: HTTPRequest(method, "/fuzz")) { response in
                var total = 0
                for try await chunk in response.body { total += chunk.count }
                return total
            }
        }
    }
    return 0
}

/// Streams that hand out the input's pieces, one per read, then report the end.
struct ReplayConnector: ByteStreamConnector {
    let pieces: [[UInt8]]

    func connect() async throws -> any ByteStream {
        ReplayStream(pieces: pieces)
    }
}

actor ReplayStream: ByteStream {
    private var pieces: [[UInt8]]
    private var next = 0

    init(pieces: [[UInt8]]) {
        self.pieces = pieces
    }

    func write(_ bytes: [UInt8]) async throws {}

    func read(maxLength: Int) async throws -> [UInt8] {
        guard next < pieces.count else { return [] }
        let piece = pieces[next]
        if piece.count > maxLength {
            pieces[next] = Array(piece[maxLength...])
            return Array(piece[..<maxLength])
        }
        next += 1
        return piece
    }

    func close() async {
        next = pieces.count
    }
}
