import Foundation
import Dispatch
import Synchronization

@testable import DockerEngine

/// What one scripted connection does.
struct Script: Sendable {
    /// The bytes the "engine" sends, each element handed out by one read.
    var pieces: [[UInt8]]
    /// After the pieces, keep the stream open (reads wait) until it is closed, instead of
    /// reporting the end of the stream.
    var hangs = false
    /// Thrown by `connect()` instead of opening the stream.
    var connectError: (any Error)?
    /// Thrown by the first read after the pieces, instead of ending the stream.
    var readError: (any Error)?

    /// A response sent whole in one read.
    static func response(_ text: String, hangs: Bool = false) -> Script {
        Script(pieces: [Array(text.utf8)], hangs: hangs)
    }

    /// A response cut into pieces of `size` bytes.
    static func response(_ bytes: [UInt8], pieceSize: Int, hangs: Bool = false) -> Script {
        Script(pieces: bytes.chopped(pieceSize), hangs: hangs)
    }

    /// A connection whose engine never answers.
    static let silent = Script(pieces: [], hangs: true)
}

/// A fake engine socket: each `connect()` plays the next script and records what was written.
final class ScriptedConnector: ByteStreamConnector {
    private let scripts: Mutex<[Script]>
    private let streams = Mutex<[ScriptedStream]>([])

    init(_ scripts: [Script]) {
        self.scripts = Mutex(scripts)
    }

    convenience init(_ scripts: Script...) {
        self.init(scripts)
    }

    func connect() async throws -> any ByteStream {
        let script = scripts.withLock { $0.isEmpty ? nil : $0.removeFirst() }
        guard let script else { throw ScriptError.noMoreConnections }
        if let error = script.connectError { throw error }
        let stream = ScriptedStream(script)
        streams.withLock { $0.append(stream) }
        return stream
    }

    /// The request bytes written on each connection, as text.
    var requests: [String] {
        streams.withLock { $0.map { String(decoding: $0.written, as: UTF8.self) } }
    }

    /// Whether every stream opened has been closed.
    var allClosed: Bool { streams.withLock { $0.allSatisfy(\.isClosed) } }

    /// Whether every stream opened is closed by `deadline` from now. The client may close a
    /// stream from a task of its own after the response is handed over: the test waits for it
    /// rather than race it.
    func allClosed(within deadline: Duration = .seconds(10)) async -> Bool {
        let end = ContinuousClock.now + deadline
        while !allClosed && ContinuousClock.now < end {
            try? await Task.sleep(for: .milliseconds(5))
        }
        return allClosed
    }
}

enum ScriptError: Error, CustomStringConvertible {
    case noMoreConnections, closed
    case custom(String)

    var description: String {
        switch self {
        case .noMoreConnections: "the test script has no more connections"
        case .closed: "the stream was closed"
        case .custom(let text): text
        }
    }
}

final class ScriptedStream: ByteStream {
    private struct State {
        var pieces: [[UInt8]]
        var written: [UInt8] = []
        var closed = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        var readError: (any Error)?
    }

    private let state: Mutex<State>
    private let hangs: Bool

    init(_ script: Script) {
        state = Mutex(State(pieces: script.pieces, readError: script.readError))
        hangs = script.hangs
    }

    var written: [UInt8] { state.withLock { $0.written } }
    var isClosed: Bool { state.withLock { $0.closed } }

    func write(_ bytes: [UInt8]) async throws {
        try state.withLock { state in
            guard !state.closed else { throw ScriptError.closed }
            state.written += bytes
        }
    }

    func read(maxLength: Int) async throws -> [UInt8] {
        let next: [UInt8]? = try state.withLock { state in
            guard !state.closed else { throw ScriptError.closed }
            guard !state.pieces.isEmpty else {
                if let error = state.readError {
                    state.readError = nil
                    throw error
                }
                return nil
            }
            let piece = state.pieces[0]
            if piece.count > maxLength {
                state.pieces[0] = Array(piece[maxLength...])
                return Array(piece[..<maxLength])
            }
            state.pieces.removeFirst()
            return piece
        }
        if let next { return next }
        guard hangs else { return [] }
        await withCheckedContinuation { continuation in
            let closed = state.withLock { state in
                if !state.closed { state.waiters.append(continuation) }
                return state.closed
            }
            if closed { continuation.resume() }
        }
        throw ScriptError.closed
    }

    func close() async {
        let waiters = state.withLock { state in
            state.closed = true
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters { waiter.resume() }
    }
}

/// A connector whose `connect()` ignores cancellation and takes `delay` to fail.
struct StuckConnector: ByteStreamConnector {
    var delay: Double = 3

    func connect() async throws -> any ByteStream {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            DispatchQueue.global().asyncAfter(deadline: .now() + delay) { continuation.resume() }
        }
        throw ScriptError.custom("connect gave up")
    }
}

extension Array where Element == UInt8 {
    /// The bytes cut into pieces of `size` (the last one shorter).
    func chopped(_ size: Int) -> [[UInt8]] {
        stride(from: 0, to: count, by: size).map { Array(self[$0..<Swift.min($0 + size, count)]) }
    }
}

/// HTTP response text with `\n` turned into `\r\n`, for readable fixtures.
func crlf(_ text: String) -> String {
    text.replacingOccurrences(of: "\r\n", with: "\n").replacingOccurrences(of: "\n", with: "\r\n")
}

/// A complete JSON response with a Content-Length.
func jsonResponse(_ body: String) -> Script {
    jsonResponse("200 OK", body)
}

/// A complete JSON response with a status and a Content-Length.
func jsonResponse(_ status: String, _ body: String) -> Script {
    .response("HTTP/1.1 \(status)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n" + body)
}

/// A frame of the engine's multiplexed stream.
func frame(_ stream: UInt8, _ text: String) -> [UInt8] {
    let payload = Array(text.utf8)
    let length = UInt32(payload.count)
    return [stream, 0, 0, 0, UInt8(length >> 24), UInt8(length >> 16 & 0xFF), UInt8(length >> 8 & 0xFF), UInt8(length & 0xFF)] + payload
}
