/// An HTTP/1.1 request, as this module sends it over a byte stream.
public struct HTTPRequest: Sendable {
    /// The request method.
    public var method: Method
    /// The path, already percent-encoded where needed (see ``HTTPRequest/encodePathSegment(_:)``).
    public var path: String
    /// Query parameters, percent-encoded when the request is sent.
    public var query: [QueryItem]
    /// Header fields besides the ones the client adds (`Host`, `User-Agent`, framing).
    public var headers: HTTPHeaderFields
    /// The body sent after the head.
    public var body: Body

    /// A request for `path` (already percent-encoded) with `query` encoded when sent.
    public init(
        _ method: Method,
        _ path: String,
        query: [QueryItem] = [],
        headers: HTTPHeaderFields = [:],
        body: Body = .none
    ) {
        self.method = method
        self.path = path
        self.query = query
        self.headers = headers
        self.body = body
    }

    /// An HTTP method.
    public struct Method: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The method name, `GET`.
        public var rawValue: String
        public init(rawValue: String) { self.rawValue = rawValue }
        public var description: String { rawValue }

        public static let get = Method(rawValue: "GET")
        public static let head = Method(rawValue: "HEAD")
        public static let post = Method(rawValue: "POST")
        public static let put = Method(rawValue: "PUT")
        public static let delete = Method(rawValue: "DELETE")
    }

    /// One query parameter.
    public struct QueryItem: Sendable, Hashable {
        /// The parameter name and value, unencoded.
        public var name: String
        public var value: String

        public init(_ name: String, _ value: String) {
            self.name = name
            self.value = value
        }
    }

    /// What follows the request head.
    public enum Body: Sendable {
        /// No body; `POST` and `PUT` still say `Content-Length: 0`.
        case none
        /// A body sent whole, with its `Content-Length`.
        case bytes([UInt8])
        /// A body sent as it is produced, with `Transfer-Encoding: chunked`.
        case stream(AsyncThrowingStream<[UInt8], any Error>)
    }

    /// The request target: the path and the encoded query.
    public var target: String {
        guard !query.isEmpty else { return path }
        let pairs = query.map { PercentEncoding.encode($0.name) + "=" + PercentEncoding.encode($0.value) }
        return path + "?" + pairs.joined(separator: "&")
    }

    /// The method and target, for error messages: `GET /v1.41/containers/web/json`.
    public var summary: String { "\(method) \(path)" }

    /// Percent-encodes one path segment: a container name, an exec ID, an image reference.
    ///
    /// `/` is kept when `keepingSlashes` is set, because the engine routes image names with
    /// slashes in them (`/images/registry:5000/team/app:1.0/json`) literally.
    public static func encodePathSegment(_ segment: String, keepingSlashes: Bool = false) -> String {
        PercentEncoding.encode(segment, allowing: keepingSlashes ? PercentEncoding.pathCharacters + "/" : PercentEncoding.pathCharacters)
    }
}

extension HTTPRequest {
    /// A request whose body is `value` encoded as JSON, with `Content-Type: application/json`.
    public init(
        _ method: Method,
        _ path: String,
        query: [QueryItem] = [],
        headers: HTTPHeaderFields = [:],
        json value: some Encodable
    ) throws {
        var headers = headers
        headers["Content-Type"] = "application/json"
        self.init(method, path, query: query, headers: headers, body: .bytes(try JSONCoding.encode(value)))
    }
}

/// RFC 3986 percent-encoding of UTF-8 text.
enum PercentEncoding {
    /// Characters that never need encoding anywhere: ALPHA, DIGIT, `-`, `.`, `_`, `~`.
    static let unreserved = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~"
    /// Characters a path segment may carry literally (`pchar`), less the sub-delimiters a
    /// server might read specially (`;`, `=`, `&`, `+`, ...).
    static let pathCharacters = unreserved + ":@"

    static func encode(_ text: String, allowing allowed: String = unreserved) -> String {
        let allowedBytes = Set(allowed.utf8)
        var result = ""
        result.reserveCapacity(text.utf8.count)
        for byte in text.utf8 {
            if allowedBytes.contains(byte) {
                result.unicodeScalars.append(Unicode.Scalar(byte))
            } else {
                result += "%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return result
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
