/// A container's recent output, as `GET /containers/{id}/logs` returns it.
public struct ContainerLogs: Sendable, Hashable {
    /// Everything the container wrote to standard output.
    public var stdout: String
    /// Everything the container wrote to standard error; empty for containers with a terminal,
    /// whose output is all on ``stdout``.
    public var stderr: String
    /// Both streams as lines in the order the engine sent them, without line terminators.
    public var lines: [Line]

    /// Logs given whole, for tests and fakes.
    public init(stdout: String = "", stderr: String = "", lines: [Line] = []) {
        self.stdout = stdout
        self.stderr = stderr
        self.lines = lines
    }

    /// Which stream a piece of output came from.
    public enum Stream: String, Sendable, Hashable {
        case stdout, stderr
    }

    /// One line of output.
    public struct Line: Sendable, Hashable {
        /// stdout or stderr.
        public var stream: Stream
        /// The text, prefixed with its RFC 3339 time when timestamps were asked for.
        public var text: String

        /// A line of `stream`.
        public init(stream: Stream, text: String) {
            self.stream = stream
            self.text = text
        }
    }

    /// Assembles logs from pieces of output that may end mid-line or mid-character.
    struct Builder {
        private var stdout: [UInt8] = []
        private var stderr: [UInt8] = []
        private var lines: [Line] = []
        /// Unfinished lines, in the order they were started.
        private var pending: [(stream: Stream, bytes: [UInt8])] = []

        mutating func append(_ bytes: [UInt8], from stream: Stream) {
            switch stream {
            case .stdout: stdout += bytes
            case .stderr: stderr += bytes
            }
            var start = bytes.startIndex
            while let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) {
                var line = takePending(stream) + bytes[start..<newline]
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                lines.append(Line(stream: stream, text: String(decoding: line, as: UTF8.self)))
                start = newline + 1
            }
            if start < bytes.endIndex {
                if let index = pending.firstIndex(where: { $0.stream == stream }) {
                    pending[index].bytes += bytes[start...]
                } else {
                    pending.append((stream, Array(bytes[start...])))
                }
            }
        }

        mutating func finish() -> ContainerLogs {
            for (stream, bytes) in pending where !bytes.isEmpty {
                lines.append(Line(stream: stream, text: String(decoding: bytes, as: UTF8.self)))
            }
            pending = []
            return ContainerLogs(
                stdout: String(decoding: stdout, as: UTF8.self),
                stderr: String(decoding: stderr, as: UTF8.self),
                lines: lines
            )
        }

        private mutating func takePending(_ stream: Stream) -> [UInt8] {
            guard let index = pending.firstIndex(where: { $0.stream == stream }) else { return [] }
            return pending.remove(at: index).bytes
        }
    }
}
