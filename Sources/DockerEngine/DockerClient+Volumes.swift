extension DockerClient {
    /// The volumes on the engine: `GET /volumes`.
    ///
    /// - Parameter filters: the engine's filters, such as `["label": ["molt.trial"]]`.
    public func listVolumes(filters: [String: [String]] = [:]) async throws -> [Volume] {
        let request = HTTPRequest(.get, versioned("/volumes"), query: try Self.filterQuery(filters))
        let answer = try await json(request)
        return try (answer["Volumes"]?.arrayValue ?? []).map(Volume.init(raw:))
    }

    /// A volume by name: `GET /volumes/{name}`; `nil` when there is none.
    public func inspectVolume(_ name: String) async throws -> Volume? {
        let request = HTTPRequest(.get, versioned("volumes", name))
        let response = try await send(request, accepting: [404])
        guard response.status != 404 else { return nil }
        return try Volume(raw: try decode(response, of: request))
    }

    /// Creates a volume: `POST /volumes/create`. An existing volume of that name is returned
    /// as it is, as the engine does.
    public func createVolume(name: String, labels: [String: String] = [:], driver: String = "local") async throws -> Volume {
        let body: JSONValue = [
            "Name": .string(name),
            "Driver": .string(driver),
            "Labels": .object(labels.mapValues(JSONValue.string)),
        ]
        return try Volume(raw: try await json(try request(.post, versioned("/volumes/create"), json: body)))
    }

    /// Removes a volume: `DELETE /volumes/{name}`.
    ///
    /// - Throws: ``DockerError`` `conflict` when a container uses it, `notFound` when there is none.
    public func removeVolume(_ name: String, force: Bool = false) async throws {
        let query: [HTTPRequest.QueryItem] = force ? [.init("force", "1")] : []
        _ = try await send(HTTPRequest(.delete, versioned("volumes", name), query: query))
    }
}
