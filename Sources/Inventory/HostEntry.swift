/// One host entry as written in an inventory (`web[01:20].example.com:2222`), read the way
/// Ansible reads it: an optional `:port` is split off when the rest is a valid address, and every
/// `[begin:end]` or `[begin:end:step]` range is expanded, in order.
struct HostEntry: Equatable {
    /// The host names the entry stands for, in the order the ranges produce them.
    var names: [String]
    /// The port given with `:port`, which Ansible turns into `ansible_port`.
    var port: Int?

    /// The most host names one entry may stand for; `web[1:99999999]` is a typo or an attack,
    /// and expanding it would take gigabytes before anything could say so.
    static let maxNames = 100_000
    /// The most text the names of one entry may expand to: 100,000 names of 80 bytes. Long
    /// names times many ranges would otherwise take gigabytes (a fuzzer's find).
    static let maxNameBytes = 8 << 20

    /// Why an entry could not be expanded; the caller adds the file and line.
    struct Problem: Error {
        var message: String
        /// `.invalidRange`, or `.tooLarge` for an entry past `maxNames`.
        var code: InventoryError.Code = .invalidRange
    }

    /// Reads `text` as a host entry.
    init(_ text: String) throws(Problem) {
        let host: String
        if let address = Address(text) {
            host = address.host
            port = address.port == 0 ? nil : address.port
        } else {
            host = text
            port = nil
        }
        guard !host.isEmpty else { throw Problem(message: "empty host name") }
        names = host.contains("[") ? try Self.expandRanges(in: host, entry: text) : [host]
    }

    /// Expands every range in `name`, the first varying slowest, after checking that the
    /// product of their sizes is at most `maxNames`.
    static func expandRanges(in name: String, entry: String) throws(Problem) -> [String] {
        // Literal text and ranges alternate; a range's values are digits or letters, so
        // expanding one never changes how the rest of the name reads.
        var pieces: [[String]] = []
        var count = 1
        var rest = Substring(name)
        while let open = rest.firstIndex(of: "[") {
            guard let close = rest.firstIndex(of: "]") else {
                throw Problem(message: "invalid host range \"\(entry)\": '[' has no closing ']'")
            }
            guard open < close else { throw Problem(message: "invalid host range \"\(entry)\": ']' comes before '['") }
            let range = try Self.range(rest[rest.index(after: open)..<close], entry: entry)
            let (product, overflow) = count.multipliedReportingOverflow(by: range.count)
            guard !overflow, product <= maxNames else {
                let size = overflow ? "more than \(Int.max)" : "\(product)"
                throw Problem(
                    message: "host range \"\(entry)\" stands for \(size) hosts, more than the \(maxNames) molt reads from one entry; "
                        + "split it into smaller ranges, or check the numbers for a typo",
                    code: .tooLarge)
            }
            count = product
            let (bytes, tooLong) = count.multipliedReportingOverflow(by: max(1, name.utf8.count))
            guard !tooLong, bytes <= maxNameBytes else {
                throw Problem(
                    message: "host range \"\(entry)\" stands for \(count) names of up to \(name.utf8.count) bytes, more than the \(maxNameBytes >> 20) MiB of host names molt reads from one entry; "
                        + "split it into smaller ranges, or check the name for a typo",
                    code: .tooLarge)
            }
            pieces.append([String(rest[..<open])])
            pieces.append(range.values())
            rest = rest[rest.index(after: close)...]
        }
        pieces.append([String(rest)])

        var names = [""]
        for piece in pieces {
            if piece.count == 1 {
                for index in names.indices { names[index] += piece[0] }
                continue
            }
            var longer: [String] = []
            longer.reserveCapacity(names.count * piece.count)
            for prefix in names {
                for value in piece { longer.append(prefix + value) }
            }
            names = longer
        }
        return names
    }

    /// One `[begin:end]` or `[begin:end:step]`, its size known before its values are made.
    private struct BracketRange {
        var first: Int
        var last: Int
        var step: Int
        /// Zero-padding width for numbers; nil for letters.
        var width: Int?

        var count: Int {
            let steps = (last - first) / step
            return steps == Int.max ? Int.max : steps + 1
        }

        func values() -> [String] {
            stride(from: first, through: last, by: step).map { value in
                guard let width else { return String(HostEntry.letters[value]) }
                let digits = String(value)
                return String(repeating: "0", count: max(0, width - digits.count)) + digits
            }
        }
    }

    private static func range(_ body: Substring, entry: String) throws(Problem) -> BracketRange {
        let bounds = body.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard bounds.count == 2 || bounds.count == 3 else {
            throw Problem(message: "invalid host range \"\(entry)\": write [start:end] or [start:end:step]")
        }
        let begin = bounds[0].isEmpty ? "0" : bounds[0]
        let end = bounds[1]
        guard !end.isEmpty else {
            throw Problem(message: "invalid host range \"\(entry)\": the end is missing")
        }
        var step = 1
        if bounds.count == 3 {
            guard let value = Int(bounds[2]), value > 0 else {
                throw Problem(message: "invalid host range \"\(entry)\": the step '\(bounds[2])' must be a positive integer")
            }
            step = value
        }

        if let first = Self.letterIndex(begin), let last = Self.letterIndex(end) {
            guard first <= last else {
                throw Problem(message: "invalid host range \"\(entry)\": start is after end")
            }
            return BracketRange(first: first, last: last, step: step, width: nil)
        }
        guard !begin.isEmpty, !end.isEmpty, begin.allSatisfy(\.isASCIIDigit), end.allSatisfy(\.isASCIIDigit) else {
            throw Problem(message: "invalid host range \"\(entry)\": start and end must both be numbers or both single letters")
        }
        guard let first = Int(begin), let last = Int(end) else {
            throw Problem(
                message: "host range \"\(entry)\" has a number too large for a host range; molt reads at most \(maxNames) hosts from one entry",
                code: .tooLarge)
        }
        guard first <= last else {
            throw Problem(message: "invalid host range \"\(entry)\": start is after end")
        }
        // A leading zero asks for zero-padding to the width of `begin`; Ansible insists `end` has the same width.
        let width = begin.count > 1 && begin.hasPrefix("0") ? begin.count : 0
        if width > 0 && end.count != width {
            throw Problem(message: "invalid host range \"\(entry)\": a zero-padded start needs an end of the same width")
        }
        return BracketRange(first: first, last: last, step: step, width: width)
    }

    private static let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")

    private static func letterIndex(_ text: String) -> Int? {
        guard text.count == 1, let character = text.first else { return nil }
        return letters.firstIndex(of: character)
    }
}
