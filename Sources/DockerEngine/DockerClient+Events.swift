extension DockerClient {
    /// Follows the engine's events about one container while `body` runs, renewing the
    /// subscription if the engine drops it, and closing it when `body` is done (see
    /// ``ContainerEventFeed/follow(_:_:)``).
    ///
    /// - Parameter container: the container's ID. The engine matches the filter as a prefix
    ///   of IDs and names, so a name also brings the events of containers whose names start
    ///   with it.
    public func followingEvents<R>(of container: String, _ body: (ContainerEventFeed) async throws -> R) async throws -> R {
        let client = self
        return try await ContainerEventFeed.follow({ feed in try await client.streamEvents(of: container, into: feed) }, body)
    }

    /// One subscription to the engine's events about a container: `GET /events` filtered on
    /// the container, the type `container` and `actions`. It confirms `feed` once the engine
    /// answers, delivers each event as it comes, and returns when the engine ends the
    /// stream. The stream has no time limit: cancelling the task closes it.
    ///
    /// - Throws: ``DockerError`` when the engine refuses the request or the stream breaks or
    ///   carries something that is not JSON.
    public func streamEvents(
        of container: String,
        actions: [String] = ContainerEvent.healthActions,
        into feed: ContainerEventFeed
    ) async throws {
        let filters = ["container": [container], "type": ["container"], "event": actions]
        let request = HTTPRequest(.get, versioned("/events"), query: try Self.filterQuery(filters))
        try await streaming(request, limits: Limits(whole: nil, idle: nil)) { response in
            feed.confirm()
            var splitter = JSONStreamSplitter(maxDocumentSize: 64 << 10)
            for try await chunk in response.body {
                for document in try splitter.split(chunk) {
                    guard let raw = try? JSONValue(json: document) else {
                        throw DockerError(.malformedResponse, "the event stream has an object that is not JSON")
                    }
                    // Anything else the engine may add to the stream is not about a container.
                    if let event = try? ContainerEvent(raw: raw) { feed.deliver(event) }
                }
            }
        }
    }
}

extension DockerClient {
    /// The engine's events between two moments, oldest first: `GET /events?since=&until=`,
    /// read to the end of the stream, which the engine ends at `until`. The engine replays
    /// past events from a buffer of its most recent ones (256 of every kind, probes included),
    /// so this is for the last seconds or minutes, such as the engine's own timings of a
    /// rollout that just ran.
    ///
    /// - Parameters:
    ///   - since: nanoseconds since 1970, on the engine's clock.
    ///   - until: likewise; a moment to come makes the call wait for it.
    ///   - filters: the engine's filters, such as `["type": ["container"], "event": ["rename"]]`.
    public func events(since: Int64, until: Int64, filters: [String: [String]] = [:]) async throws -> [ContainerEvent] {
        let query = [HTTPRequest.QueryItem("since", Self.timestamp(since)), HTTPRequest.QueryItem("until", Self.timestamp(until))]
            + (try Self.filterQuery(filters))
        let request = HTTPRequest(.get, versioned("/events"), query: query)
        return try await streaming(request, limits: standardLimits) { response in
            var splitter = JSONStreamSplitter(maxDocumentSize: 64 << 10)
            var events: [ContainerEvent] = []
            for try await chunk in response.body {
                for document in try splitter.split(chunk) {
                    guard let raw = try? JSONValue(json: document) else {
                        throw DockerError(.malformedResponse, "the event stream has an object that is not JSON")
                    }
                    if let event = try? ContainerEvent(raw: raw) { events.append(event) }
                }
            }
            return events
        }
    }

    /// A moment as the engine's `since` and `until` take it: `1700000000.000000001`.
    static func timestamp(_ nanoseconds: Int64) -> String {
        let fraction = String(nanoseconds % 1_000_000_000)
        return "\(nanoseconds / 1_000_000_000)." + String(repeating: "0", count: 9 - fraction.count) + fraction
    }
}
