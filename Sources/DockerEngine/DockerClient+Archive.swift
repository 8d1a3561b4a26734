extension DockerClient {
    /// A file or directory of a container as a tar archive: `GET /containers/{id}/archive?path=`.
    ///
    /// Works on stopped containers too. The transfer may take as long as it needs, as long as
    /// the engine does not stay silent for the client's ``timeout``.
    ///
    /// - Parameter maxSize: the largest archive to hold in memory; larger ones fail with
    ///   `malformedResponse`. Use ``withArchive(of:path:_:)`` to stream instead.
    /// - Throws: ``DockerError`` `notFound` when the container or the path does not exist.
    public func archive(of container: String, path: String, maxSize: Int = 1 << 30) async throws -> [UInt8] {
        try await withArchive(of: container, path: path) { body in
            do {
                return try await body.collect(upTo: maxSize)
            } catch let error as HTTPError where error.code == .bodyTooLarge {
                throw DockerError(.malformedResponse, "the archive of \(path) is larger than \(maxSize) bytes", underlying: error)
            }
        }
    }

    /// Streams a file or directory of a container as tar bytes to `body`.
    public func withArchive<R>(
        of container: String,
        path: String,
        _ body: (HTTPBody) async throws -> R
    ) async throws -> R {
        let request = HTTPRequest(.get, versioned("containers", container, "archive"), query: [.init("path", path)])
        return try await streaming(request, limits: streamingLimits) { response in
            try await body(response.body)
        }
    }

    /// What a path in a container is: `HEAD /containers/{id}/archive?path=`; `nil` when the
    /// path (or the container) does not exist.
    public func archiveInfo(of container: String, path: String) async throws -> PathStat? {
        let request = HTTPRequest(.head, versioned("containers", container, "archive"), query: [.init("path", path)])
        let response = try await send(request, accepting: [404])
        guard response.status != 404 else { return nil }
        guard let header = response.headers["X-Docker-Container-Path-Stat"],
            let document = Base64.decode(header),
            let stat = try? PathStat(raw: JSONValue(json: document))
        else {
            throw DockerError(.malformedResponse, "the answer has no readable X-Docker-Container-Path-Stat header", request: request.summary)
        }
        return stat
    }

    /// Extracts a tar archive into a directory of a container: `PUT /containers/{id}/archive?path=`.
    ///
    /// - Parameter path: an existing directory in the container.
    public func putArchive(into container: String, path: String, tar: [UInt8]) async throws {
        try await putArchive(into: container, path: path, body: .bytes(tar))
    }

    /// Extracts a tar archive produced piece by piece, such as one streamed from
    /// ``withArchive(of:path:_:)`` of another container.
    public func putArchive(into container: String, path: String, chunks: AsyncThrowingStream<[UInt8], any Error>) async throws {
        try await putArchive(into: container, path: path, body: .stream(chunks))
    }

    private func putArchive(into container: String, path: String, body: HTTPRequest.Body) async throws {
        let request = HTTPRequest(
            .put,
            versioned("containers", container, "archive"),
            query: [.init("path", path)],
            headers: ["Content-Type": "application/x-tar"],
            body: body
        )
        _ = try await send(request, limits: streamingLimits)
    }
}
