import Foundation
import Playbook
import Testing

@Suite("Reading playbooks")
struct PlaybookParsingTests {
    @Test("the top-level shorthand reads the same as a one-entry services list")
    func shorthandEqualsList() throws {
        let shorthand = try Playbook.parse(text: """
            name: web
            hosts: web
            container: web
            image: registry:5000/web:2.0
            health:
              http: {port: 8080}
              stable: 2s
            trial:
              volumes: [web-data]
            batches: [2]
            """, source: "a.yml")
        let list = try Playbook.parse(text: """
            name: web
            hosts: web
            services:
              - container: web
                image: registry:5000/web:2.0
                health:
                  http: {port: 8080}
                  stable: 2s
                trial:
                  volumes: [web-data]
            batches: [2]
            """, source: "a.yml")
        #expect(shorthand.services.map(withoutLine) == list.services.map(withoutLine))
        #expect(shorthand.services.first?.line == 3)
        #expect(list.services.first?.line == 4)
        var aligned = shorthand
        aligned.services = list.services
        #expect(aligned == list)
    }

    @Test("a playbook that gives only name, hosts, container and image gets every default")
    func defaults() throws {
        let playbook = try Playbook.parse(text: "name: web\nhosts: web\ncontainer: web\nimage: web:2.0\n", source: "d.yml")
        #expect(playbook == Playbook(
            source: "d.yml", name: "web", hosts: "web", hostsLine: 2,
            services: [Service(container: "web", image: "web:2.0", line: 3)]))
        #expect(playbook.pull == .missing)
        #expect(playbook.prepull == .batch)
        #expect(playbook.batches == [.count(1), .percent(100)])
        #expect(playbook.order == .stopFirst)
        #expect(playbook.stopTimeout == .seconds(10))
        #expect(playbook.pause == .zero)
        #expect(playbook.maxFailures == .count(0))
        #expect(playbook.onFailure == .rollback)
        #expect(playbook.retain == 1)
        let health = playbook.services[0].health
        #expect(health.docker == nil && health.http == nil && health.tcp == nil && health.exec == nil)
        #expect(health.interval == .seconds(1) && health.timeout == .seconds(60) && health.stable == .seconds(5))
        #expect(playbook.services[0].trial == nil)
    }

    @Test("optional parts left empty take their defaults")
    func emptyValues() throws {
        let playbook = try Playbook.parse(text: """
            name: web
            hosts: web
            container: web
            image: web:2.0
            health:
            trial:
            pull:
            """, source: "e.yml")
        #expect(playbook.services[0].health == HealthSpec())
        #expect(playbook.services[0].trial == nil)
        #expect(playbook.pull == .missing)
    }

    @Test("trial defaults: all volumes, no overrides, the service's own health")
    func trialDefaults() throws {
        let text = "name: web\nhosts: web\ncontainer: web\nimage: web:2.0\ntrial: "
        for value in ["{}", "true"] {
            let playbook = try Playbook.parse(text: text + value, source: "t.yml")
            #expect(playbook.services[0].trial == TrialSpec(volumes: .all, env: [:], helperImage: nil, health: nil))
        }
        #expect(try Playbook.parse(text: text + "false", source: "t.yml").services[0].trial == nil)
    }

    @Test("durations may be bare seconds, percentages and counts may be written unquoted or quoted")
    func lenientScalars() throws {
        let playbook = try Playbook.parse(text: """
            name: web
            hosts: [web, api]
            container: web
            image: web:2.0
            stop_timeout: 30
            pause: 1.5
            batches: [1, 25%, "3"]
            max_failures: 10%
            on_failure: continue
            prepull: none
            pull: always
            retain: 0
            trial:
              env: {PORT: 18080, NAME: trial}
            """, source: "l.yml")
        #expect(playbook.hosts == "web,api")
        #expect(playbook.stopTimeout == .seconds(30))
        #expect(playbook.pause == .milliseconds(1500))
        #expect(playbook.batches == [.count(1), .percent(25), .count(3)])
        #expect(playbook.maxFailures == .percent(10))
        #expect(playbook.onFailure == .continue)
        #expect(playbook.prepull == Prepull.none)
        #expect(playbook.pull == .always)
        #expect(playbook.retain == 0)
        #expect(playbook.services[0].trial?.env == ["PORT": "18080", "NAME": "trial"])
    }

    @Test("anchors and merge keys share settings between services")
    func mergeKeys() throws {
        let playbook = try Playbook.parse(text: """
            name: pair
            hosts: all
            services:
              - container: a
                image: a:1
                health: &health {http: {port: 80}, timeout: 20s}
              - container: b
                image: b:1
                health:
                  <<: *health
                  timeout: 40s
            """, source: "m.yml")
        #expect(playbook.services[1].health.http == HTTPProbe(port: 80))
        #expect(playbook.services[1].health.timeout == .seconds(40))
        #expect(playbook.services[0].health.timeout == .seconds(20))
    }

    @Test("--image replaces the image of a one-service playbook")
    func overridingOneService() throws {
        let playbook = try Playbook.parse(text: "name: web\nhosts: web\ncontainer: web\nimage: web:2.0\n", source: "o.yml")
        let overridden = try playbook.overridingImage("web:2.1")
        #expect(overridden.services.map(\.image) == ["web:2.1"])
        #expect(overridden.services[0].container == "web")
        #expect(playbook.services.map(\.image) == ["web:2.0"])
    }

    @Test("--image on a playbook with two services is an error naming the file and the services")
    func overridingTwoServices() throws {
        let playbook = try Playbook.parse(text: """
            name: pair
            hosts: all
            services:
              - {container: web, image: web:2.0}
              - {container: cache, image: cache:1.1}
            """, source: "playbooks/pair.yml")
        let error = try #require(throws: PlaybookError.self) { try playbook.overridingImage("web:2.1") }
        #expect(error.file == "playbooks/pair.yml")
        #expect(error.description.hasPrefix("playbooks/pair.yml: --image applies only to a playbook with one service, and this one has 2 (web, cache)"))
    }

    @Test("a playbook file that does not exist is an error naming the path")
    func missingFile() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("molt-no-such-\(UUID().uuidString).yml").path
        let error = try #require(throws: PlaybookError.self) { try Playbook.load(path: path) }
        #expect(error.description == "\(path): no such playbook file")
    }

    @Test("a directory given as a playbook is an error naming the path")
    func directoryGiven() throws {
        let path = FileManager.default.temporaryDirectory.path
        let error = try #require(throws: PlaybookError.self) { try Playbook.load(path: path) }
        #expect(error.file == path)
        #expect(error.line == nil)
        #expect(error.message.hasPrefix("is a directory"))
    }

    @Test("a playbook file is read from disk and named by its path in errors")
    func loadsFromDisk() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("molt-playbook-\(UUID().uuidString).yml").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data("name: web\nhosts: web\ncontainer: web\nimage: web:2.0\nretain: many\n".utf8).write(to: URL(fileURLWithPath: path))
        let error = try #require(throws: PlaybookError.self) { try Playbook.load(path: path) }
        #expect(error.description.hasPrefix("\(path):5: 'retain' must be"))
    }

    private func withoutLine(_ service: Service) -> Service {
        var service = service
        service.line = nil
        return service
    }
}

