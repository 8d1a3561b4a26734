import NIOCore
import NIOHTTP1

/// An HTTP/1.1 client that sends each request over a fresh byte stream from a connector.
///
/// One stream carries one exchange: the request says `Connection: close` and the stream is
/// closed once the response has been read, or as soon as the deadline passes or the task is
/// cancelled. Framing is NIO's: Content-Length, chunked and close-delimited bodies, bodiless
/// `HEAD`, 204 and 304 responses, and interim 1xx responses skipped.
public struct HTTPClient: Sendable {
    /// Where streams come from.
    public var connector: any ByteStreamConnector
    /// Limits and fixed header values.
    public var configuration: Configuration

    /// Limits and fixed header values of an ``HTTPClient``.
    public struct Configuration: Sendable {
        /// The `Host` header. The Docker engine requires one and ignores its value.
        public var host: String
        /// The `User-Agent` header.
        public var userAgent: String
        /// The largest body ``HTTPClient/send(_:timeout:idleTimeout:)`` collects.
        public var maxBodySize: Int
        /// The largest response head (status line and header fields) accepted; also the most
        /// bytes of framing (chunk sizes and extensions, trailers) a body may carry between
        /// two pieces of data.
        public var maxHeadSize: Int
        /// The most header fields a response head, or its trailers, may have.
        public var maxHeaderCount: Int
        /// How many bytes to ask the stream for at a time.
        public var readSize: Int

        /// Limits and header values, each defaulting to what suits the Docker engine (which
        /// sends fewer than a dozen header fields).
        public init(
            host: String = "docker",
            userAgent: String = "molt",
            maxBodySize: Int = 64 << 20,
            maxHeadSize: Int = 64 << 10,
            maxHeaderCount: Int = 100,
            readSize: Int = 64 << 10
        ) {
            self.host = host
            self.userAgent = userAgent
            self.maxBodySize = maxBodySize
            self.maxHeadSize = maxHeadSize
            self.maxHeaderCount = maxHeaderCount
            self.readSize = readSize
        }
    }

    /// A client whose exchanges each run on a new stream from `connector`.
    public init(connector: any ByteStreamConnector, configuration: Configuration = Configuration()) {
        self.connector = connector
        self.configuration = configuration
    }

    /// Sends `request` and reads the whole response.
    ///
    /// - Parameters:
    ///   - timeout: the time the whole exchange may take; `nil` waits as long as it takes.
    ///   - idleTimeout: the longest the peer may stay silent; `nil` for no such limit.
    /// - Throws: ``HTTPError`` when the exchange fails (``HTTPError/Code/bodyTooLarge`` as soon
    ///   as the head announces a body above ``Configuration/maxBodySize``),
    ///   `CancellationError` when the task is cancelled.
    public func send(_ request: HTTPRequest, timeout: Duration? = nil, idleTimeout: Duration? = nil) async throws -> HTTPResponse {
        let limit = configuration.maxBodySize
        return try await withStreamingResponse(to: request, timeout: timeout, idleTimeout: idleTimeout) { response in
            // A HEAD response's length is the resource's, not that of a body it never has.
            if request.method != .head, let announced = response.headers["Content-Length"].flatMap({ Int($0) }),
                announced > limit
            {
                throw HTTPError(.bodyTooLarge, "the response announces a body of \(announced) bytes, more than the limit of \(limit)")
            }
            return HTTPResponse(
                status: response.status,
                reason: response.reason,
                headers: response.headers,
                body: try await response.body.collect(upTo: limit)
            )
        }
    }

    /// Sends `request` and hands the response to `body` as soon as its head has arrived.
    ///
    /// The body is read as `body` iterates it; the stream is closed when `body` returns, so
    /// whatever it has not read is abandoned.
    ///
    /// - Parameters:
    ///   - timeout: the time the whole exchange may take, `body` included; `nil` waits as long
    ///     as it takes.
    ///   - idleTimeout: the longest the peer may stay silent, for long streams that are alive
    ///     as long as they progress (a pull, an archive); `nil` for no such limit.
    public func withStreamingResponse<R>(
        to request: HTTPRequest,
        timeout: Duration? = nil,
        idleTimeout: Duration? = nil,
        _ body: (HTTPStreamingResponse) async throws -> R
    ) async throws -> R {
        let deadline = ExchangeDeadline(timeout: timeout, idleTimeout: idleTimeout)
        do {
            let stream = try await connect(deadline)
            return try await deadline.guarding(stream) {
                let codec = try await HTTPWireCodec(
                    maxHeaderSize: configuration.maxHeadSize, maxHeaderCount: configuration.maxHeaderCount)
                do {
                    try await write(request, to: stream, codec: codec, deadline: deadline)
                    let reader = HTTPResponseReader(
                        stream: stream,
                        codec: codec,
                        deadline: deadline,
                        readSize: configuration.readSize,
                        maxHeadSize: configuration.maxHeadSize,
                        maxHeaderCount: configuration.maxHeaderCount
                    )
                    let head = try await reader.readHead()
                    let response = HTTPStreamingResponse(
                        status: Int(head.status.code),
                        reason: head.status.reasonPhrase,
                        headers: HTTPHeaderFields(head.headers.map { ($0.name, $0.value) }),
                        body: HTTPBody(reader: reader)
                    )
                    let result = try await body(response)
                    await codec.close()
                    // The exchange is over and its answer whole. Closing the stream waits for
                    // the peer's goodbye, over SSH a round trip more, which the caller need
                    // not wait for.
                    Task { await stream.close() }
                    return result
                } catch {
                    await codec.close()
                    await stream.close()
                    throw error
                }
            }
        } catch var error as HTTPError {
            if error.request == nil { error.request = request.summary }
            throw error
        }
    }

    private func connect(_ deadline: ExchangeDeadline) async throws -> any ByteStream {
        let connector = self.connector
        do {
            return try await deadline.opening { try await connector.connect() }
        } catch let error as HTTPError {
            throw error
        } catch let error as CancellationError {
            throw error
        } catch {
            if Task.isCancelled { throw CancellationError() }
            throw HTTPError(.transport, "cannot open a stream to the engine", underlying: error)
        }
    }

    private func write(_ request: HTTPRequest, to stream: any ByteStream, codec: HTTPWireCodec, deadline: ExchangeDeadline) async throws {
        var headers = HTTPHeaders()
        headers.add(name: "Host", value: request.headers["Host"] ?? configuration.host)
        headers.add(name: "User-Agent", value: request.headers["User-Agent"] ?? configuration.userAgent)
        for field in request.headers where !Self.managedHeaders.contains(field.name.lowercased()) {
            headers.add(name: field.name, value: field.value)
        }
        let method = HTTPMethod(rawValue: request.method.rawValue)
        var wholeBody: [UInt8]?
        var streamedBody: AsyncThrowingStream<[UInt8], any Error>?
        switch request.body {
        case .none:
            if request.method == .post || request.method == .put {
                headers.add(name: "Content-Length", value: "0")
            }
        case .bytes(let bytes):
            headers.add(name: "Content-Length", value: String(bytes.count))
            wholeBody = bytes
        case .stream(let chunks):
            headers.add(name: "Transfer-Encoding", value: "chunked")
            streamedBody = chunks
        }
        headers.add(name: "Connection", value: "close")
        let head = HTTPRequestHead(version: .http1_1, method: method, uri: request.target, headers: headers)

        try await send(try await codec.encode(head, body: wholeBody, end: streamedBody == nil), to: stream, deadline: deadline)
        if let streamedBody {
            for try await chunk in streamedBody {
                try await send(try await codec.encodeBodyPart(chunk), to: stream, deadline: deadline)
            }
            try await send(try await codec.encodeBodyPart(nil), to: stream, deadline: deadline)
        }
    }

    /// Writes `bytes` in pieces of at most a mebibyte, so that a large body shows progress to
    /// the idle limit as it goes.
    private func send(_ bytes: [UInt8], to stream: any ByteStream, deadline: ExchangeDeadline) async throws {
        var offset = 0
        while offset < bytes.count {
            let end = min(offset + (1 << 20), bytes.count)
            do {
                try await stream.write(offset == 0 && end == bytes.count ? bytes : Array(bytes[offset..<end]))
            } catch {
                throw HTTPError(.transport, "sending the request failed", underlying: error)
            }
            deadline.noteActivity()
            offset = end
        }
    }

    /// Headers the client writes itself, whatever the request says.
    private static let managedHeaders: Set<String> = [
        "host", "user-agent", "content-length", "transfer-encoding", "connection",
    ]
}
