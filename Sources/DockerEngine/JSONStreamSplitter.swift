/// Cuts a stream of concatenated JSON values (the engine's progress streams) into documents.
///
/// The engine ends each object with `\r\n`, but nothing guarantees a read ends on one, and a
/// string may hold braces; so objects and arrays are delimited by bracket depth outside strings.
/// A document that grows past a limit without ending is an error: a stream whose only limit
/// is its idle time must not fill memory with one endless line.
struct JSONStreamSplitter {
    /// The largest document, in bytes; the engine's progress lines are a few hundred.
    let maxDocumentSize: Int
    private var buffer: [UInt8] = []
    private var scanned = 0
    private var depth = 0
    private var inString = false
    private var escaped = false
    private var start: Int?

    init(maxDocumentSize: Int = 1 << 20) {
        self.maxDocumentSize = maxDocumentSize
    }

    /// The complete top-level JSON documents that `bytes` finishes.
    /// - Throws: ``DockerError`` `malformedResponse` when an unfinished document is larger
    ///   than ``maxDocumentSize``.
    mutating func split(_ bytes: [UInt8]) throws -> [[UInt8]] {
        buffer += bytes
        var documents: [[UInt8]] = []
        var consumed = 0
        while scanned < buffer.count {
            let byte = buffer[scanned]
            defer { scanned += 1 }
            if inString {
                if escaped {
                    escaped = false
                } else if byte == UInt8(ascii: "\\") {
                    escaped = true
                } else if byte == UInt8(ascii: "\"") {
                    inString = false
                }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""):
                inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                if depth == 0 { start = scanned }
                depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                guard depth > 0 else {
                    consumed = scanned + 1  // a stray closing bracket: skipped
                    break
                }
                depth -= 1
                if depth == 0, let begin = start {
                    documents.append(Array(buffer[begin...scanned]))
                    start = nil
                    consumed = scanned + 1
                }
            default:
                if depth == 0 { consumed = scanned + 1 }  // whitespace between documents
            }
        }
        if consumed > 0 {
            buffer.removeFirst(consumed)
            scanned -= consumed
            start = start.map { $0 - consumed }
        }
        guard buffer.count <= maxDocumentSize else {
            throw DockerError(.malformedResponse, "the JSON stream has a document larger than \(maxDocumentSize) bytes")
        }
        return documents
    }

    /// Whether bytes of an unfinished document are left over.
    var hasPartialDocument: Bool { depth > 0 || inString }
}
