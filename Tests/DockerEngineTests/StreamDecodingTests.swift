import Testing

@testable import DockerEngine

@Suite("Output and progress stream decoding")
struct StreamDecodingTests {
    private func demultiplex(_ bytes: [UInt8], pieceSize: Int, mode: MultiplexedStreamDecoder.Mode) throws -> ContainerLogs {
        var decoder = MultiplexedStreamDecoder(mode: mode)
        var logs = ContainerLogs.Builder()
        for piece in bytes.chopped(pieceSize) {
            for (stream, bytes) in decoder.decode(piece) { logs.append(bytes, from: stream) }
        }
        for (stream, bytes) in try decoder.finish() { logs.append(bytes, from: stream) }
        return logs.finish()
    }

    @Test("frames split anywhere come out whole and in order", arguments: 1...9)
    func frames(pieceSize: Int) throws {
        let bytes = frame(1, "out 1\n") + frame(2, "err ü\n") + frame(1, String(repeating: "x", count: 300) + "\n")
        let logs = try demultiplex(bytes, pieceSize: pieceSize, mode: .multiplexed)
        #expect(logs.stderr == "err ü\n")
        #expect(logs.lines.map(\.stream) == [.stdout, .stderr, .stdout])
        #expect(logs.lines[2].text.count == 300)
    }

    @Test("a stream ending inside a frame header is an error")
    func truncatedHeader() {
        #expect(throws: DockerError.self) { try demultiplex(frame(1, "a") + [1, 0, 0], pieceSize: 4, mode: .multiplexed) }
    }

    @Test("detection treats short or header-less output as raw text", arguments: ["hi", "plain text output"])
    func detection(text: String) throws {
        let logs = try demultiplex(Array(text.utf8), pieceSize: 3, mode: .detect)
        #expect(logs.stdout == text)
    }

    @Test("JSON documents are cut by bracket depth, whatever the reads and strings hold", arguments: [1, 2, 5, 100])
    func jsonSplitting(pieceSize: Int) throws {
        let text = #"{"status":"a {weird} \"quoted\" }"}"# + "\r\n" + #"{"b":[1,{"c":2}]}{"d":3}"# + "\n"
        var splitter = JSONStreamSplitter()
        var documents: [String] = []
        for piece in Array(text.utf8).chopped(pieceSize) {
            documents += try splitter.split(piece).map { String(decoding: $0, as: UTF8.self) }
        }
        #expect(documents == [#"{"status":"a {weird} \"quoted\" }"}"#, #"{"b":[1,{"c":2}]}"#, #"{"d":3}"#])
        #expect(!splitter.hasPartialDocument)
    }
}
