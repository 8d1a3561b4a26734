/// One line of an ssh_config file split as OpenSSH 9.2 splits it (`readconf.c`
/// `process_config_line_depth`, `strdelim` and `misc.c` `argv_split`), byte for byte, so that
/// quoting, `Key=Value`, comments and whitespace mean exactly what they mean to `ssh`.
struct ConfigLine {
    /// The keyword, lowercased.
    var keyword: String
    /// The keyword as written, for messages.
    var writtenKeyword: String
    /// The rest of the line after the keyword and its separator, leading whitespace skipped:
    /// what `ProxyCommand`, `ProxyJump` and `Match` read raw.
    var rest: [UInt8]

    /// Splits a line; nil for a blank line or a comment.
    ///
    /// Throws a message (without location) when the keyword has no argument.
    static func parse(_ text: some Collection<UInt8>) throws(LineProblem) -> ConfigLine? {
        var line = Array(text)
        if let nul = line.firstIndex(of: 0) { line.removeSubrange(nul...) }
        // OpenSSH strips trailing whitespace and form feeds, but never the first byte.
        var end = line.count
        while end > 1, isWhitespace(line[end - 1]) || line[end - 1] == 0x0C { end -= 1 }
        line.removeSubrange(end...)
        var cursor: Int? = 0
        guard var keyword = strdelim(line, &cursor, splitEquals: true) else { return nil }
        if keyword.isEmpty {
            guard let next = strdelim(line, &cursor, splitEquals: true) else { return nil }
            keyword = next
        }
        guard let first = keyword.first, first != UInt8(ascii: "\n"), first != UInt8(ascii: "#") else { return nil }
        let written = String(decoding: keyword, as: UTF8.self)
        var rest: [UInt8] = []
        if var position = cursor {
            while position < line.count, isWhitespace(line[position]) { position += 1 }
            rest = Array(line[position...])
        }
        guard !rest.isEmpty else { throw LineProblem(message: "no argument after keyword \"\(written)\"", code: .syntax) }
        return ConfigLine(keyword: written.lowercased(), writtenKeyword: written, rest: rest)
    }

    /// The arguments, split by `argv_split` with comments ending the line.
    func arguments() throws(LineProblem) -> [String] {
        try Self.argvSplit(rest)
    }

    /// The raw rest of the line with leading whitespace and `=` skipped, as `ProxyCommand` and
    /// `ProxyJump` read it.
    var rawArgument: String {
        let start = rest.firstIndex { !Self.isWhitespace($0) && $0 != UInt8(ascii: "=") } ?? rest.endIndex
        return String(decoding: rest[start...], as: UTF8.self)
    }

    /// `misc.c` `argv_split(s, …, terminate_on_comment=1)`: words separated by spaces and tabs,
    /// single or double quotes, backslash escaping a quote, a backslash or (outside quotes) a space.
    static func argvSplit(_ s: [UInt8]) throws(LineProblem) -> [String] {
        var words: [String] = []
        var i = 0
        while i < s.count {
            if s[i] == UInt8(ascii: " ") || s[i] == UInt8(ascii: "\t") {
                i += 1
                continue
            }
            if s[i] == UInt8(ascii: "#") { break }
            var quote: UInt8 = 0
            var word: [UInt8] = []
            while i < s.count {
                let c = s[i]
                if c == UInt8(ascii: "\\") {
                    let next: UInt8 = i + 1 < s.count ? s[i + 1] : 0
                    if next == UInt8(ascii: "'") || next == UInt8(ascii: "\"") || next == UInt8(ascii: "\\")
                        || (quote == 0 && next == UInt8(ascii: " "))
                    {
                        i += 1
                        word.append(s[i])
                    } else {
                        word.append(c)
                    }
                } else if quote == 0 && (c == UInt8(ascii: " ") || c == UInt8(ascii: "\t")) {
                    break
                } else if quote == 0 && (c == UInt8(ascii: "\"") || c == UInt8(ascii: "'")) {
                    quote = c
                } else if quote != 0 && c == quote {
                    quote = 0
                } else {
                    word.append(c)
                }
                i += 1
            }
            words.append(String(decoding: word, as: UTF8.self))
            if i >= s.count {
                if quote != 0 { throw LineProblem(message: "invalid quotes", code: .syntax) }
                break
            }
        }
        return words
    }

    /// `misc.c` `strdelim_internal`: the next word of `line` from `cursor`, ended by whitespace,
    /// a double-quoted section or (with `splitEquals`) one `=`; nil when there is none or a quote
    /// is unbalanced. `cursor` becomes nil at the end of the line.
    static func strdelim(_ line: [UInt8], _ cursor: inout Int?, splitEquals: Bool) -> [UInt8]? {
        guard let old = cursor else { return nil }
        guard
            let p = line[old...].firstIndex(where: {
                isWhitespace($0) || $0 == UInt8(ascii: "\"") || (splitEquals && $0 == UInt8(ascii: "="))
            })
        else {
            cursor = nil
            return Array(line[old...])
        }
        if line[p] == UInt8(ascii: "\"") {
            guard let close = line[(p + 1)...].firstIndex(of: UInt8(ascii: "\"")) else {
                cursor = nil
                return nil
            }
            var next = close + 1
            while next < line.count, isWhitespace(line[next]) { next += 1 }
            cursor = next
            return Array(line[old..<p]) + Array(line[(p + 1)..<close])
        }
        let sawEquals = splitEquals && line[p] == UInt8(ascii: "=")
        var next = p + 1
        while next < line.count, isWhitespace(line[next]) { next += 1 }
        if splitEquals, !sawEquals, next < line.count, line[next] == UInt8(ascii: "=") {
            next += 1
            while next < line.count, isWhitespace(line[next]) { next += 1 }
        }
        cursor = next
        return Array(line[old..<p])
    }

    /// OpenSSH's `WHITESPACE`: space, tab, carriage return, newline.
    static func isWhitespace(_ byte: UInt8) -> Bool {
        byte == 0x20 || byte == 0x09 || byte == 0x0D || byte == 0x0A
    }
}

/// A problem with one line, before its location is attached.
struct LineProblem: Error {
    var message: String
    var code: SSHConfigError.Code
}

private func isWhitespace(_ byte: UInt8) -> Bool { ConfigLine.isWhitespace(byte) }
