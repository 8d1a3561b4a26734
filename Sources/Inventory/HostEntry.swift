/// One host entry as written in an inventory (`web[01:20].example.com:2222`), read the way
/// Ansible reads it: an optional `:port` is split off when the rest is a valid address, and every
/// `[begin:end]` or `[begin:end:step]` range is expanded, in order.
struct HostEntry: Equatable {
    /// The host names the entry stands for, in the order the ranges produce them.
    var names: [String]
    /// The port given with `:port`, which Ansible turns into `ansible_port`.
    var port: Int?

    /// Why an entry could not be expanded; the caller adds the file and line.
    struct Problem: Error {
        var message: String
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

    /// Expands the first range in `name`, then recursively the ones after it.
    static func expandRanges(in name: String, entry: String) throws(Problem) -> [String] {
        guard let open = name.firstIndex(of: "[") else { return [name] }
        guard let close = name.firstIndex(of: "]") else {
            throw Problem(message: "invalid host range \"\(entry)\": '[' has no closing ']'")
        }
        guard open < close else { throw Problem(message: "invalid host range \"\(entry)\": ']' comes before '['") }
        let head = name[..<open]
        let body = name[name.index(after: open)..<close]
        let tail = name[name.index(after: close)...]
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

        let values: [String]
        if let first = Self.letterIndex(begin), let last = Self.letterIndex(end) {
            guard first <= last else {
                throw Problem(message: "invalid host range \"\(entry)\": start is after end")
            }
            values = stride(from: first, through: last, by: step).map { String(Self.letters[$0]) }
        } else if let first = Int(begin), let last = Int(end), begin.allSatisfy(\.isASCIIDigit), end.allSatisfy(\.isASCIIDigit) {
            guard first <= last else {
                throw Problem(message: "invalid host range \"\(entry)\": start is after end")
            }
            // A leading zero asks for zero-padding to the width of `begin`; Ansible insists `end` has the same width.
            let width = begin.count > 1 && begin.hasPrefix("0") ? begin.count : 0
            if width > 0 && end.count != width {
                throw Problem(message: "invalid host range \"\(entry)\": a zero-padded start needs an end of the same width")
            }
            values = stride(from: first, through: last, by: step).map { number in
                let digits = String(number)
                return String(repeating: "0", count: max(0, width - digits.count)) + digits
            }
        } else {
            throw Problem(message: "invalid host range \"\(entry)\": start and end must both be numbers or both single letters")
        }

        var names: [String] = []
        for value in values {
            let expanded = String(head) + value + String(tail)
            names += try expandRanges(in: expanded, entry: entry)
        }
        return names
    }

    private static let letters = Array("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")

    private static func letterIndex(_ text: String) -> Int? {
        guard text.count == 1, let character = text.first else { return nil }
        return letters.firstIndex(of: character)
    }
}
