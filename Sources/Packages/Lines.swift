/// The lines of a text file's bytes, numbered from 1, without their `\n` or `\r\n`.
///
/// Works on bytes so that scanning a large database is linear and cheap.
struct Lines: Sequence, IteratorProtocol {
    /// One line: its number and the range of its bytes.
    struct Line {
        var number: Int
        var range: Range<Int>
    }

    let bytes: [UInt8]
    private var position = 0
    private var number = 0

    init(_ bytes: [UInt8]) {
        self.bytes = bytes
        // A UTF-8 byte order mark is not part of the first line.
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { position = 3 }
    }

    mutating func next() -> Line? {
        guard position < bytes.count else { return nil }
        number += 1
        let start = position
        var end = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
        position = end == bytes.count ? end : end + 1
        if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
        return Line(number: number, range: start..<end)
    }
}

extension Array where Element == UInt8 {
    /// The bytes in `range` as text.
    func text(_ range: Range<Int>) -> String { String(decoding: self[range], as: UTF8.self) }

    /// `range` without leading and trailing spaces and tabs.
    func trimmingBlanks(_ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound
        var upper = range.upperBound
        while lower < upper && self[lower].isBlank { lower += 1 }
        while upper > lower && self[upper - 1].isBlank { upper -= 1 }
        return lower..<upper
    }

    /// A line for an error message, shortened when long.
    func excerpt(_ range: Range<Int>) -> String {
        let limit = 60
        return range.count <= limit ? text(range) : text(range.lowerBound..<range.lowerBound + limit) + "…"
    }
}
