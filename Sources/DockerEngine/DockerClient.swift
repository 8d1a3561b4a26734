import Durations

/// A client of one Docker engine's HTTP API, over streams from a ``ByteStreamConnector``.
///
/// Every call opens its own stream (an SSH channel, a socket connection), speaks one HTTP/1.1
/// exchange on it and closes it. Paths are prefixed with ``apiVersion``; use ``negotiated()``
/// to speak the newest version both sides know. Failures are ``DockerError``s that name the
/// request and carry the engine's message; cancelling the task closes the stream at once.
public struct DockerClient: Sendable {
    /// The API version in every path, `/v1.41/...`.
    public var apiVersion: DockerAPIVersion
    /// The time limit of one ordinary call. Long streams (pulls, archives) may instead stay
    /// silent this long between two reads; stop and wait calls add the time they wait.
    public var timeout: Duration
    /// The HTTP client underneath, with its size limits.
    public var http: HTTPClient

    /// A client of the engine reached through `connector`, speaking `apiVersion`.
    public init(connector: any ByteStreamConnector, apiVersion: DockerAPIVersion = .minimum, timeout: Duration = .seconds(60)) {
        self.apiVersion = apiVersion
        self.timeout = timeout
        self.http = HTTPClient(connector: connector)
    }

    /// What the engine says about itself: `GET /version`, without a version prefix so that it
    /// works whatever the engine speaks.
    public func version() async throws -> EngineVersion {
        let request = HTTPRequest(.get, "/version")
        return try EngineVersion(raw: try await json(request))
    }

    /// Asks the engine its version and returns a copy of this client speaking the newest API
    /// version both know, with the engine's answer.
    ///
    /// - Throws: ``DockerError`` `unsupportedEngine` when the engine speaks less than
    ///   ``DockerAPIVersion/minimum``, or accepts only versions newer than
    ///   ``DockerAPIVersion/maximumKnown``.
    public func negotiated() async throws -> (DockerClient, EngineVersion) {
        let engine = try await version()
        guard let spoken = DockerAPIVersion(engine.apiVersion) else {
            throw DockerError(.malformedResponse, "the engine reports API version \"\(engine.apiVersion)\"", request: "GET /version")
        }
        guard spoken >= .minimum else {
            throw DockerError(
                .unsupportedEngine,
                "Docker Engine \(engine.version) speaks API \(engine.apiVersion); molt needs \(DockerAPIVersion.minimum) (Engine 20.10) or newer"
            )
        }
        let chosen = Swift.min(spoken, .maximumKnown)
        if let oldestAccepted = DockerAPIVersion(engine.minAPIVersion), oldestAccepted > chosen {
            throw DockerError(
                .unsupportedEngine,
                "Docker Engine \(engine.version) accepts API \(engine.minAPIVersion) or newer only; molt speaks up to \(DockerAPIVersion.maximumKnown)"
            )
        }
        var client = self
        client.apiVersion = chosen
        return (client, engine)
    }

    /// Checks that the engine answers: `GET /_ping`.
    public func ping() async throws {
        _ = try await send(HTTPRequest(.get, "/_ping"))
    }
}

// MARK: - Exchanges

extension DockerClient {
    /// How long an exchange may take.
    struct Limits {
        /// The whole exchange; `nil` for no such limit.
        var whole: Duration?
        /// The longest silence of the engine; `nil` for no such limit.
        var idle: Duration?
    }

    /// The standard limit: the whole exchange within ``timeout``.
    var standardLimits: Limits { Limits(whole: timeout, idle: nil) }

    /// For long transfers: no overall limit, but the engine may not stay silent for ``timeout``.
    var streamingLimits: Limits { Limits(whole: nil, idle: timeout) }

    /// `path` under the version prefix: `/containers/json` → `/v1.41/containers/json`.
    func versioned(_ path: String) -> String {
        apiVersion.pathPrefix + path
    }

    /// `/containers/{id}` and the like, with the name or ID percent-encoded.
    func versioned(_ collection: String, _ nameOrID: String, _ action: String? = nil, keepingSlashes: Bool = false) -> String {
        var path = apiVersion.pathPrefix + "/" + collection + "/"
        path += HTTPRequest.encodePathSegment(nameOrID, keepingSlashes: keepingSlashes)
        if let action { path += "/" + action }
        return path
    }

    /// A request carrying `body` as JSON.
    func request(_ method: HTTPRequest.Method, _ path: String, query: [HTTPRequest.QueryItem] = [], json body: JSONValue) throws -> HTTPRequest {
        try HTTPRequest(method, path, query: query, json: body)
    }

    /// Sends `request` and reads the whole response.
    ///
    /// - Parameter accepted: statuses outside 2xx that are answers rather than failures, such
    ///   as 404 for a lookup that may find nothing.
    func send(_ request: HTTPRequest, accepting accepted: Set<Int> = [], limits: Limits? = nil) async throws -> HTTPResponse {
        let limits = limits ?? standardLimits
        let response: HTTPResponse
        do {
            response = try await http.send(request, timeout: limits.whole, idleTimeout: limits.idle)
        } catch let error as HTTPError {
            throw DockerError(error)
        }
        guard response.isSuccess || accepted.contains(response.status) else {
            throw DockerError(response: response, request: request.summary)
        }
        return response
    }

    /// Sends `request` and decodes the JSON answer.
    func json(_ request: HTTPRequest, limits: Limits? = nil) async throws -> JSONValue {
        try decode(try await send(request, limits: limits), of: request)
    }

    /// The JSON body of `response`, or a `malformedResponse` error naming `request`.
    func decode(_ response: HTTPResponse, of request: HTTPRequest) throws -> JSONValue {
        do {
            return try JSONValue(json: response.body)
        } catch {
            throw DockerError(
                .malformedResponse,
                status: response.status,
                "the answer is not JSON: \(JSONCoding.describe(error))",
                request: request.summary
            )
        }
    }

    /// Sends `request` and hands its 2xx response to `body` as soon as the head arrives.
    func streaming<R>(
        _ request: HTTPRequest,
        limits: Limits,
        _ body: (HTTPStreamingResponse) async throws -> R
    ) async throws -> R {
        do {
            return try await http.withStreamingResponse(to: request, timeout: limits.whole, idleTimeout: limits.idle) { response in
                guard response.isSuccess else {
                    let bytes = try await response.body.collect(upTo: 64 << 10)
                    let whole = HTTPResponse(status: response.status, reason: response.reason, headers: response.headers, body: bytes)
                    throw DockerError(response: whole, request: request.summary)
                }
                return try await body(response)
            }
        } catch let error as HTTPError {
            throw DockerError(error)
        } catch var error as DockerError {
            if error.request == nil { error.request = request.summary }
            throw error
        }
    }

    /// Query items for a filter map, `filters={"name":["^/web$"]}`; none when empty.
    static func filterQuery(_ filters: [String: [String]]) throws -> [HTTPRequest.QueryItem] {
        guard !filters.isEmpty else { return [] }
        let document = JSONValue.object(filters.mapValues { .array($0.map(JSONValue.string)) })
        return [HTTPRequest.QueryItem("filters", String(decoding: try document.jsonBytes(), as: UTF8.self))]
    }

    /// A duration as the whole seconds the engine's `t` parameters take, rounded up.
    static func seconds(_ duration: Duration) -> Int {
        Int(duration.secondsRoundedUp)
    }
}
