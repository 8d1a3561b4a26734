/// A `ProxyJump` value (or `-J` argument) read as OpenSSH 9.2's `parse_jump` reads it: a
/// comma-separated chain of `[user@]host[:port]` or `ssh://[user@]host[:port]`, or `none`.
struct ProxyJumpSpec: Hashable {
    /// The hops, first hop first; empty for `none`.
    var hops: [ProxyHop]
    /// Whether the value was `none`.
    var isNone: Bool

    /// Parses and checks every hop, as `ssh` does even for a block that does not apply.
    static func parse(_ value: String) throws(LineProblem) -> ProxyJumpSpec {
        if value.lowercased() == "none" { return ProxyJumpSpec(hops: [], isNone: true) }
        var text = Substring(value)
        if let comment = text.firstIndex(of: "#") { text = text[..<comment] }
        while let last = text.last, last == " " || last == "\t" || last == "\n" || last == "\r" { text = text.dropLast() }
        var hops: [ProxyHop] = []
        for piece in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard let hop = hop(String(piece)) else {
                throw LineProblem(message: "invalid ProxyJump \"\(value)\"", code: .invalidValue)
            }
            hops.append(hop)
        }
        return ProxyJumpSpec(hops: hops, isNone: false)
    }

    /// One hop: an `ssh://` URI (`parse_ssh_uri`) or `[user@]host[:port]` (`parse_user_host_port`).
    static func hop(_ text: String) -> ProxyHop? {
        if text.hasPrefix("ssh://") { return uriHop(String(text.dropFirst(6))) }
        var rest = Substring(text)
        var user: String?
        if let at = rest.lastIndex(of: "@") {
            guard at > rest.startIndex else { return nil }
            user = String(rest[..<at])
            rest = rest[rest.index(after: at)...]
        }
        guard let (host, delimiter, after) = hostAndRest(rest), !host.isEmpty, delimiter != "/" else { return nil }
        var port: Int?
        if let after, !after.isEmpty {
            guard let number = ConfigValue.port(String(after)), number > 0 else { return nil }
            port = number
        }
        return ProxyHop(user: user, host: cleanHostName(host), port: port)
    }

    private static func uriHop(_ text: String) -> ProxyHop? {
        var rest = Substring(text)
        var user: String?
        if let at = rest.firstIndex(of: "@") {
            var info = rest[..<at]
            if let semicolon = info.firstIndex(of: ";") { info = info[..<semicolon] }
            guard !info.isEmpty, let decoded = urlDecode(info) else { return nil }
            user = decoded
            rest = rest[rest.index(after: at)...]
        }
        guard let (rawHost, delimiter, after) = hostAndRest(rest), !rawHost.isEmpty else { return nil }
        var host = cleanHostName(rawHost)
        guard isValidDomain(host) else { return nil }
        if host.hasSuffix(".") { host.removeLast() }
        var port: Int?
        var path = after
        if let tail = after, !tail.isEmpty, delimiter == ":" {
            let slash = tail.firstIndex(of: "/")
            guard let number = ConfigValue.port(String(tail[..<(slash ?? tail.endIndex)])), number > 0 else { return nil }
            port = number
            path = slash.map { tail[tail.index(after: $0)...] }
        }
        // A path is not allowed in a jump host URI.
        if let path, !path.isEmpty { return nil }
        return ProxyHop(user: user, host: host, port: port)
    }

    /// `hpdelim2`: the host (bracketed, or up to `:` or `/`), the delimiter, and what follows.
    private static func hostAndRest(_ text: Substring) -> (Substring, Character?, Substring?)? {
        var end: Substring.Index
        if text.first == "[" {
            guard let close = text.firstIndex(of: "]") else { return nil }
            end = text.index(after: close)
        } else {
            end = text.firstIndex { $0 == ":" || $0 == "/" } ?? text.endIndex
        }
        guard end < text.endIndex else { return (text[..<end], nil, nil) }
        let delimiter = text[end]
        guard delimiter == ":" || delimiter == "/" else { return nil }
        return (text[..<end], delimiter, text[text.index(after: end)...])
    }

    /// `cleanhostname`: brackets around an address removed.
    private static func cleanHostName(_ text: Substring) -> String {
        if text.first == "[", text.last == "]", text.count >= 2 { return String(text.dropFirst().dropLast()) }
        return String(text)
    }

    /// `valid_domain(name, 0)`.
    private static func isValidDomain(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, isAlphanumeric(first) else { return false }
        var last: UInt8 = 0
        for byte in bytes {
            if last == UInt8(ascii: "."), byte == UInt8(ascii: ".") { return false }
            guard byte == UInt8(ascii: ".") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_") || isAlphanumeric(byte) else { return false }
            last = byte
        }
        return true
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    /// `urldecode`: `%XX` and `+` for a space.
    private static func urlDecode(_ text: Substring) -> String? {
        var bytes: [UInt8] = []
        var iterator = Array(text.utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "+") {
                bytes.append(UInt8(ascii: " "))
            } else if byte == UInt8(ascii: "%") {
                guard let high = iterator.next(), let low = iterator.next(),
                    let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16)
                else { return nil }
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
