import Fleet
import Foundation
import Inventory
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

        /// Every host's containers (ID, name, image, state, start time, restarts and changed
        /// files), images (ID, tag, digest) and volumes, as the docker CLI reads them.
        static func snapshot(_ lab: Lab) async throws -> [String: [String]] {
            var found: [String: [String]] = [:]
            for host in lab.hosts {
                let socket = "unix://" + (try lab.host(host.name).dockerSocket)
                func docker(_ arguments: String...) async throws -> [String] {
                    let result = try await Shell.run(["/usr/bin/docker", "-H", socket] + arguments, environment: Shell.cleanEnvironment)
                    guard result.status == 0 else { throw LabMissing(message: "docker \(arguments) on \(host.name): \(result.stderr)") }
                    return result.stdout.split(separator: "\n").map(String.init).sorted()
                }
                var lines = try await docker("ps", "-a", "--no-trunc", "--format", "container {{.ID}} {{.Names}} {{.Image}} {{.State}}")
                for id in try await docker("ps", "-a", "-q", "--no-trunc") {
                    lines += try await docker("inspect", "--format", "started {{.Name}} {{.State.StartedAt}} {{.RestartCount}}", id)
                    lines += try await docker("diff", id).map { "changed \(id.prefix(12)) \($0)" }
                }
                lines += try await docker("images", "-a", "--no-trunc", "--digests", "--format", "image {{.ID}} {{.Repository}}:{{.Tag}} {{.Digest}}")
                lines += try await docker("volume", "ls", "--format", "volume {{.Name}}")
                found[host.name] = lines
            }
            return found
        }

        @Test("audit (with drift planted), find and patch --dry-run change nothing on any host: containers, their files, images and volumes are the same before and after")
        func readOnly() async throws {
            let lab = try Lab.current()
            let fixture = try await RolloutFixture(lab)
            defer { fixture.keep() }
            try await lab.script("drift")
            do {
                let before = try await Self.snapshot(lab)
                #expect(before["lab1"]?.contains { $0.hasPrefix("changed ") } == true, "the snapshot sees the drift's changed files: \(before)")
                let audit = try await fixture.molt("audit")
                #expect(audit.status == 3, "\(audit.stdout)\(audit.stderr)")
                let find = try await fixture.molt("find", "--package", "libssl3")
                #expect(find.status == 0, "\(find.stderr)")
                let dryRun = try await Shell.run([Shell.molt, "patch", "-i", lab.inventoryPath, "--journal", fixture.journal,
                                                  "--package", "libssl3", "--dry-run", "--", "sh", "-c", "echo patched > /tmp/molt-patched"],
                                                 environment: Shell.cleanEnvironment)
                #expect(dryRun.status == 0 && dryRun.stdout.contains("dry run"), "\(dryRun.stdout)\(dryRun.stderr)")
                let after = try await Self.snapshot(lab)
                for host in lab.hosts {
                    let was = Set(before[host.name] ?? []), now = Set(after[host.name] ?? [])
                    #expect(was == now, "\(host.name): gone \(was.subtracting(now).sorted()), new \(now.subtracting(was).sorted())")
                }
            } catch {
                try await lab.script("drift", "undo")
                throw error
            }
            try await lab.script("drift", "undo")
        }
    }
}
