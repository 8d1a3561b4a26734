/// A metric read over HTTP from the coordinator during a gate's hold (an entry of `http:`),
/// such as a Prometheus instant query, and the bounds its value must keep.
///
/// Every bound given must hold: `min` and `max` compare the value as a number (a value that is
/// not a number fails them); `equals` compares it as a number when both sides are numbers
/// (`equals: 1` matches `"1"`, `"1.0"` and `1`), else as text, exactly. YAML booleans given to
/// `equals` are the text `true` or `false`, as JSON writes them.
public struct MetricCheck: Sendable, Hashable {
    /// The URL to `GET`: `http://` only (molt speaks no TLS; reach an HTTPS-only server through
    /// a local proxy). Checked at load time, see ``MetricURL``.
    public var url: String
    /// Where the value is in a JSON reply; nil takes the whole body, trimmed, as the value.
    public var value: ValueSelector?
    /// The smallest value that passes.
    public var min: Double?
    /// The largest value that passes.
    public var max: Double?
    /// The one value that passes.
    public var equals: String?
    /// The line of the check in the playbook, for errors about it found later.
    public var line: Int?

    /// Creates a check; a playbook's checks have at least one of `min`, `max` and `equals`.
    public init(url: String, value: ValueSelector? = nil, min: Double? = nil, max: Double? = nil, equals: String? = nil, line: Int? = nil) {
        self.url = url
        self.value = value
        self.min = min
        self.max = max
        self.equals = equals
        self.line = line
    }

    /// The URL taken apart, or nil when it is not one molt can read (see ``MetricURL``).
    public var target: MetricURL? { try? MetricURL(parsing: url) }
}

/// An `http://` URL taken apart for one GET: host, port and request target.
///
/// Only what a plain HTTP/1.1 request needs: no user information (credentials do not belong in
/// a playbook), no fragment, nothing the request line cannot carry as written (spaces, control
/// characters and non-ASCII must be percent-encoded).
public struct MetricURL: Sendable, Hashable {
    /// The host name or address, without brackets for IPv6.
    public var host: String
    /// The TCP port; 80 when the URL gives none.
    public var port: Int
    /// The path and query, as sent in the request line: `/api/v1/query?query=up`.
    public var target: String

    /// Takes `text` apart, or throws a reason saying what is wrong with it.
    public init(parsing text: String) throws(MetricURL.Problem) {
        let lowered = text.lowercased()
        if lowered.hasPrefix("https://") {
            throw Problem("molt's metric checks speak plain HTTP only, not HTTPS; query the metrics server over http:// (on a private or loopback address), or through a local proxy")
        }
        guard lowered.hasPrefix("http://") else {
            throw Problem("an http:// URL is needed, such as http://prometheus:9090/api/v1/query?query=up")
        }
        if let bad = text.unicodeScalars.first(where: { $0.value <= 0x20 || $0.value >= 0x7F }) {
            let shown = bad == " " ? "a space" : "the character U+\(String(bad.value, radix: 16, uppercase: true))"
            throw Problem("the URL contains \(shown); percent-encode it (a space is %20)")
        }
        let rest = text.dropFirst("http://".count)
        guard !rest.contains("#") else { throw Problem("the URL has a fragment (#…), which is never sent to the server; remove it") }
        let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        var target = String(rest[authorityEnd...])
        if target.hasPrefix("?") || target.isEmpty { target = "/" + target }
        guard !authority.contains("@") else {
            throw Problem("the URL carries a user name or password, which molt does not send; serve the metric without a login on a private address")
        }
        var host = Substring(authority)
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { throw Problem("the IPv6 address in the URL has no closing ']'") }
            host = authority[authority.index(after: authority.startIndex)..<close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { throw Problem("'\(after)' after the IPv6 address is not a port") }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        }
        guard !host.isEmpty else { throw Problem("the URL names no host") }
        var port = 80
        if let portText {
            guard let number = Int(portText), !portText.hasPrefix("+"), (1...65535).contains(number) else {
                throw Problem("'\(portText)' is not a port number from 1 to 65535")
            }
            port = number
        }
        self.host = String(host)
        self.port = port
        self.target = target
    }

    /// The `Host` header's value: the host, and the port unless it is 80.
    public var authority: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return port == 80 ? name : "\(name):\(port)"
    }

    /// Why a URL cannot be read.
    public struct Problem: Error, Sendable, Hashable, CustomStringConvertible {
        /// What is wrong, and what to write instead.
        public var message: String
        init(_ message: String) { self.message = message }
        public var description: String { message }
    }
}
