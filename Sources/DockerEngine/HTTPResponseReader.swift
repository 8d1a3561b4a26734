import NIOCore
import NIOHTTP1

/// Reads one HTTP response from a byte stream, pulling bytes only when asked for more.
actor HTTPResponseReader {
    private let stream: any ByteStream
    private let codec: HTTPWireCodec
    private let deadline: ExchangeDeadline
    private let readSize: Int
    private let maxHeadSize: Int
    private let maxHeaderCount: Int

    private var parts: [HTTPClientResponsePart] = []
    private var nextPart = 0
    private var sawHead = false
    private var sawEnd = false
    private var sawEndOfStream = false
    private var bytesBeforeHead = 0
    /// Bytes read since the last response part: framing only (chunk sizes, extensions,
    /// trailers), which a peer could otherwise send forever without a byte of body.
    private var bytesWithoutPart = 0
    private var failure: (any Error)?

    init(
        stream: any ByteStream, codec: HTTPWireCodec, deadline: ExchangeDeadline, readSize: Int, maxHeadSize: Int,
        maxHeaderCount: Int
    ) {
        self.stream = stream
        self.codec = codec
        self.deadline = deadline
        self.readSize = readSize
        self.maxHeadSize = maxHeadSize
        self.maxHeaderCount = maxHeaderCount
    }

    /// Reads up to the end of the response head.
    func readHead() async throws -> HTTPResponseHead {
        while true {
            if let part = popPart() {
                guard case .head(let head) = part else {
                    throw fail(HTTPError(.malformedResponse, "the response has a body part before its head"))
                }
                sawHead = true
                return head
            }
            try await fill()
        }
    }

    /// The next piece of the body, joining every piece already parsed; `nil` after the end.
    func nextBodyChunk() async throws -> [UInt8]? {
        if let failure { throw failure }
        var bytes: [UInt8] = []
        while !sawEnd {
            guard let part = popPart() else {
                if !bytes.isEmpty { return bytes }
                try await fill()
                continue
            }
            switch part {
            case .body(let buffer):
                bytes += buffer.readableBytesView
            case .end:
                sawEnd = true
            case .head:
                throw fail(HTTPError(.malformedResponse, "the response has a second head"))
            }
        }
        return bytes.isEmpty ? nil : bytes
    }

    private func popPart() -> HTTPClientResponsePart? {
        guard nextPart < parts.count else { return nil }
        defer {
            nextPart += 1
            if nextPart == parts.count {
                parts = []
                nextPart = 0
            }
        }
        return parts[nextPart]
    }

    /// Reads once from the stream and parses what arrives.
    private func fill() async throws {
        if let failure { throw failure }
        if sawEndOfStream {
            throw fail(HTTPError(.malformedResponse, "the connection closed before the response was complete"))
        }
        let bytes: [UInt8]
        do {
            bytes = try await stream.read(maxLength: readSize)
            deadline.noteActivity()
        } catch {
            throw fail(HTTPError(.transport, "reading the response failed", underlying: error))
        }
        do {
            if bytes.isEmpty {
                sawEndOfStream = true
                parts += try await codec.decodeEndOfStream()
                if !sawHead && parts.isEmpty && bytesBeforeHead == 0 {
                    throw HTTPError(.malformedResponse, "the connection closed without a response")
                }
            } else {
                if !sawHead {
                    bytesBeforeHead += bytes.count
                }
                let decoded = try await codec.decode(bytes)
                parts += decoded
                if !sawHead && bytesBeforeHead > maxHeadSize && !parts.contains(where: \.isHead) {
                    throw HTTPError(.malformedResponse, "the response head is larger than \(maxHeadSize) bytes")
                }
                bytesWithoutPart = decoded.isEmpty ? bytesWithoutPart + bytes.count : 0
                if sawHead && bytesWithoutPart > maxHeadSize {
                    throw HTTPError(
                        .malformedResponse,
                        "the response body has more than \(maxHeadSize) bytes of framing (chunk sizes, extensions or trailers) without data")
                }
            }
        } catch let error as HTTPError {
            throw fail(error)
        } catch {
            throw fail(HTTPError(.malformedResponse, describe(parserError: error)))
        }
    }

    /// Records the first failure so later calls repeat it, translated if the deadline expired
    /// or the task was cancelled, since closing the stream is what made the exchange fail.
    private func fail(_ error: HTTPError) -> any Error {
        let final = deadline.translate(error)
        if failure == nil { failure = final }
        return final
    }

    private func describe(parserError error: any Error) -> String {
        guard let error = error as? HTTPParserError else {
            return "the response could not be parsed: \(error)"
        }
        switch error {
        case .invalidEOFState, .closedConnection:
            return "the connection closed before the response was complete"
        case .headerOverflow:
            return "the response head or its trailers have more than \(maxHeadSize) bytes or \(maxHeaderCount) header fields"
        case .invalidStatus, .invalidVersion, .invalidConstant, .lfExpected, .strictModeAssertion:
            return "the response does not start with a valid HTTP/1.1 status line"
        case .invalidChunkSize:
            return "the response has an invalid chunk size"
        case .invalidContentLength, .unexpectedContentLength:
            return "the response has an invalid Content-Length"
        case .invalidHeaderToken, .invalidCharactersUsed:
            return "the response has an invalid header field"
        default:
            return "the response could not be parsed (\(error))"
        }
    }
}

extension HTTPClientResponsePart {
    fileprivate var isHead: Bool {
        if case .head = self { return true }
        return false
    }
}
