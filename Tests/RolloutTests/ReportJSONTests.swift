import Foundation
import Testing

import Fleet
import Journal
@testable import Rollout

/// The JSON documents of SPEC §5 show every key: what is absent is `null`, never left out
/// (`NullWhenNil`), and dates are ISO 8601 UTC with milliseconds (`Timestamped`).
@Suite("Report JSON: null for what is absent")
struct ReportJSONTests {
    private func object(_ value: some Encodable) throws -> [String: Any] {
        let data = try JSONEncoder().encode(value)
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test("status: an unreachable host has null versions, a reachable one a null error, a container without a health check null health")
    func status() throws {
        let down = try object(HostStatus(name: "lab2", address: "10.0.0.2", reachable: false, error: "refused"))
        #expect(down["error"] as? String == "refused")
        #expect(down["docker_version"] is NSNull)
        #expect(down["api_version"] is NSNull)
        let up = try object(HostStatus(
            name: "lab1", address: "10.0.0.1", reachable: true, dockerVersion: "20.10.24", apiVersion: "1.41",
            containers: [ContainerStatus(name: "web", id: "abc", image: "web:1", imageID: "sha256:1", state: "running", health: nil, labels: [:])]))
        #expect(up["error"] is NSNull)
        #expect(up["docker_version"] as? String == "20.10.24")
        let container = try #require((up["containers"] as? [[String: Any]])?.first)
        #expect(container["health"] is NSNull)
        #expect(container["image_id"] as? String == "sha256:1")
        #expect(up["elapsed"] == nil)
    }

    @Test("find: a match by image has null package and version")
    func find() throws {
        let match = try object(FindMatch(host: "lab1", container: "web", image: "web:1", state: "running"))
        #expect(match["package"] is NSNull)
        #expect(match["version"] is NSNull)
        let problem = try object(FindProblem(host: "lab2", error: "refused"))
        #expect(problem["container"] == nil, "a host-level problem names no container")
    }

    @Test("plan: a new service's from is null, and a note appears only when there is one")
    func plan() throws {
        let entry = try object(PlanEntry(host: "lab1", service: "web", container: "web", from: nil, to: "web:2", action: .update))
        #expect(entry["from"] is NSNull)
        #expect(entry["note"] == nil)
        #expect(entry["action"] as? String == "update")
    }

    @Test("history: an unfinished run's finished and result are null, dates have milliseconds, steps write their kind as text")
    func history() throws {
        let started = Date(timeIntervalSince1970: 1_796_019_664.25)
        let run = try object(RunRecord(
            id: "r1", command: "rollout", playbook: "web", playbookPath: "web.yml", user: "ops", coordinator: "c", pid: 1,
            started: started, finished: nil, result: nil))
        #expect(run["finished"] is NSNull)
        #expect(run["result"] is NSNull)
        #expect(run["started"] as? String == "2026-11-30T06:21:04.250Z")
        #expect(run["batches"] == nil && run["steps"] == nil, "batches and steps only when they were read")
        #expect(run["pid"] == nil && run["playbook_path"] == nil)
        let step = try object(StepRecord(
            id: 1, run: "r1", host: "lab1", service: "gate", step: .gate(afterBatch: 2), started: started, finished: nil,
            outcome: .other("lukewarm"), detail: nil))
        #expect(step["step"] as? String == "gate after batch 2")
        #expect(step["outcome"] as? String == "lukewarm")
        #expect(step["detail"] is NSNull)
        #expect(step["finished"] is NSNull)
    }
}
