/// A host identifier with an optional port, following Ansible's `parse_address` with ranges
/// allowed: a host name, an IPv4 address or an IPv6 address (ranges permitted in each), with
/// `:port` after a name or IPv4 address, or `[address]:port` around anything.
struct Address: Equatable {
    var host: String
    var port: Int?

    /// Nil when `text` is not an address at all, e.g. it holds spaces or a non-numeric port.
    init?(_ text: String) {
        var host = text
        var port: Int?
        if let (inner, number) = Self.splitBracketedPort(host) {
            host = inner
            port = number
        }
        if let (prefix, number) = Self.splitPort(host) {
            host = prefix
            port = number
        }
        guard Self.isIPv4(host) || Self.isIPv6(host) || Self.isHostName(host) else { return nil }
        self.host = host
        self.port = port
    }

    /// `[anything]:digits`
    private static func splitBracketedPort(_ text: String) -> (String, Int)? {
        guard text.hasPrefix("["), let colon = text.lastIndex(of: ":") else { return nil }
        let digits = text[text.index(after: colon)...]
        guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), let port = Int(digits) else { return nil }
        let beforeColon = text[..<colon]
        guard beforeColon.hasSuffix("]"), beforeColon.count > 2 else { return nil }
        return (String(beforeColon.dropFirst().dropLast()), port)
    }

    /// `name:digits` where `name` has no colon outside complete `[...]` groups.
    private static func splitPort(_ text: String) -> (String, Int)? {
        var index = text.startIndex
        while index < text.endIndex {
            switch text[index] {
            case "[":
                guard let close = text[index...].firstIndex(of: "]") else { return nil }
                index = text.index(after: close)
            case "]":
                return nil
            case ":":
                let digits = text[text.index(after: index)...]
                guard !digits.isEmpty, digits.allSatisfy(\.isASCIIDigit), let port = Int(digits) else { return nil }
                return (String(text[..<index]), port)
            default:
                index = text.index(after: index)
            }
        }
        return nil
    }

    /// Splits on `separator` outside `[...]`, so ranges such as `[1:3]` stay whole.
    static func split(_ text: some StringProtocol, on separator: Character) -> [Substring] {
        var parts: [Substring] = []
        var depth = 0
        var start = text.startIndex
        var index = text.startIndex
        let whole = Substring(text)
        while index < whole.endIndex {
            let character = whole[index]
            if character == "[" { depth += 1 } else if character == "]" { depth = max(0, depth - 1) }
            if character == separator && depth == 0 {
                parts.append(whole[start..<index])
                start = whole.index(after: index)
            }
            index = whole.index(after: index)
        }
        parts.append(whole[start...])
        return parts
    }

    static func isIPv4(_ text: String) -> Bool {
        let parts = split(text, on: ".")
        return parts.count == 4 && parts.allSatisfy { part in
            if let range = RangeSyntax(part), range.isNumeric { return true }
            guard (1...3).contains(part.count), part.allSatisfy(\.isASCIIDigit), let value = Int(part) else { return false }
            return value <= 255
        }
    }

    static func isIPv6(_ text: String) -> Bool {
        func isComponent(_ part: Substring) -> Bool {
            if let range = RangeSyntax(part), range.isHexadecimal { return true }
            return (1...4).contains(part.count) && part.allSatisfy { $0.isASCII && $0.isHexDigit }
        }
        // Counts 16-bit groups, allowing a trailing dotted IPv4 address worth two.
        func groups(_ parts: [Substring]) -> Int? {
            var count = 0
            for (offset, part) in parts.enumerated() {
                if offset == parts.count - 1 && isIPv4(String(part)) {
                    count += 2
                } else if isComponent(part) {
                    count += 1
                } else {
                    return nil
                }
            }
            return count
        }
        let halves = text.components(separatedByString: "::")
        switch halves.count {
        case 1:
            return groups(split(text, on: ":")) == 8
        case 2:
            let left = halves[0].isEmpty ? [] : split(halves[0], on: ":")
            let right = halves[1].isEmpty ? [] : split(halves[1], on: ":")
            guard let leftCount = groups(left), let rightCount = groups(right) else { return false }
            if !left.isEmpty, left.last.map({ isIPv4(String($0)) }) == true { return false }
            return leftCount + rightCount <= 7
        default:
            return false
        }
    }

    static func isHostName(_ text: String) -> Bool {
        let labels = split(text, on: ".")
        return labels.allSatisfy(isLabel)
    }

    private static func isLabel(_ label: Substring) -> Bool {
        var index = label.startIndex
        var units = 0
        var last: Character?
        while index < label.endIndex {
            let character = label[index]
            if character == "[" {
                guard let close = label[index...].firstIndex(of: "]"),
                    let range = RangeSyntax(label[index...close]), range.isAlphanumeric
                else { return false }
                index = label.index(after: close)
                last = "]"
            } else if character.isWordCharacter || (units > 0 && character == "-") {
                index = label.index(after: index)
                last = character
            } else {
                return false
            }
            units += 1
        }
        return units > 0 && last != "-" && last != "_"
    }
}

/// The text of a `[begin:end(:step)]` range, classified the way Ansible's address grammar does.
private struct RangeSyntax {
    var begin: Substring
    var end: Substring
    var step: Substring?

    init?(_ text: Substring) {
        guard text.hasPrefix("["), text.hasSuffix("]"), text.count > 2 else { return nil }
        let parts = text.dropFirst().dropLast().split(separator: ":", omittingEmptySubsequences: false)
        guard parts.count == 2 || parts.count == 3 else { return nil }
        begin = parts[0]
        end = parts[1]
        step = parts.count == 3 ? parts[2] : nil
        if let step, step.isEmpty || !step.allSatisfy(\.isASCIIDigit) { return nil }
    }

    var isNumeric: Bool {
        !begin.isEmpty && !end.isEmpty && begin.allSatisfy(\.isASCIIDigit) && end.allSatisfy(\.isASCIIDigit)
    }

    var isHexadecimal: Bool {
        !begin.isEmpty && !end.isEmpty && (begin + end).allSatisfy { $0.isASCII && $0.isHexDigit }
    }

    var isAlphanumeric: Bool {
        if isNumeric { return true }
        return begin.count == 1 && end.count == 1 && begin.first!.isASCIILetter && end.first!.isASCIILetter
    }
}

extension Character {
    var isASCIIDigit: Bool { isASCII && isWholeNumber }
    var isASCIILetter: Bool { isASCII && isLetter }
    /// Python's `\w` in Unicode mode: letters, digits and the underscore.
    var isWordCharacter: Bool { isLetter || isNumber || self == "_" }
}

extension StringProtocol {
    /// Splits on a multi-character separator, keeping empty pieces (like Python's `str.split`).
    func components(separatedByString separator: String) -> [Substring] {
        var pieces: [Substring] = []
        let whole = Substring(self)
        var start = whole.startIndex
        var index = whole.startIndex
        while index < whole.endIndex {
            if whole[index...].hasPrefix(separator) {
                pieces.append(whole[start..<index])
                index = whole.index(index, offsetBy: separator.count)
                start = index
            } else {
                index = whole.index(after: index)
            }
        }
        pieces.append(whole[start...])
        return pieces
    }
}
