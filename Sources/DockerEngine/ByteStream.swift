/// A bidirectional byte stream that carries HTTP exchanges with a Docker engine.
///
/// An SSH `direct-streamlocal@openssh.com` channel or a local Unix socket connection.
/// This module knows nothing of SSH: the code that owns an SSH session adapts its channels
/// to this protocol.
public protocol ByteStream: Sendable {
    /// Writes all of `bytes`, waiting as long as the peer needs to take them.
    func write(_ bytes: [UInt8]) async throws
    /// Reads up to `maxLength` bytes; returns an empty array only at end of stream.
    func read(maxLength: Int) async throws -> [UInt8]
    /// Closes the stream in both directions; safe to call more than once.
    ///
    /// A read or write pending in another task must then return promptly, failing or
    /// reporting the end of the stream: closing is how deadlines and cancellation stop an
    /// exchange.
    func close() async
}

/// Opens new byte streams to one Docker engine, one per HTTP exchange or connection.
public protocol ByteStreamConnector: Sendable {
    /// A fresh stream to the engine's API socket.
    func connect() async throws -> any ByteStream
}
