/// Splits the engine's multiplexed output stream into stdout and stderr pieces.
///
/// Without a terminal, logs, attach and exec output come in frames: one byte naming the
/// stream (0 stdin, 1 stdout, 2 stderr, 3 the engine's own error), three zero bytes, a
/// big-endian 32-bit length, then that many bytes. Frames may arrive split anywhere.
/// With a terminal the bytes are raw stdout. In ``Mode/detect`` the first eight bytes decide:
/// a valid frame header means frames.
struct MultiplexedStreamDecoder {
    enum Mode {
        case multiplexed, raw, detect
    }

    private var mode: Mode
    private var buffer: [UInt8] = []
    /// The stream and the bytes still to come of the frame being read.
    private var frame: (stream: ContainerLogs.Stream, remaining: Int)?

    init(mode: Mode) {
        self.mode = mode
    }

    /// The output pieces that `bytes` completes, in order.
    mutating func decode(_ bytes: [UInt8]) -> [(ContainerLogs.Stream, [UInt8])] {
        buffer += bytes
        if mode == .detect {
            guard buffer.count >= 8 else { return [] }
            mode = Self.isFrameHeader(buffer[0..<8]) ? .multiplexed : .raw
        }
        if mode == .raw {
            defer { buffer = [] }
            return buffer.isEmpty ? [] : [(.stdout, buffer)]
        }
        var pieces: [(ContainerLogs.Stream, [UInt8])] = []
        var position = 0
        while true {
            if let current = frame {
                let available = min(current.remaining, buffer.count - position)
                if available > 0 {
                    pieces.append((current.stream, Array(buffer[position..<position + available])))
                    position += available
                }
                let remaining = current.remaining - available
                frame = remaining > 0 ? (current.stream, remaining) : nil
                if remaining > 0 { break }
            }
            guard buffer.count - position >= 8 else { break }
            let header = buffer[position..<position + 8]
            let length = header.dropFirst(4).reduce(0) { $0 << 8 | Int($1) }
            frame = (header.first == 2 || header.first == 3 ? .stderr : .stdout, length)
            position += 8
        }
        buffer.removeFirst(position)
        return pieces
    }

    /// The pieces left at the end of the stream; fails if it ended inside a frame header.
    mutating func finish() throws -> [(ContainerLogs.Stream, [UInt8])] {
        if mode == .detect {
            mode = .raw
            return decode([])
        }
        guard buffer.isEmpty else {
            throw DockerError(.malformedResponse, "the output stream ended inside a frame header")
        }
        return []
    }

    private static func isFrameHeader(_ header: ArraySlice<UInt8>) -> Bool {
        let bytes = Array(header)
        return bytes[0] <= 3 && bytes[1] == 0 && bytes[2] == 0 && bytes[3] == 0
    }
}
