import Foundation
import Playbook
import Testing

@Suite("The SPEC's example and the playbooks in playbooks/")
struct ExamplePlaybookTests {
    /// The repository's `playbooks/` directory, found from this file's path.
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("playbooks").path

    static let files: [String] = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
        .filter { $0.hasSuffix(".yml") }.sorted()

    /// SPEC §3, with the trial's `health: {...}` placeholder written out.
    static let specExample = """
        name: web                         # names the rollout, its lock and its journal entries
        hosts: web:!web-legacy            # host pattern
        services:                         # one or more; `container:` + `image:` at top level is shorthand for one
          - container: web                # the container's name on each host
            image: 127.0.0.1:5000/web:2.0 # target; `--image` on the command line overrides (single-service playbooks)
            health:                       # all given checks must pass
              docker: true                # wait for the container's HEALTHCHECK to say healthy (default: true if it has one)
              http: {port: 8080, path: /health, status: 200}   # probed from the host through the SSH tunnel
              tcp: {port: 5432}
              exec: ["pg_isready"]        # run in the new container, exit 0 = healthy
              interval: 1s
              timeout: 60s                # deadline to become healthy
              stable: 5s                  # must then stay healthy this long
            trial:                        # optional: rehearse against cloned volumes first
              volumes: all                # or a list of volume names
              env: {PORT: "18080"}        # overrides for the trial container (e.g. a free port)
              helper_image: busybox:1.36  # optional: image with cp/tar for the on-host copy
              health: {http: {port: 18080, path: /health}, timeout: 30s}
        pull: missing                     # always | missing | never
        prepull: batch                    # batch (pull for a whole batch before stopping any) | all | none
        batches: [1, "25%", "100%"]       # successive batch sizes; the last repeats
        order: stop-first                 # or start-first (new container healthy before the old stops)
        stop_timeout: 10s
        pause: 0s                         # wait between batches
        max_failures: 0                   # hosts allowed to fail before the rollout aborts ("10%" allowed)
        on_failure: rollback              # rollback | pause | continue
        retain: 1                         # replaced containers kept (stopped) for instant rollback
        """

    @Test("the SPEC's example playbook is read with every field")
    func specExampleParses() throws {
        let playbook = try Playbook.parse(text: Self.specExample, source: "spec.yml")
        #expect(playbook.source == "spec.yml")
        #expect(playbook.name == "web")
        #expect(playbook.hosts == "web:!web-legacy")
        #expect(playbook.hostsLine == 2)
        #expect(playbook.services.count == 1)
        let web = try #require(playbook.services.first)
        #expect(web.container == "web")
        #expect(web.image == "127.0.0.1:5000/web:2.0")
        #expect(web.line == 4)
        #expect(web.health == HealthSpec(
            docker: true, http: HTTPProbe(port: 8080, path: "/health", status: 200), tcp: TCPProbe(port: 5432),
            exec: ["pg_isready"], interval: .seconds(1), timeout: .seconds(60), stable: .seconds(5)))
        #expect(web.trial == TrialSpec(
            volumes: .all, env: ["PORT": "18080"], helperImage: "busybox:1.36",
            health: HealthSpec(http: HTTPProbe(port: 18080, path: "/health"), timeout: .seconds(30))))
        #expect(playbook.pull == .missing)
        #expect(playbook.prepull == .batch)
        #expect(playbook.batches == [.count(1), .percent(25), .percent(100)])
        #expect(playbook.order == .stopFirst)
        #expect(playbook.stopTimeout == .seconds(10))
        #expect(playbook.pause == .zero)
        #expect(playbook.maxFailures == .count(0))
        #expect(playbook.onFailure == .rollback)
        #expect(playbook.retain == 1)
    }

    @Test("every playbook in playbooks/ loads", arguments: files)
    func exampleLoads(file: String) throws {
        let playbook = try Playbook.load(path: Self.directory + "/" + file)
        #expect(!playbook.services.isEmpty)
        #expect(playbook.source.hasSuffix("/" + file))
    }

    @Test("playbooks/ holds the lab and example playbooks")
    func examplesArePresent() {
        for name in ["lab-web.yml", "lab-web-broken.yml", "lab-web-gated.yml", "canary.yml", "emergency-openssl.yml"] {
            #expect(Self.files.contains(name))
        }
    }

    @Test("lab-web.yml rolls web 2.0 out to the web group with HEALTHCHECK and HTTP checks")
    func labWeb() throws {
        let playbook = try Playbook.load(path: Self.directory + "/lab-web.yml")
        #expect(playbook.name == "web")
        #expect(playbook.hosts == "web")
        #expect(playbook.services == [Service(
            container: "web", image: "10.247.213.2:5000/molt-lab/web:2.0",
            health: HealthSpec(
                docker: true, http: HTTPProbe(port: 8080, path: "/health"),
                interval: .milliseconds(500), timeout: .seconds(60), stable: .seconds(3)),
            line: playbook.services.first?.line)])
        #expect(playbook.batches == [.count(1), .percent(50), .percent(100)])
        #expect(playbook.retain == 1)
    }

    @Test("lab-web-gated.yml is lab-web.yml with a manual gate after the canary: a 10 s hold and the lab's error ratio at most 1 %")
    func labWebGated() throws {
        let gated = try Playbook.load(path: Self.directory + "/lab-web-gated.yml")
        let plain = try Playbook.load(path: Self.directory + "/lab-web.yml")
        #expect(gated.services.map(\.image) == plain.services.map(\.image))
        #expect(gated.services.map(\.health) == plain.services.map(\.health))
        #expect(gated.batches == plain.batches)
        let gate = try #require(gated.gates.first)
        #expect(gated.gates.count == 1)
        #expect(gate.after == [1])
        #expect(gate.hold == .seconds(10))
        #expect(gate.interval == .seconds(1))
        #expect(gate.promote == .manual)
        let check = try #require(gate.checks.first)
        #expect(check.url == "http://10.247.213.1:9090/api/v1/query?query=web_error_ratio")
        #expect(check.target?.host == "10.247.213.1" && check.target?.port == 9090)
        #expect(check.max == 0.01 && check.min == nil && check.equals == nil)
        #expect(check.value == (try ValueSelector(parsing: "$.data.result[0].value[1]")))
    }

    @Test("lab-web-broken.yml targets the broken release with a short health timeout")
    func labWebBroken() throws {
        let playbook = try Playbook.load(path: Self.directory + "/lab-web-broken.yml")
        #expect(playbook.services.map(\.image) == ["10.247.213.2:5000/molt-lab/web:2.1-broken"])
        #expect(playbook.services.first?.health.timeout == .seconds(15))
        #expect(playbook.onFailure == .rollback)
    }

    @Test("emergency-openssl.yml renews web, cache and db (rehearsed first) on every lab host with no failure tolerated")
    func emergency() throws {
        let playbook = try Playbook.load(path: Self.directory + "/emergency-openssl.yml")
        #expect(playbook.hosts == "lab")
        #expect(playbook.services.map(\.container) == ["web", "cache", "db"])
        #expect(playbook.services.map(\.image) == ["10.247.213.2:5000/molt-lab/web:2.0", "10.247.213.2:5000/molt-lab/cache:1.1",
                                                   "10.247.213.2:5000/molt-lab/db:2.0"])
        #expect(playbook.services.map { $0.trial != nil } == [false, false, true])
        #expect(playbook.services.last?.trial?.env == ["PORT": "15433"])
        #expect(playbook.batches == [.count(1), .percent(100)])
        #expect(playbook.maxFailures == .count(0))
        #expect(playbook.onFailure == .rollback)
    }

    @Test("canary.yml starts the new container first and grows by a quarter of the fleet")
    func canary() throws {
        let playbook = try Playbook.load(path: Self.directory + "/canary.yml")
        #expect(playbook.batches == [.count(1), .percent(25), .percent(100)])
        #expect(playbook.order == .startFirst)
        #expect(playbook.maxFailures == .percent(10))
    }
}
