extension DockerClient {
    /// What changed in a container's filesystem against its image:
    /// `GET /containers/{id}/changes`. Works on stopped containers too.
    ///
    /// - Throws: ``DockerError`` `notFound` when there is no such container.
    public func containerChanges(_ nameOrID: String) async throws -> [ContainerChange] {
        let request = HTTPRequest(.get, versioned("containers", nameOrID, "changes"))
        let answer = try await json(request)
        // The engine answers `null` for a container with no change.
        if answer == .null { return [] }
        guard let entries = answer.arrayValue else {
            throw DockerError(.malformedResponse, "the container changes are not a JSON array", request: request.summary)
        }
        return try entries.map(ContainerChange.init(raw:))
    }

    /// An image's layers, newest first: `GET /images/{name}/history`.
    ///
    /// - Throws: ``DockerError`` `notFound` when the engine does not have the image.
    public func imageHistory(_ reference: String) async throws -> [ImageHistoryEntry] {
        let request = HTTPRequest(.get, versioned("images", reference, "history", keepingSlashes: true))
        guard let entries = try await json(request).arrayValue else {
            throw DockerError(.malformedResponse, "the image history is not a JSON array", request: request.summary)
        }
        return try entries.map(ImageHistoryEntry.init(raw:))
    }

    /// The digest the registry holds now for a tag, asked through the engine:
    /// `GET /distribution/{name}/json`, with the credentials a pull would send.
    ///
    /// - Throws: ``DockerError`` with the engine's message when the registry cannot be asked,
    ///   refuses the credentials or has no such tag.
    public func distributionDigest(_ reference: String, auth: RegistryAuth?) async throws -> String {
        var headers: HTTPHeaderFields = [:]
        if let auth { headers["X-Registry-Auth"] = auth.headerValue }
        let request = HTTPRequest(.get, versioned("distribution", reference, "json", keepingSlashes: true), headers: headers)
        let answer = try await json(request)
        guard let digest = answer["Descriptor"]?["digest"]?.stringValue, !digest.isEmpty else {
            throw DockerError(.malformedResponse, "the distribution answer has no Descriptor.digest", request: request.summary)
        }
        return digest
    }
}
