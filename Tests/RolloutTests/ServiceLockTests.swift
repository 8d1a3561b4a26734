import DockerEngine
import Journal
import Foundation
import MoltTestSupport
import Playbook
@testable import Rollout
import Testing

/// SPEC §6: locks, their takeover and `molt unlock`, on a scripted engine.
@Suite("Service locks (scripted engine)")
struct ServiceLockTests {
    static let here = ProcessIdentity(machineID: "machine-a", bootID: "boot-1", pidNamespace: "pid:[1]", pid: 100, startTime: 5000)

    static func identity(_ run: String, pid: Int32, startTime: UInt64, machine: String = "machine-a", boot: String = "boot-1",
                         namespace: String = "pid:[1]") -> RunIdentity {
        RunIdentity(id: run, user: "tester", coordinator: "laptop", pid: pid,
                    process: ProcessIdentity(machineID: machine, bootID: boot, pidNamespace: namespace, pid: pid, startTime: startTime))
    }

    static func acquire(_ engine: ScriptedEngine, _ identity: RunIdentity, alive: [Int32: UInt64]) async throws -> ServiceLock.Acquired {
        try await ServiceLock.acquire(on: engine, host: "host1", service: "web", image: Scene.v1, playbook: "web", identity: identity,
                                      startTimeOf: { alive[$0] })
    }

    @Test("a lock whose holder ran here, and whose PID is gone or now belongs to a younger process, is taken over")
    func deadHolderTakenOver() async throws {
        for alive: [Int32: UInt64] in [[:], [200: 9999]] {
            let scene = try await Scene.make()
            _ = try await Self.acquire(scene.docker.engine(), Self.identity("dead-run", pid: 200, startTime: 4000), alive: [200: 4000])
            let me = Self.identity("my-run", pid: 100, startTime: 5000)
            let result = try await Self.acquire(scene.docker.engine(), me, alive: alive.merging([100: 5000]) { $1 })
            guard case .tookOver(let holder) = result else { Issue.record("expected a takeover, got \(result)"); continue }
            #expect(holder.run == "dead-run")
            #expect(try await ServiceLock.holder(on: scene.docker.engine(), service: "web")?.run == "my-run")
        }
    }

    @Test("a holder that may be alive is never taken over: its process still runs, or it ran on another machine, boot or PID namespace, or its lock says too little",
          arguments: [
            ("machine-a", "boot-1", "pid:[1]", true),
            ("machine-b", "boot-1", "pid:[1]", false),
            ("machine-a", "boot-0", "pid:[1]", false),
            ("machine-a", "boot-1", "pid:[7]", false),
          ])
    func liveHolderKept(_ machine: String, _ boot: String, _ namespace: String, _ stillRunning: Bool) async throws {
        let scene = try await Scene.make()
        _ = try await Self.acquire(scene.docker.engine(), Self.identity("other-run", pid: 200, startTime: 4000, machine: machine, boot: boot, namespace: namespace),
                                   alive: [:])
        await #expect(throws: LockHeld.self) {
            _ = try await Self.acquire(scene.docker.engine(), Self.identity("my-run", pid: 100, startTime: 5000),
                                       alive: stillRunning ? [200: 4000, 100: 5000] : [100: 5000])
        }
    }

    @Test("a lock from a molt that recorded no process identity is never taken over")
    func legacyLockKept() async throws {
        let scene = try await Scene.make()
        _ = try await scene.docker.engine().createContainer(name: "molt-lock.web", body: [
            "Image": .string(Scene.v1), "Labels": ["molt.lock.run": "old", "molt.lock.coordinator": "laptop", "molt.lock.pid": "200"],
        ])
        await #expect(throws: LockHeld.self) {
            _ = try await Self.acquire(scene.docker.engine(), Self.identity("my-run", pid: 100, startTime: 5000), alive: [100: 5000])
        }
    }

    @Test("two runs taking over one dead lock at once: exactly one wins, the other is told who holds it")
    func concurrentTakeover() async throws {
        for _ in 0..<8 {
            let scene = try await Scene.make()
            _ = try await Self.acquire(scene.docker.engine(), Self.identity("dead-run", pid: 200, startTime: 4000), alive: [:])
            let alive: [Int32: UInt64] = [101: 5001, 102: 5002]
            async let first = Result(catching: { try await Self.acquire(scene.docker.engine(), Self.identity("run-1", pid: 101, startTime: 5001), alive: alive) })
            async let second = Result(catching: { try await Self.acquire(scene.docker.engine(), Self.identity("run-2", pid: 102, startTime: 5002), alive: alive) })
            let results = await [first, second]
            let won = results.filter { (try? $0.get()) != nil }
            let held = results.filter { if case .failure(let error) = $0 { return error is LockHeld } else { return false } }
            #expect(won.count == 1 && held.count == 1, "\(results)")
            let holder = try await ServiceLock.holder(on: scene.docker.engine(), service: "web")
            #expect(["run-1", "run-2"].contains(holder?.run ?? ""))
        }
    }

    @Test("unlock removes exactly the lock it showed; a lock that changed hands since is left alone")
    func unlockByID() async throws {
        let scene = try await Scene.make()
        let engine = scene.docker.engine()
        _ = try await Self.acquire(engine, Self.identity("first", pid: 200, startTime: 1), alive: [:])
        let shown = try #require(try await ServiceLock.holder(on: engine, service: "web"))
        // Meanwhile the lock is released and another run takes it.
        try await ServiceLock.release(on: engine, service: "web", identity: Self.identity("first", pid: 200, startTime: 1))
        _ = try await Self.acquire(engine, Self.identity("second", pid: 300, startTime: 2), alive: [:])
        #expect(try await ServiceLock.breakLock(on: engine, service: "web", holder: shown) == false)
        #expect(try await ServiceLock.holder(on: engine, service: "web")?.run == "second")
        let current = try #require(try await ServiceLock.holder(on: engine, service: "web"))
        #expect(try await ServiceLock.breakLock(on: engine, service: "web", holder: current))
        #expect(try await ServiceLock.holder(on: engine, service: "web") == nil)
    }

    @Test("this process's identity is complete on Linux, and it is never judged dead by itself")
    func currentProcess() {
        let me = ProcessIdentity.current
        #expect(me.isComplete, "\(me)")
        #expect(!me.isProvablyGone(seenFrom: me))
        var gone = me
        gone.pid = 999_999_999
        #expect(gone.isProvablyGone(seenFrom: me))
        var reused = me
        reused.pid = 1
        #expect(reused.isProvablyGone(seenFrom: me) == (ProcessIdentity.startTime(of: 1) != me.startTime))
    }
}

extension Result where Failure == any Error {
    init(catching body: () async throws -> Success) async {
        do {
            self = .success(try await body())
        } catch {
            self = .failure(error)
        }
    }
}
