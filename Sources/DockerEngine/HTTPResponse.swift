/// A response whose body has been read in full.
public struct HTTPResponse: Sendable {
    /// The status code, such as 200 or 404.
    public var status: Int
    /// The reason phrase the server sent, such as `Not Found`.
    public var reason: String
    /// The header fields.
    public var headers: HTTPHeaderFields
    /// The body, without transfer framing.
    public var body: [UInt8]

    /// A response given whole, for tests and fakes.
    public init(status: Int, reason: String = "", headers: HTTPHeaderFields = [:], body: [UInt8] = []) {
        self.status = status
        self.reason = reason
        self.headers = headers
        self.body = body
    }

    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200..<300).contains(status) }
}

/// A response whose body is read as the consumer asks for it.
///
/// Only valid inside the ``HTTPClient/withStreamingResponse(to:timeout:idleTimeout:_:)`` closure that
/// produced it: the stream is closed when the closure returns.
public struct HTTPStreamingResponse: Sendable {
    /// The status code, such as 200 or 404.
    public var status: Int
    /// The reason phrase the server sent.
    public var reason: String
    /// The header fields.
    public var headers: HTTPHeaderFields
    /// The body, chunk by chunk, without transfer framing.
    public var body: HTTPBody

    /// Whether the status is 2xx.
    public var isSuccess: Bool { (200..<300).contains(status) }
}

/// The body of a streamed response, as chunks of bytes in arrival order.
///
/// Bytes are read from the stream only when the next chunk is asked for, so a slow consumer
/// slows the sender down instead of filling memory. Iterating again continues where the
/// last iteration stopped.
public struct HTTPBody: AsyncSequence, Sendable {
    public typealias Element = [UInt8]

    let reader: HTTPResponseReader

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(reader: reader)
    }

    /// Reads the rest of the body into memory, failing with ``HTTPError/Code/bodyTooLarge``
    /// beyond `limit` bytes.
    public func collect(upTo limit: Int) async throws -> [UInt8] {
        var bytes: [UInt8] = []
        for try await chunk in self {
            guard bytes.count + chunk.count <= limit else {
                throw HTTPError(.bodyTooLarge, "the response body is larger than \(limit) bytes")
            }
            bytes += chunk
        }
        return bytes
    }

    /// Reads the body piece by piece from the response reader.
    public struct AsyncIterator: AsyncIteratorProtocol {
        let reader: HTTPResponseReader

        public mutating func next() async throws -> [UInt8]? {
            try await reader.nextBodyChunk()
        }
    }
}
