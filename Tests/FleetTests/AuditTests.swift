import DockerEngine
import Fleet
import Foundation
import MoltTestSupport
import Packages
import Testing

@Suite("molt audit: drift found on scripted hosts, and the report")
struct AuditTests {
    static func status(_ packages: [(String, String)]) -> String {
        packages.map { "Package: \($0.0)\nStatus: install ok installed\nArchitecture: amd64\nVersion: \($0.1)\n" }.joined(separator: "\n")
    }

    static let imageStatus = status([("curl", "7.88.1-10"), ("libssl3", "3.0.11-1~deb12u2"), ("zlib1g", "1:1.2.13")])

    static func image(_ reference: String, build: String? = nil) -> ScriptedDocker.Image {
        var image = ScriptedDocker.Image(reference: reference, build: build)
        image.contents["/var/lib/dpkg/status"] = imageStatus
        return image
    }

    static let web = "127.0.0.1:5000/web:1.0"
    static let cache = "127.0.0.1:5000/cache:1.0"

    /// Three hosts running web and cache; `drift` plants what each test needs.
    static func fleet() async throws -> [String: ScriptedDocker] {
        var hosts: [String: ScriptedDocker] = [:]
        for name in ["h1", "h2", "h3"] {
            let docker = ScriptedDocker()
            await docker.publish(image(web))
            await docker.publish(image(cache))
            await docker.add(image(web))
            await docker.add(image(cache))
            try await docker.run("web", image: web)
            try await docker.run("cache", image: cache)
            hosts[name] = docker
        }
        return hosts
    }

    static func audit(_ hosts: [String: ScriptedDocker], container: String? = nil) async -> AuditReport {
        var audits: [AuditAction.HostAudit] = []
        for name in hosts.keys.sorted() {
            audits.append(await AuditAction.audit(host: name, engine: hosts[name]!.engine(), options: .init(containerName: container)))
        }
        return AuditAction.report(audits, hostProblems: [])
    }

    static func summary(_ report: AuditReport) -> Set<String> {
        Set(report.findings.map { "\($0.host)/\($0.container) \($0.kind.rawValue)" })
    }

    @Test("an undisturbed fleet is clean: no finding, no error, exit 0, and nothing left behind")
    func clean() async throws {
        let hosts = try await Self.fleet()
        let report = await Self.audit(hosts)
        #expect(report.findings.isEmpty)
        #expect(report.errors.isEmpty)
        #expect(report.hostsSearched == 3)
        #expect(report.exitStatus == 0)
        for docker in hosts.values {
            #expect(await docker.names == ["cache", "web"])
        }
    }

    @Test("each planted drift is found, exactly, with its detail")
    func plantedDrift() async throws {
        let hosts = try await Self.fleet()
        // changed in place and patched: libssl3 upgraded, wget added, curl removed.
        try await hosts["h1"]!.change("web", file: "/var/lib/dpkg/status",
                                      to: Self.status([("libssl3", "3.0.15-1~deb12u1"), ("wget", "1.21.3-1"), ("zlib1g", "1:1.2.13")]))
        try await hosts["h1"]!.change("web", file: AuditAction.patchRecord, to: "2026-11-30T20:00:00Z run=abc user=ops cmd=apt-get install libssl3 exit=0\n")
        // a committed image, run on one host: local-image, and web is mixed there.
        var committed = Self.image("web:hotfix", build: "commit")
        committed.digest = nil
        committed.history = [ImageHistoryEntry(id: committed.id, created: 1_700_000_500, createdBy: "apt-get upgrade -y", comment: "hotfix")]
        await hosts["h2"]!.add(committed)
        try await hosts["h2"]!.remove("web")
        try await hosts["h2"]!.run("web", image: "web:hotfix")
        // a new build pushed under cache's running tag: stale everywhere cache runs.
        for docker in hosts.values { await docker.publish(Self.image(Self.cache, build: "2")) }

        let report = await Self.audit(hosts)
        #expect(report.errors.isEmpty, "\(report.errors)")
        #expect(Self.summary(report) == [
            "h1/web changed-in-place", "h1/web patched", "h2/web local-image", "h2/web mixed",
            "h1/cache stale-tag", "h2/cache stale-tag", "h3/cache stale-tag",
        ])
        let changed = try #require(report.findings.first { $0.kind == .changedInPlace })
        #expect(changed.detail == "libssl3 3.0.11-1~deb12u2 → 3.0.15-1~deb12u1\n+ wget 1.21.3-1\n- curl 7.88.1-10")
        #expect(report.findings.first { $0.kind == .patched }?.detail == "2026-11-30T20:00:00Z run=abc user=ops cmd=apt-get install libssl3 exit=0")
        let local = try #require(report.findings.first { $0.kind == .localImage })
        #expect(local.detail.contains("apt-get upgrade -y") && local.detail.contains("hotfix"))
        #expect(report.findings.first { $0.kind == .mixed }?.detail.contains("on h1,h3") == true)
        #expect(report.exitStatus == 3)
        // The image's packages were read from a container that was created, never started, and removed.
        let calls = await hosts["h1"]!.calls
        #expect(calls.contains { $0.hasPrefix("create web.molt-audit-") })
        #expect(!calls.contains { $0.hasPrefix("start web.molt-audit-") })
        for docker in hosts.values {
            #expect(await docker.names.allSatisfy { !$0.contains(".molt-audit-") })
        }
    }

    @Test("--container audits only that container, and mixed only among them")
    func oneContainer() async throws {
        let hosts = try await Self.fleet()
        try await hosts["h3"]!.change("cache", file: "/var/lib/dpkg/status", to: Self.status([("libssl3", "3.0.15-1~deb12u1")]))
        #expect(Self.summary(await Self.audit(hosts, container: "web")).isEmpty)
        #expect(Self.summary(await Self.audit(hosts, container: "cache")) == ["h3/cache changed-in-place"])
    }

    @Test("reading the image's packages fails: the container is a problem, and the scratch container is still removed")
    func scratchFailure() async throws {
        let hosts = try await Self.fleet()
        let docker = hosts["h1"]!
        try await docker.remove("cache")
        try await docker.change("web", file: "/var/lib/dpkg/status", to: Self.status([("libssl3", "3.0.15-1~deb12u1")]))
        // Archive calls: the container's three database paths, then the scratch container's first.
        await docker.inject(.init(.archive, occurrence: 4, effect: .fail(DockerError(.serverError, "disk on fire"))))
        let audit = await AuditAction.audit(host: "h1", engine: docker.engine(), options: .init())
        #expect(audit.findings.isEmpty)
        #expect(audit.problems.count == 1)
        #expect(audit.problems.first?.error.contains("disk on fire") == true)
        #expect(await docker.names == ["web"])
    }

    @Test("an audit cancelled while it reads the image's packages still removes the scratch container")
    func scratchCancelled() async throws {
        let hosts = try await Self.fleet()
        let docker = hosts["h1"]!
        try await docker.remove("cache")
        try await docker.change("web", file: "/var/lib/dpkg/status", to: Self.status([("libssl3", "3.0.15-1~deb12u1")]))
        await docker.inject(.init(.archive, occurrence: 4, effect: .hang))
        let engine = docker.engine()
        let task = Task { await AuditAction.audit(host: "h1", engine: engine, options: .init()) }
        while await docker.calls.filter({ $0.hasPrefix("archive ") }).count < 4 { try await Task.sleep(for: .milliseconds(5)) }
        #expect(await docker.names.contains { $0.hasPrefix("web.molt-audit-") })
        task.cancel()
        _ = await task.value
        #expect(await docker.names == ["web"])
    }

    @Test("a scratch container a killed audit left behind is removed by the next audit; nothing else is")
    func leftovers() async throws {
        let hosts = try await Self.fleet()
        let engine = hosts["h1"]!.engine()
        _ = try await engine.createContainer(name: "web.molt-audit-dead", body: ["Image": .string(Self.web), "Labels": [AuditAction.scratchLabel: "web"]])
        _ = try await engine.createContainer(name: "web.molt-audit-mine", body: ["Image": .string(Self.web)])
        let report = await Self.audit(hosts)
        #expect(report.findings.isEmpty)
        #expect(await hosts["h1"]!.names == ["cache", "web", "web.molt-audit-mine"])
    }

    @Test("a registry that cannot be asked is a problem with that container, never a clean bill")
    func registryUnreachable() async throws {
        let hosts = try await Self.fleet()
        await hosts["h1"]!.inject(.init(.distribution, effect: .fail(DockerError(.serverError, "registry unreachable")), repeats: true))
        let report = await Self.audit(hosts)
        #expect(report.findings.isEmpty)
        #expect(Set(report.errors.map { "\($0.host)/\($0.container ?? "")" }) == ["h1/web", "h1/cache"])
        #expect(report.exitStatus == 3)
    }

    @Test("package diff: changed by name and architecture, added, removed, in name order")
    func packageDiff() {
        func dpkg(_ name: String, _ version: String, _ arch: String = "amd64") -> InstalledPackage {
            InstalledPackage(name: name, version: version, architecture: arch, format: .dpkg)
        }
        let diff = PackageDiff(image: [dpkg("b", "1"), dpkg("a", "1"), dpkg("gone", "2"), dpkg("multi", "1", "i386"), dpkg("multi", "1")],
                               container: [dpkg("a", "2"), dpkg("b", "1"), dpkg("new", "0.1"), dpkg("multi", "1", "i386"), dpkg("multi", "1.1")])
        #expect(diff.lines == ["a 1 → 2", "multi 1 → 1.1", "+ new 0.1", "- gone 2"])
        #expect(PackageDiff(image: [dpkg("a", "1")], container: [dpkg("a", "1")]).isEmpty)
    }

    @Test("mixed: the containers off the most common image are reported; with no most common one, all are")
    func mixed() {
        func on(_ host: String, _ id: String, name: String = "web") -> AuditAction.AuditedContainer {
            .init(host: host, name: name, image: "web:1", imageID: id)
        }
        let odd = AuditAction.mixedFindings([on("a", "sha256:1"), on("b", "sha256:1"), on("c", "sha256:2"), on("a", "sha256:9", name: "db")])
        #expect(odd.map(\.host) == ["c"])
        #expect(odd.first?.detail == "web runs 2 images: 1 on a,b; 2 on c")
        #expect(AuditAction.mixedFindings([on("a", "sha256:1"), on("b", "sha256:2")]).map(\.host) == ["a", "b"])
        #expect(AuditAction.mixedFindings([on("a", "sha256:1"), on("b", "sha256:1")]).isEmpty)
    }

    @Test("exit status: 0 clean, 3 findings or errors, 5 no host reached")
    func exitStatus() {
        let finding = AuditFinding(host: "a", container: "web", image: "web:1", kind: .patched, detail: "x")
        #expect(AuditReport(findings: [], errors: [], hostsSearched: 2).exitStatus == 0)
        #expect(AuditReport(findings: [finding], errors: [], hostsSearched: 2).exitStatus == 3)
        #expect(AuditReport(findings: [], errors: [FindProblem(host: "b", error: "down")], hostsSearched: 1).exitStatus == 3)
        #expect(AuditReport(findings: [], errors: [FindProblem(host: "b", error: "down")], hostsSearched: 0).exitStatus == 5)
    }

    @Test("JSON has findings with host, container, image, kind, detail, and hosts_searched and errors")
    func json() throws {
        let report = AuditReport(findings: [AuditFinding(host: "a", container: "web", image: "web:1", kind: .changedInPlace, detail: "x 1 → 2")],
                                 errors: [FindProblem(host: "b", error: "down")], hostsSearched: 1)
        let document = try #require(try JSONSerialization.jsonObject(with: JSONEncoder().encode(report)) as? [String: Any])
        #expect(document["hosts_searched"] as? Int == 1)
        #expect((document["errors"] as? [[String: Any]])?.first?["host"] as? String == "b")
        let finding = try #require((document["findings"] as? [[String: Any]])?.first)
        #expect(finding as NSDictionary == ["host": "a", "container": "web", "image": "web:1", "kind": "changed-in-place", "detail": "x 1 → 2"] as NSDictionary)
    }

    @Test("text groups findings by kind, each under its fix hint, multi-line details aligned")
    func text() {
        let report = AuditReport(findings: [
            AuditFinding(host: "a", container: "web", image: "web:1", kind: .staleTag, detail: "registry has sha256:2"),
            AuditFinding(host: "long-host", container: "web", image: "web:1", kind: .changedInPlace, detail: "x 1 → 2\n+ y 3"),
        ], errors: [], hostsSearched: 2)
        let lines = report.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines[0] == "changed-in-place (1): \(AuditFinding.Kind.changedInPlace.hint)")
        #expect(lines[1] == "HOST       CONTAINER  IMAGE  DETAIL")
        #expect(lines[2] == "long-host  web        web:1  x 1 → 2")
        #expect(lines[3] == "                             + y 3")
        #expect(lines[5].hasPrefix("stale-tag (1): ") && lines[5].contains("molt rollout"))
        #expect(lines.last == "2 findings on 2 host(s); 2 hosts audited")
        #expect(AuditReport(findings: [], errors: [], hostsSearched: 1).text == "no drift found; 1 host audited")
    }
}
