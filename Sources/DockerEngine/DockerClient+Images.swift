extension DockerClient {
    /// An image on the engine by reference or ID: `GET /images/{name}/json`; `nil` when the
    /// engine does not have it.
    public func inspectImage(_ reference: String) async throws -> ImageDetails? {
        let request = HTTPRequest(.get, versioned("images", reference, "json", keepingSlashes: true))
        let response = try await send(request, accepting: [404])
        guard response.status != 404 else { return nil }
        return try ImageDetails(raw: try decode(response, of: request))
    }

    /// Removes an image by reference or ID: `DELETE /images/{name}`; false when the engine does
    /// not have it. Without `force`, an image a container uses is refused (`conflict`), and
    /// an ID with several tags is too.
    @discardableResult
    public func removeImage(_ reference: String, force: Bool = false) async throws -> Bool {
        let request = HTTPRequest(.delete, versioned("images", reference, keepingSlashes: true), query: [.init("force", force ? "1" : "0")])
        return try await send(request, accepting: [404]).status != 404
    }

    /// Points a tag at an image: `POST /images/{image}/tag?repo=&tag=`. The tag leaves the
    /// image it named before, as a pull of that tag would move it.
    /// - Parameters:
    ///   - image: the image to tag, by ID or reference.
    ///   - reference: the tag to point at it, `registry:5000/web:latest`; without a tag, `latest`.
    public func tagImage(_ image: String, as reference: String) async throws {
        let target = try ImageReference(reference)
        guard target.digest == nil else {
            throw DockerError(.badRequest, "\(reference) names a digest; only a tag can be pointed at an image")
        }
        let request = HTTPRequest(.post, versioned("images", image, "tag", keepingSlashes: true),
                                  query: [.init("repo", target.name), .init("tag", target.tag ?? "latest")])
        _ = try await send(request)
    }

    /// Pulls an image: `POST /images/create?fromImage=&tag=`, reporting progress as it comes.
    ///
    /// A reference without tag or digest pulls `latest`, never every tag. The engine answers
    /// 200 and reports failures inside the progress stream, so the stream is read to its end.
    /// The pull may take as long as it needs, as long as the engine does not stay silent for
    /// the client's ``timeout``.
    ///
    /// - Parameters:
    ///   - reference: `web:2.0`, `127.0.0.1:5000/team/web:2.0`, `web@sha256:...`.
    ///   - auth: registry credentials (see ``RegistryCredentials``).
    ///   - progress: called for each progress line, in order.
    /// - Throws: ``DockerError`` `registry` with the engine's message when the stream reports
    ///   an error (unknown tag, access denied); `notFound` or `serverError` when the engine
    ///   refuses at once.
    public func pullImage(
        _ reference: String,
        auth: RegistryAuth? = nil,
        progress: @Sendable (PullProgress) -> Void = { _ in }
    ) async throws {
        let image = try ImageReference(reference)
        var headers: HTTPHeaderFields = [:]
        if let auth { headers["X-Registry-Auth"] = auth.headerValue }
        let request = HTTPRequest(
            .post,
            versioned("/images/create"),
            query: [.init("fromImage", image.name), .init("tag", image.pullTag)],
            headers: headers
        )
        let failure: DockerError? = try await streaming(request, limits: streamingLimits) { response in
            var splitter = JSONStreamSplitter()
            var failure: DockerError?
            for try await chunk in response.body {
                for document in try splitter.split(chunk) {
                    guard let line = try? JSONValue(json: document) else {
                        throw DockerError(.malformedResponse, "the pull progress stream has a line that is not JSON")
                    }
                    if let message = line["errorDetail"]?["message"]?.stringValue ?? line["error"]?.stringValue {
                        let code = line["errorDetail"]?["code"]?.integerValue.map { Int($0) }
                        failure = failure ?? DockerError(.registry, status: code, "pulling \(image): \(message)")
                    } else {
                        progress(PullProgress(raw: line))
                    }
                }
            }
            if splitter.hasPartialDocument, failure == nil {
                throw DockerError(.malformedResponse, "the pull progress stream ended in the middle of a line")
            }
            return failure
        }
        if var failure {
            failure.request = request.summary
            throw failure
        }
    }
}
