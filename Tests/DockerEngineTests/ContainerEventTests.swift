import Foundation
import Testing

@testable import DockerEngine

/// Following the engine's events (`GET /events`) and the feed a health wait sleeps on.
@Suite("Container events")
struct ContainerEventTests {
    static let start = #"{"status":"start","id":"abc123","from":"web:2","Type":"container","Action":"start","Actor":{"ID":"abc123","Attributes":{"image":"web:2","name":"web.molt-next"}},"scope":"local","time":1700000000,"timeNano":1700000000100000000}"#
    static let healthy = #"{"status":"health_status: healthy","id":"abc123","from":"web:2","Type":"container","Action":"health_status: healthy","Actor":{"ID":"abc123","Attributes":{"image":"web:2","name":"web.molt-next"}},"scope":"local","time":1700000001,"timeNano":1700000001160000000}"#

    /// A chunked 200 response carrying `lines`, each line a chunk, that stays open afterwards.
    static func stream(_ lines: [String], pieceSize: Int) -> Script {
        var wire = Array(crlf("HTTP/1.1 200 OK\nContent-Type: application/json\nTransfer-Encoding: chunked\n\n").utf8)
        for line in lines {
            let data = line + "\n"
            wire += Array((String(data.utf8.count, radix: 16) + "\r\n" + data + "\r\n").utf8)
        }
        return .response(wire, pieceSize: pieceSize, hangs: true)
    }

    /// Waits on `feed` until `done` holds, for at most 30 s.
    static func waitOn(_ feed: ContainerEventFeed, until done: () -> Bool) async throws {
        let deadline = ContinuousClock.now + .seconds(30)
        var seen = 0
        while !done() && ContinuousClock.now < deadline {
            seen = try await feed.wait(past: seen, until: deadline)
        }
    }

    @Test("the request filters on the container, its type and the actions; events arrive as the engine sends them, whatever the read boundaries; the stream is closed when the body is done",
          arguments: [7, 64, 4096])
    func follow(pieceSize: Int) async throws {
        let connector = ScriptedConnector(Self.stream([Self.start, Self.healthy], pieceSize: pieceSize))
        let docker = DockerClient(connector: connector, timeout: .seconds(60))
        let events = try await docker.followingEvents(of: "abc123") { feed in
            try await Self.waitOn(feed) { feed.events.count >= 2 }
            #expect(feed.isFollowing)
            return feed.events
        }
        #expect(events.map(\.action) == ["start", "health_status: healthy"])
        #expect(events.map(\.healthStatus) == [nil, "healthy"])
        #expect(events.first?.name == "web.molt-next")
        #expect(events.last?.timeNano == 1_700_000_001_160_000_000)
        #expect(await connector.allClosed(within: .seconds(10)))
        let line = connector.requests[0].components(separatedBy: "\r\n")[0]
        let target = try #require(line.split(separator: " ").dropFirst().first.map(String.init)?.removingPercentEncoding)
        #expect(target.hasPrefix("/v1.41/events?filters="))
        let filters = try #require(try JSONSerialization.jsonObject(with: Data(target.dropFirst("/v1.41/events?filters=".count).utf8)) as? [String: [String]])
        #expect(filters["container"] == ["abc123"])
        #expect(filters["type"] == ["container"])
        #expect(filters["event"] == ContainerEvent.healthActions)
    }

    @Test("an engine that refuses the subscription: the body runs anyway on an interrupted feed, and the subscription is tried again")
    func refusedThenRenewed() async throws {
        let connector = ScriptedConnector(
            jsonResponse("500 Internal Server Error", #"{"message":"events are off"}"#),
            Self.stream([Self.start], pieceSize: 4096))
        let docker = DockerClient(connector: connector, timeout: .seconds(60))
        let statuses = try await docker.followingEvents(of: "abc123") { feed in
            try await Self.waitOn(feed) { feed.status != .opening }
            let first = feed.status
            try await Self.waitOn(feed) { feed.events.count >= 1 }
            return [first, feed.status]
        }
        guard case .interrupted(let reason) = statuses[0] else {
            Issue.record("not interrupted first: \(statuses)")
            return
        }
        #expect(reason.contains("events are off"), "\(reason)")
        #expect(statuses[1] == .following)
        #expect(await connector.allClosed(within: .seconds(10)))
    }

    @Test("an engine that ends the stream: the feed says so, and a new subscription is opened")
    func endedThenRenewed() async throws {
        var ended = Self.stream([Self.start], pieceSize: 4096)
        ended.hangs = false
        ended.pieces.append(Array("0\r\n\r\n".utf8))
        let connector = ScriptedConnector(ended, Self.stream([Self.healthy], pieceSize: 4096))
        let docker = DockerClient(connector: connector, timeout: .seconds(60))
        let actions = try await docker.followingEvents(of: "abc123") { feed in
            try await Self.waitOn(feed) { feed.events.count >= 2 }
            return feed.events.map(\.action)
        }
        #expect(actions == ["start", "health_status: healthy"])
        #expect(connector.requests.count == 2)
        #expect(await connector.allClosed(within: .seconds(10)))
    }

    @Test("a wait returns at its deadline when nothing happens, at once when something already has, and throws when cancelled")
    func feedWaits() async throws {
        let feed = ContainerEventFeed()
        let before = ContinuousClock.now
        #expect(try await feed.wait(past: 0, until: before + .milliseconds(30)) == 0)
        #expect(ContinuousClock.now - before >= .milliseconds(30))
        feed.confirm()
        feed.confirm()
        #expect(feed.generation == 1, "confirming twice is one change")
        #expect(try await feed.wait(past: 0, until: .now + .seconds(60)) == 1)

        let waiter = Task { try await feed.wait(past: 1, until: .now + .seconds(60)) }
        while !feed.isAwaited { try await Task.sleep(for: .milliseconds(1)) }
        feed.deliver(ContainerEvent(id: "abc", action: "die"))
        #expect(try await waiter.value == 2)

        let cancelled = Task { try await feed.wait(past: 2, until: .now + .seconds(60)) }
        while !feed.isAwaited { try await Task.sleep(for: .milliseconds(1)) }
        cancelled.cancel()
        await #expect(throws: CancellationError.self) { try await cancelled.value }
        #expect(!feed.isAwaited)
    }

    @Test("past events: since and until as the engine writes timestamps, read to the end of the stream")
    func pastEvents() async throws {
        var script = Self.stream([Self.start, Self.healthy], pieceSize: 4096)
        script.hangs = false
        script.pieces.append(Array("0\r\n\r\n".utf8))
        let connector = ScriptedConnector(script)
        let docker = DockerClient(connector: connector, timeout: .seconds(60))
        let events = try await docker.events(since: 1_700_000_000_000_000_005, until: 1_700_000_002_500_000_000, filters: ["type": ["container"]])
        #expect(events.map(\.action) == ["start", "health_status: healthy"])
        let line = connector.requests[0].components(separatedBy: "\r\n")[0]
        #expect(line.hasPrefix("GET /v1.41/events?since=1700000000.000000005&until=1700000002.500000000&filters="), "\(line)")
    }
}
