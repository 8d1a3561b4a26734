/// A failed Docker Engine API call: what the engine answered, or why no answer came.
///
/// The description names the request and the engine's own words, such as
/// `GET /v1.41/containers/web/json: 404 No such container: web`. When the byte stream itself
/// failed (an SSH channel, a socket), that error is kept as ``underlying`` and its text is part
/// of ``message``, so the operator sees the real cause.
public struct DockerError: Error, CustomStringConvertible, Sendable {
    /// What kind of failure.
    public var code: Code
    /// The HTTP status the engine answered with, if it answered.
    public var status: Int?
    /// The engine's `message`, or what went wrong, in words.
    public var message: String
    /// The request, as `METHOD path`: `GET /v1.41/containers/web/json`.
    public var request: String?
    /// The error that caused this one: the byte stream's error, or an ``HTTPError``.
    public var underlying: (any Error)?

    /// An error of kind `code`; `status` and `request` when the engine answered.
    public init(
        _ code: Code,
        status: Int? = nil,
        _ message: String,
        request: String? = nil,
        underlying: (any Error)? = nil
    ) {
        self.code = code
        self.status = status
        self.message = message
        self.request = request
        self.underlying = underlying
    }

    public var description: String {
        var text = request.map { "\($0): " } ?? ""
        if let status { text += "\(status) " }
        return text + message
    }

    /// The kinds of failure; new kinds may be added, so match with `==` rather than exhaustively.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String {
            case notFound = "not found"
            case conflict
            case badRequest = "bad request"
            case notModified = "not modified"
            case serverError = "server error"
            case unexpectedStatus = "unexpected status"
            case unsupportedEngine = "unsupported engine"
            case malformedResponse = "malformed response"
            case transport
            case timeout
            case registry
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }
        public var description: String { kind.rawValue }

        /// 404: no such container, image, volume, network or path.
        public static let notFound = Code(.notFound)
        /// 409: a name already in use, a container in the wrong state.
        public static let conflict = Code(.conflict)
        /// 400: the engine refused the request's parameters or body.
        public static let badRequest = Code(.badRequest)
        /// 304: the container was already in the state asked for.
        public static let notModified = Code(.notModified)
        /// 5xx: the engine failed, often passing on a registry's or a runtime's error.
        public static let serverError = Code(.serverError)
        /// Any other status outside 2xx, such as 401 or 403.
        public static let unexpectedStatus = Code(.unexpectedStatus)
        /// The engine speaks an API older than molt needs.
        public static let unsupportedEngine = Code(.unsupportedEngine)
        /// The engine's bytes are not valid HTTP, or not the JSON the API documents.
        public static let malformedResponse = Code(.malformedResponse)
        /// The byte stream to the engine could not be opened, or failed.
        public static let transport = Code(.transport)
        /// No answer within the client's time limit.
        public static let timeout = Code(.timeout)
        /// A pull failed inside its progress stream: unknown tag, denied access, registry down.
        public static let registry = Code(.registry)

        /// The code for an HTTP status outside 2xx.
        public init(status: Int) {
            switch status {
            case 304: self = .notModified
            case 400: self = .badRequest
            case 404: self = .notFound
            case 409: self = .conflict
            case 500..<600: self = .serverError
            default: self = .unexpectedStatus
            }
        }
    }
}

extension DockerError {
    /// The error for an exchange that failed below the API: transport, framing or timeout.
    init(_ error: HTTPError) {
        let code: Code =
            switch error.code {
            case .timeout: .timeout
            case .transport: .transport
            default: .malformedResponse
            }
        var message = error.message
        if let underlying = error.underlying { message += ": \(underlying)" }
        self.init(code, message, request: error.request, underlying: error.underlying ?? error)
    }

    /// The error for a response outside 2xx, with the engine's `{"message": ...}` when it sent one.
    init(response: HTTPResponse, request: String) {
        self.init(
            Code(status: response.status),
            status: response.status,
            Self.engineMessage(in: response.body) ?? (response.reason.isEmpty ? "no message" : response.reason),
            request: request
        )
    }

    /// The `message` of an engine error body, or the body itself when it is short plain text.
    static func engineMessage(in body: [UInt8]) -> String? {
        if let json = try? JSONValue(json: body), let message = json["message"]?.stringValue {
            return message.trimmingWhitespace()
        }
        let text = String(decoding: body.prefix(1024), as: UTF8.self).trimmingWhitespace()
        return text.isEmpty ? nil : text
    }
}

extension String {
    func trimmingWhitespace() -> String {
        var scalars = Substring(self)
        while let first = scalars.first, first.isWhitespace { scalars.removeFirst() }
        while let last = scalars.last, last.isWhitespace { scalars.removeLast() }
        return String(scalars)
    }
}
