import Fleet
import Foundation
import MoltTestSupport
import Testing

extension LabFleetTests {
    @Suite("molt audit on the lab fleet")
    struct AuditLabTests {
        init() async throws {
            try await RolloutFixture(try Lab.current()).reset()
        }

        func audit() async throws -> (AuditReport, Duration) {
            let lab = try Lab.current()
            let clock = ContinuousClock()
            var report: AuditReport?
            let elapsed = await clock.measure {
                report = await AuditAction(fleet: Fleet(hosts: lab.hosts, settings: lab.settings())).perform()
            }
            return (try #require(report), elapsed)
        }

        @Test("scripts/lab drift: audit reports exactly the planted findings, nothing on undisturbed containers, in under 2 s")
        func plantedDrift() async throws {
            let lab = try Lab.current()
            let (before, _) = try await audit()
            #expect(before.findings.isEmpty, "\(before.findings)")
            #expect(before.errors.isEmpty, "\(before.errors)")

            try await lab.script("drift")
            // Only #expect below, so that the drift is always undone.
            do {
                let (report, elapsed) = try await audit()
                #expect(report.errors.isEmpty, "\(report.errors)")
                #expect(Set(report.findings.map { "\($0.host)/\($0.container) \($0.kind.rawValue)" }) == [
                    "lab1/web changed-in-place", "lab3/drift-local local-image",
                    "lab1/cache stale-tag", "lab2/cache stale-tag", "lab4/web mixed",
                ])
                #expect(report.findings.first { $0.kind == .changedInPlace }?.detail == "libssl3 3.0.11-1~deb12u2 → 3.0.15-1~deb12u1")
                #expect(report.findings.first { $0.kind == .localImage }?.detail.contains("hotfix by hand") == true)
                #expect(report.exitStatus == 3)
                #expect(elapsed < .seconds(2), "audit took \(elapsed)")
                // Nothing left behind: the scratch containers are gone.
                let status = await StatusAction(fleet: Fleet(hosts: lab.hosts, settings: lab.settings())).perform()
                #expect(status.hosts.flatMap(\.containers).allSatisfy { !$0.name.contains(".molt-audit-") })
            }
            try await lab.script("drift", "undo")
            let (after, _) = try await audit()
            #expect(after.findings.isEmpty, "\(after.findings)")
        }
    }
}
