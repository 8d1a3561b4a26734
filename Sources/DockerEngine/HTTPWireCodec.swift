import NIOCore
import NIOEmbedded
import NIOHTTP1

/// NIO's HTTP/1.1 request encoder and response parser, driven by hand instead of by a socket.
///
/// Request parts go in and bytes for the stream come out; bytes from the stream go in and
/// response parts come out. The encoder and decoder share one pipeline so the decoder sees
/// each request's method and knows a `HEAD` response has no body.
///
/// The channel is a `NIOAsyncTestingChannel` rather than an `EmbeddedChannel`: the latter may
/// only be used from the thread that created it, which async code cannot promise. Every step
/// runs on the channel's own serial queue.
final class HTTPWireCodec: Sendable {
    private let channel: NIOAsyncTestingChannel
    private let loop: NIOAsyncTestingEventLoop
    private let handlers: NIOLoopBound<Handlers>

    private struct Handlers {
        let capture: OutboundCapture
        let sink: ResponseSink
    }

    /// A codec whose parser refuses a head or trailers above `maxHeaderSize` bytes or
    /// `maxHeaderCount` fields.
    init(maxHeaderSize: Int, maxHeaderCount: Int) async throws {
        let loop = NIOAsyncTestingEventLoop()
        let channel = NIOAsyncTestingChannel(loop: loop)
        self.loop = loop
        self.channel = channel
        self.handlers = try await loop.executeInContext {
            var limits = NIOHTTPDecoderLimitConfiguration()
            limits.maxHeaderFieldSize = maxHeaderSize
            limits.maxHeaderListSize = maxHeaderSize
            limits.maxHeaderFieldCount = maxHeaderCount
            let decoder = HTTPResponseDecoder(
                // Nothing here asks for an upgrade, so there are never bytes left over to forward.
                leftOverBytesStrategy: .dropBytes,
                informationalResponseStrategy: .drop,
                limitConfiguration: limits
            )
            let handlers = Handlers(capture: OutboundCapture(), sink: ResponseSink())
            try channel.pipeline.syncOperations.addHandlers([
                handlers.capture,
                HTTPRequestEncoder(),
                ByteToMessageHandler(decoder),
                handlers.sink,
            ])
            return NIOLoopBound(handlers, eventLoop: loop)
        }
    }

    /// The wire bytes for a request head, or for a head, a whole body and the end.
    func encode(_ head: HTTPRequestHead, body: [UInt8]?, end: Bool) async throws -> [UInt8] {
        try await loop.executeInContext { [channel, handlers] in
            let pipeline = channel.pipeline.syncOperations
            pipeline.write(NIOAny(HTTPClientRequestPart.head(head)), promise: nil)
            if let body, !body.isEmpty {
                let buffer = channel.allocator.buffer(bytes: body)
                pipeline.write(NIOAny(HTTPClientRequestPart.body(.byteBuffer(buffer))), promise: nil)
            }
            if end {
                pipeline.write(NIOAny(HTTPClientRequestPart.end(nil)), promise: nil)
            }
            pipeline.flush()
            return handlers.value.capture.take()
        }
    }

    /// The wire bytes for one more piece of a streamed body, or for its end when `chunk` is nil.
    func encodeBodyPart(_ chunk: [UInt8]?) async throws -> [UInt8] {
        try await loop.executeInContext { [channel, handlers] in
            let pipeline = channel.pipeline.syncOperations
            if let chunk {
                guard !chunk.isEmpty else { return [] }  // an empty chunk would end a chunked body
                let buffer = channel.allocator.buffer(bytes: chunk)
                pipeline.write(NIOAny(HTTPClientRequestPart.body(.byteBuffer(buffer))), promise: nil)
            } else {
                pipeline.write(NIOAny(HTTPClientRequestPart.end(nil)), promise: nil)
            }
            pipeline.flush()
            return handlers.value.capture.take()
        }
    }

    /// Parses `bytes` from the peer; returns the response parts they complete.
    func decode(_ bytes: [UInt8]) async throws -> [HTTPClientResponsePart] {
        try await loop.executeInContext { [channel, handlers] in
            let buffer = channel.allocator.buffer(bytes: bytes)
            channel.pipeline.syncOperations.fireChannelRead(NIOAny(buffer))
            channel.pipeline.syncOperations.fireChannelReadComplete()
            return try handlers.value.sink.take()
        }
    }

    /// Tells the parser the peer closed the stream; returns the parts this completes, such
    /// as the end of a body delimited by the close, or fails if the response was cut short.
    func decodeEndOfStream() async throws -> [HTTPClientResponsePart] {
        try await loop.executeInContext { [channel, handlers] in
            channel.close(promise: nil)
            return try handlers.value.sink.take()
        }
    }

    /// Releases the channel; safe to call more than once.
    func close() async {
        try? await loop.executeInContext { [channel] in
            channel.close(promise: nil)
        }
    }

    deinit {
        // The channel's close promise must complete before the loop is freed.
        channel.close(promise: nil)
    }
}

/// Collects the encoded request bytes at the head of the pipeline.
private final class OutboundCapture: ChannelOutboundHandler {
    typealias OutboundIn = IOData

    private var bytes: [UInt8] = []

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        switch unwrapOutboundIn(data) {
        case .byteBuffer(let buffer):
            bytes += buffer.readableBytesView
        case .fileRegion:
            preconditionFailure("the HTTP encoder never writes file regions")
        }
        promise?.succeed()
    }

    func take() -> [UInt8] {
        defer { bytes = [] }
        return bytes
    }
}

/// Collects parsed response parts, and the first parser error, at the tail of the pipeline.
private final class ResponseSink: ChannelInboundHandler {
    typealias InboundIn = HTTPClientResponsePart

    private var parts: [HTTPClientResponsePart] = []
    private var error: (any Error)?

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        parts.append(unwrapInboundIn(data))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        if self.error == nil { self.error = error }
    }

    /// The parts parsed so far; throws the parser's error once they are taken.
    func take() throws -> [HTTPClientResponsePart] {
        if parts.isEmpty, let error {
            throw error
        }
        defer { parts = [] }
        return parts
    }
}
