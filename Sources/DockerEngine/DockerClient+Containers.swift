extension DockerClient {
    /// The containers on the engine: `GET /containers/json`.
    ///
    /// - Parameters:
    ///   - all: include stopped containers, not only running ones.
    ///   - filters: the engine's filters, such as `["name": ["^/web$"]]` or `["label": ["molt.run"]]`.
    public func listContainers(all: Bool = true, filters: [String: [String]] = [:]) async throws -> [ContainerSummary] {
        var query: [HTTPRequest.QueryItem] = all ? [.init("all", "1")] : []
        query += try Self.filterQuery(filters)
        let request = HTTPRequest(.get, versioned("/containers/json"), query: query)
        let list = try await json(request)
        guard let entries = list.arrayValue else {
            throw DockerError(.malformedResponse, "the container list is not a JSON array", request: request.summary)
        }
        return try entries.map(ContainerSummary.init(raw:))
    }

    /// A container's full configuration and state: `GET /containers/{id}/json`.
    ///
    /// - Throws: ``DockerError`` `notFound` when there is no such container.
    public func inspectContainer(_ nameOrID: String) async throws -> ContainerDetails {
        try ContainerDetails(raw: try await json(HTTPRequest(.get, versioned("containers", nameOrID, "json"))))
    }

    /// The container with exactly this name, or `nil`.
    ///
    /// The engine resolves `/containers/{x}/json` by name and then by ID prefix, so asking for
    /// `db` on a host without one can answer with a container whose ID starts with `db…`.
    /// Code that means a name must ask this way.
    public func container(named name: String) async throws -> ContainerDetails? {
        do {
            let found = try await inspectContainer(name)
            return found.name == name ? found : nil
        } catch let error as DockerError where error.code == .notFound {
            return nil
        }
    }

    /// Creates a container and returns its ID: `POST /containers/create?name=`.
    ///
    /// - Parameter body: the Config fields at the top level, with `HostConfig` and
    ///   `NetworkingConfig`, as the engine takes them. The engine's warnings are ignored.
    /// - Throws: ``DockerError`` `conflict` when the name is taken, `notFound` when the image is
    ///   not on the engine.
    public func createContainer(name: String, body: JSONValue) async throws -> String {
        let request = try request(.post, versioned("/containers/create"), query: [.init("name", name)], json: body)
        let answer = try await json(request)
        guard let id = answer["Id"]?.stringValue, !id.isEmpty else {
            throw DockerError(.malformedResponse, "the engine created a container without telling its Id", request: request.summary)
        }
        return id
    }

    /// Starts a container; returns `false` when it was already running.
    @discardableResult
    public func startContainer(_ nameOrID: String) async throws -> Bool {
        let response = try await send(HTTPRequest(.post, versioned("containers", nameOrID, "start")), accepting: [304])
        return response.status != 304
    }

    /// Stops a container, killing it after `timeout`; returns `false` when it was already stopped.
    ///
    /// - Parameter timeout: how long the container may take to stop after SIGTERM; `nil` for
    ///   its own `StopTimeout` (10 seconds unless configured). The call waits that long plus
    ///   the client's ``timeout``.
    @discardableResult
    public func stopContainer(_ nameOrID: String, timeout: Duration? = nil) async throws -> Bool {
        let query: [HTTPRequest.QueryItem] = timeout.map { [.init("t", String(Self.seconds($0)))] } ?? []
        let request = HTTPRequest(.post, versioned("containers", nameOrID, "stop"), query: query)
        let limits = Limits(whole: self.timeout + (timeout ?? .seconds(10)), idle: nil)
        let response = try await send(request, accepting: [304], limits: limits)
        return response.status != 304
    }

    /// Stops and starts a container again; `timeout` as for ``stopContainer(_:timeout:)``.
    public func restartContainer(_ nameOrID: String, timeout: Duration? = nil) async throws {
        let query: [HTTPRequest.QueryItem] = timeout.map { [.init("t", String(Self.seconds($0)))] } ?? []
        let request = HTTPRequest(.post, versioned("containers", nameOrID, "restart"), query: query)
        _ = try await send(request, limits: Limits(whole: self.timeout + (timeout ?? .seconds(10)), idle: nil))
    }

    /// Renames a container: `POST /containers/{id}/rename?name=`.
    ///
    /// - Throws: ``DockerError`` `conflict` when `newName` is taken.
    public func renameContainer(_ nameOrID: String, to newName: String) async throws {
        _ = try await send(HTTPRequest(.post, versioned("containers", nameOrID, "rename"), query: [.init("name", newName)]))
    }

    /// Removes a container: `DELETE /containers/{id}`.
    ///
    /// - Parameters:
    ///   - force: kill it first if it runs.
    ///   - volumes: also remove its anonymous volumes; named volumes are never removed.
    public func removeContainer(_ nameOrID: String, force: Bool = false, volumes: Bool = false) async throws {
        let query: [HTTPRequest.QueryItem] = [.init("force", force ? "1" : "0"), .init("v", volumes ? "1" : "0")]
        _ = try await send(HTTPRequest(.delete, versioned("containers", nameOrID), query: query))
    }

    /// Freezes every process of a container, for a consistent copy of its volumes.
    public func pauseContainer(_ nameOrID: String) async throws {
        _ = try await send(HTTPRequest(.post, versioned("containers", nameOrID, "pause")))
    }

    /// Thaws a container paused with ``pauseContainer(_:)``.
    public func unpauseContainer(_ nameOrID: String) async throws {
        _ = try await send(HTTPRequest(.post, versioned("containers", nameOrID, "unpause")))
    }

    /// Waits until a container stops and returns its exit code: `POST /containers/{id}/wait`.
    ///
    /// - Parameters:
    ///   - condition: `not-running` (also returns at once for a stopped container),
    ///     `next-exit` or `removed`.
    ///   - timeout: how long to wait.
    public func waitContainer(_ nameOrID: String, condition: String = "not-running", timeout: Duration) async throws -> Int {
        let request = HTTPRequest(.post, versioned("containers", nameOrID, "wait"), query: [.init("condition", condition)])
        let answer = try await json(request, limits: Limits(whole: timeout, idle: nil))
        if let message = answer["Error"]?["Message"]?.stringValue, !message.isEmpty {
            throw DockerError(.serverError, message, request: request.summary)
        }
        guard let code = answer["StatusCode"]?.integerValue else {
            throw DockerError(.malformedResponse, "the wait answer has no StatusCode", request: request.summary)
        }
        return Int(code)
    }

    /// The last lines a container wrote: `GET /containers/{id}/logs`.
    ///
    /// - Parameters:
    ///   - tail: how many lines from the end; a negative number for all of them.
    ///   - timestamps: prefix each line with its RFC 3339 time.
    ///   - tty: whether the container has a terminal (``ContainerDetails/tty``), which decides
    ///     whether the output is multiplexed; when `nil`, the response's content type says so
    ///     (API 1.42 and newer) or the first bytes do.
    public func logs(_ container: String, tail: Int = 50, timestamps: Bool = false, tty: Bool? = nil) async throws -> ContainerLogs {
        let query: [HTTPRequest.QueryItem] = [
            .init("stdout", "1"), .init("stderr", "1"),
            .init("tail", tail < 0 ? "all" : String(tail)),
            .init("timestamps", timestamps ? "1" : "0"),
        ]
        let request = HTTPRequest(.get, versioned("containers", container, "logs"), query: query)
        return try await streaming(request, limits: standardLimits) { response in
            let contentType = response.headers["Content-Type"] ?? ""
            let mode: MultiplexedStreamDecoder.Mode =
                if contentType.hasPrefix("application/vnd.docker.multiplexed-stream") {
                    .multiplexed
                } else if let tty {
                    tty ? .raw : .multiplexed
                } else if apiVersion >= DockerAPIVersion(major: 1, minor: 42), contentType.hasPrefix("application/vnd.docker.raw-stream") {
                    .raw
                } else {
                    .detect
                }
            var decoder = MultiplexedStreamDecoder(mode: mode)
            var logs = ContainerLogs.Builder()
            var size = 0
            for try await chunk in response.body {
                size += chunk.count
                guard size <= http.configuration.maxBodySize else {
                    throw DockerError(.malformedResponse, "the logs are larger than \(http.configuration.maxBodySize) bytes")
                }
                for (stream, bytes) in decoder.decode(chunk) { logs.append(bytes, from: stream) }
            }
            for (stream, bytes) in try decoder.finish() { logs.append(bytes, from: stream) }
            return logs.finish()
        }
    }
}
