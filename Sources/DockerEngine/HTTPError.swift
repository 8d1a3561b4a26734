/// A failure of an HTTP exchange itself, before any meaning is given to the response.
public struct HTTPError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure.
    public var code: Code
    /// What happened, in words.
    public var message: String
    /// The request, as `METHOD path`, when known.
    public var request: String?
    /// The error that caused this one, such as the byte stream's own error.
    public var underlying: (any Error)?

    /// An error of kind `code`, with the request and the cause when known.
    public init(_ code: Code, _ message: String, request: String? = nil, underlying: (any Error)? = nil) {
        self.code = code
        self.message = message
        self.request = request
        self.underlying = underlying
    }

    public var description: String {
        var text = message
        if let underlying { text += ": \(underlying)" }
        if let request { text += " (\(request))" }
        return text
    }

    /// The kinds of HTTP failure.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String {
            case malformedResponse = "malformed response"
            case bodyTooLarge = "body too large"
            case transport
            case timeout
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }
        public var description: String { kind.rawValue }

        /// The peer's bytes are not a valid HTTP/1.1 response, or end before it does.
        public static let malformedResponse = Code(.malformedResponse)
        /// A response body to be collected is larger than the limit.
        public static let bodyTooLarge = Code(.bodyTooLarge)
        /// The byte stream could not be opened, or failed while reading or writing.
        public static let transport = Code(.transport)
        /// The exchange did not finish before its deadline.
        public static let timeout = Code(.timeout)
    }
}
