import Playbook
import Testing

/// A playbook with one problem, the line it must be reported at, and words the message must contain.
struct InvalidPlaybook: Sendable, CustomTestStringConvertible {
    let testDescription: String
    let yaml: String
    let line: Int?
    let message: String

    init(_ description: String, _ yaml: String, line: Int?, _ message: String) {
        self.testDescription = description
        self.yaml = yaml
        self.line = line
        self.message = message
    }
}

/// Four valid lines (name, hosts, container, image) followed by `rest`, which starts at line 5.
private func shorthand(_ rest: String) -> String {
    "name: web\nhosts: web\ncontainer: web\nimage: web:2.0\n" + rest
}

@Suite("Playbook validation")
struct PlaybookValidationTests {
    static let unknownKeys: [InvalidPlaybook] = [
        .init("an unknown top-level key suggests the closest one", shorthand("stop-timeout: 10s\n"), line: 5,
            "unknown key 'stop-timeout' at the top level of the playbook; did you mean 'stop_timeout'? Allowed keys: name, hosts, services,"),
        .init("an unknown key in health lists the allowed ones", shorthand("health:\n  interval: 1s\n  stabel: 3s\n"), line: 7,
            "unknown key 'stabel' in 'health'; did you mean 'stable'? Allowed keys: docker, http, tcp, exec, interval, timeout, stable"),
        .init("an unknown key in http", shorthand("health:\n  http: {port: 80, paht: /}\n"), line: 6,
            "unknown key 'paht' in 'http'; did you mean 'path'? Allowed keys: port, path, status"),
        .init("an unknown key in tcp", shorthand("health:\n  tcp:\n    port: 80\n    host: x\n"), line: 8,
            "unknown key 'host' in 'tcp'"),
        .init("an unknown key in trial", shorthand("trial:\n  volume: all\n"), line: 6,
            "unknown key 'volume' in 'trial'; did you mean 'volumes'? Allowed keys: volumes, env, helper_image, health"),
        .init("an unknown key in a trial's health", shorthand("trial:\n  health:\n    timout: 5s\n"), line: 7,
            "unknown key 'timout' in 'health'; did you mean 'timeout'?"),
        .init("an unknown key in a service", "name: web\nhosts: web\nservices:\n  - container: web\n    image: web:2.0\n    imgae: x\n", line: 6,
            "unknown key 'imgae' in a service; did you mean 'image'? Allowed keys: container, image, health, trial"),
        .init("an unknown key far from every allowed one gets no suggestion", shorthand("colour: blue\n"), line: 5,
            "unknown key 'colour' at the top level of the playbook. Allowed keys:"),
    ]

    static let wrongTypes: [InvalidPlaybook] = [
        .init("batches given as a number", shorthand("batches: 3\n"), line: 5,
            "'batches' must be a list of batch sizes such as [1, \"25%\", \"100%\"], found the integer 3; write [3] for batches of 3 hosts"),
        .init("retain given as text", shorthand("retain: \"x\"\n"), line: 5,
            "'retain' must be the number of replaced containers to keep, from 0 to 100, found the string 'x'"),
        .init("a negative retain", shorthand("retain: -1\n"), line: 5,
            "'retain' must be the number of replaced containers to keep, from 0 to 100, found -1"),
        .init("health given as a boolean", shorthand("health: yes\n"), line: 5,
            "'health' must be a mapping of checks (docker, http, tcp, exec) and timings (interval, timeout, stable), found the boolean 'yes'"),
        .init("docker given as text", shorthand("health:\n  docker: sometimes\n"), line: 6,
            "'docker' must be true or false, found the string 'sometimes'"),
        .init("http given as a port number", shorthand("health:\n  http: 8080\n"), line: 6,
            "'http' must be a mapping of port, path and status, e.g. {port: 8080, path: /health}, found the integer 8080"),
        .init("services given as a mapping", "name: web\nhosts: web\nservices:\n  container: web\n", line: 3,
            "'services' must be a list of services (each with container: and image:), found a mapping"),
        .init("a service given as text", "name: web\nhosts: web\nservices:\n  - web\n", line: 4,
            "each entry of 'services' must be a mapping with container: and image:, found the string 'web'"),
        .init("hosts given as a boolean", "name: web\nhosts: yes\ncontainer: web\nimage: web:2.0\n", line: 2,
            "'hosts' must be a host pattern such as web or web:!web-legacy, found the boolean 'yes'"),
        .init("name given as a list", "name: [a, b]\nhosts: web\ncontainer: web\nimage: web:2.0\n", line: 1,
            "'name' must be the rollout's name, found a list"),
        .init("env given as a list", shorthand("trial:\n  env: [PORT=1]\n"), line: 6,
            "'env' must be a mapping of variable names to values"),
        .init("an env value given as a boolean", shorthand("trial:\n  env:\n    DEBUG: yes\n"), line: 7,
            "the value of 'DEBUG' in 'env' must be text or a number, found the boolean 'yes' (quote it to pass it as text)"),
        .init("a playbook that is a list of plays", "- name: web\n  hosts: web\n", line: 1,
            "a playbook must be a mapping of keys such as name:, hosts: and services:, found a list (molt reads one rollout per file, not an Ansible list of plays)"),
        .init("an empty playbook", "# nothing yet\n", line: nil, "the playbook is empty"),
        .init("a container name with a space", "name: web\nhosts: web\ncontainer: web app\nimage: web:2.0\n", line: 3,
            "'web app' is not a Docker container name"),
        .init("a container name molt uses for the previous container", "name: web\nhosts: web\ncontainer: web.molt-prev\nimage: web:2.0\n", line: 3,
            "'web.molt-prev' ends in '.molt-prev', which molt uses for its own copies of a container"),
        .init("an image with a space", "name: web\nhosts: web\ncontainer: web\nimage: web 2.0\n", line: 4,
            "'web 2.0' is not an image reference: it contains a space"),
    ]

    static let durations: [InvalidPlaybook] = [
        .init("a duration in words", shorthand("health:\n  stable: 5 seconds\n"), line: 6,
            "'stable' must be a duration such as 250ms, 10s, 5m, 1h or 1m30s, found the string '5 seconds'"),
        .init("a duration with an unknown unit", shorthand("stop_timeout: 2d\n"), line: 5,
            "'stop_timeout' must be a duration such as 250ms, 10s, 5m, 1h or 1m30s, found the string '2d'"),
        .init("a negative number of seconds", shorthand("pause: -5\n"), line: 5,
            "'pause' must be a duration such as 250ms, 10s, 5m, 1h or 1m30s, found the integer -5"),
        .init("a zero interval", shorthand("health:\n  interval: 0s\n"), line: 6, "'interval' must be more than 0s"),
        .init("a zero timeout", shorthand("health:\n  timeout: 0\n"), line: 6, "'timeout' must be more than 0s"),
        .init("a duration given as a list", shorthand("health:\n  timeout: [1s]\n"), line: 6,
            "'timeout' must be a duration such as 250ms, 10s, 5m, 1h or 1m30s, found a list"),
    ]

    static let batchSizes: [InvalidPlaybook] = [
        .init("a percentage above 100", shorthand("batches: [1, \"150%\"]\n"), line: 5,
            "'150%' is out of range: a batch percentage must be from 1% to 100%"),
        .init("a zero percentage", shorthand("batches: [\"0%\"]\n"), line: 5,
            "'0%' is out of range: a batch percentage must be from 1% to 100%"),
        .init("a negative percentage", shorthand("batches: [\"-5%\"]\n"), line: 5,
            "'-5%' is out of range: a batch percentage must be from 1% to 100%"),
        .init("a percentage that is not a number", shorthand("batches: [\"abc%\"]\n"), line: 5,
            "'abc%' is not a percentage: write a whole number followed by %, e.g. \"25%\""),
        .init("a fractional percentage", shorthand("batches: [\"12.5%\"]\n"), line: 5, "'12.5%' is not a percentage"),
        .init("a batch of 0 hosts", shorthand("batches: [0]\n"), line: 5, "a batch must have at least 1 host, found 0"),
        .init("a batch of -2 hosts", shorthand("batches: [1, -2]\n"), line: 5, "a batch must have at least 1 host, found -2"),
        .init("a bad batch on its own line", shorthand("batches:\n  - 1\n  - 0\n"), line: 7, "a batch must have at least 1 host, found 0"),
        .init("a batch size that is a word", shorthand("batches: [all]\n"), line: 5,
            "the string 'all' is not a batch size: write a number of hosts (1) or a percentage of all hosts (\"25%\")"),
        .init("no batch sizes", shorthand("batches: []\n"), line: 5, "'batches' is an empty list"),
        .init("max_failures above 100%", shorthand("max_failures: \"150%\"\n"), line: 5,
            "'150%' is out of range: a 'max_failures' percentage must be from 0% to 100%"),
        .init("a negative max_failures", shorthand("max_failures: -1\n"), line: 5, "'max_failures' must be 0 or more hosts, found -1"),
        .init("max_failures as a word", shorthand("max_failures: some\n"), line: 5,
            "'max_failures' must be a number of hosts (0) or a percentage of all hosts (\"10%\"), found the string 'some'"),
    ]

    static let missingAndConflicting: [InvalidPlaybook] = [
        .init("a missing name", "hosts: web\ncontainer: web\nimage: web:2.0\n", line: 1,
            "the playbook has no 'name'; add one: it names the rollout, its lock and its journal entries"),
        .init("an empty name", "name:\nhosts: web\ncontainer: web\nimage: web:2.0\n", line: 1, "the playbook has no 'name'"),
        .init("a missing hosts", "name: web\ncontainer: web\nimage: web:2.0\n", line: 1, "the playbook has no 'hosts'"),
        .init("a shorthand without container", "name: web\nhosts: web\nimage: web:2.0\n", line: 3,
            "the playbook has no 'container'; add the name of the container to replace on each host"),
        .init("a shorthand without image", "name: web\nhosts: web\n\ncontainer: web\n", line: 4,
            "the playbook has no 'image'; add the image the container should run"),
        .init("a service without container", "name: web\nhosts: web\nservices:\n  - container: web\n    image: web:2.0\n  - image: cache:1.1\n", line: 6,
            "this service has no 'container'"),
        .init("a service without image", "name: web\nhosts: web\nservices:\n  - container: web\n", line: 4, "this service has no 'image'"),
        .init("no service at all", "name: web\nhosts: web\nbatches: [1]\n", line: 1,
            "the playbook names no service; add 'services:' with a list of container: and image:, or 'container:' and 'image:' at the top level for one service"),
        .init("shorthand and services together", "name: web\nhosts: web\nimage: web:2.0\nservices:\n  - container: web\n    image: web:2.0\n", line: 3,
            "top-level 'image' is the one-service shorthand and cannot be combined with 'services:' (line 4); move it into an entry of the services list"),
        .init("the same container twice", "name: web\nhosts: web\nservices:\n  - container: web\n    image: a:1\n  - container: cache\n    image: c:1\n  - container: web\n    image: b:1\n", line: 8,
            "container 'web' appears twice in 'services' (first at line 4); each service must be a different container"),
        .init("an empty services list", "name: web\nhosts: web\nservices: []\n", line: 3,
            "'services' is empty; list at least one service with container: and image:"),
        .init("services with nothing after it", "name: web\nhosts: web\nservices:\n", line: 3, "'services' is empty"),
        .init("http without a port", shorthand("health:\n  http: {path: /health}\n"), line: 6, "'http' has no 'port'"),
    ]

    static let values: [InvalidPlaybook] = [
        .init("an http port above 65535", shorthand("health:\n  http: {port: 70000}\n"), line: 6,
            "'port' must be a port number from 1 to 65535, found 70000"),
        .init("a tcp port of 0", shorthand("health:\n  tcp: {port: 0}\n"), line: 6,
            "'port' must be a port number from 1 to 65535, found 0"),
        .init("a port given as text", shorthand("health:\n  tcp:\n    port: http\n"), line: 7,
            "'port' must be a port number from 1 to 65535, found the string 'http'"),
        .init("an http status that is not one", shorthand("health:\n  http: {port: 80, status: 700}\n"), line: 6,
            "'status' must be an HTTP status code from 100 to 599, found 700"),
        .init("an http path without a slash", shorthand("health:\n  http: {port: 80, path: health}\n"), line: 6,
            "'health' is not a request path: it must start with / and contain no spaces"),
        .init("exec given as a string", shorthand("health:\n  exec: pg_isready -q\n"), line: 6,
            "'exec' must be a list of strings, the command and its arguments, e.g. [\"pg_isready\", \"-q\"]; found the string 'pg_isready -q'"),
        .init("exec with a list inside", shorthand("health:\n  exec:\n    - pg_isready\n    - [-q]\n"), line: 8,
            "'exec' must be a list of strings, the command and its arguments, e.g. [\"pg_isready\", \"-q\"]; found a list in it"),
        .init("an empty exec", shorthand("health:\n  exec: []\n"), line: 6, "'exec' is an empty list"),
        .init("trial volumes given as a boolean", shorthand("trial:\n  volumes: yes\n"), line: 6,
            "'volumes' must be 'all' or a list of volume names, found the boolean 'yes'"),
        .init("trial volumes given as another word", shorthand("trial:\n  volumes: some\n"), line: 6,
            "'volumes' must be 'all' or a list of volume names, found the string 'some'"),
        .init("trial volumes with a mapping in the list", shorthand("trial:\n  volumes:\n    - data\n    - {name: logs}\n"), line: 8,
            "'volumes' must be 'all' or a list of volume names, found a mapping in the list"),
        .init("trial volumes given as a mapping", shorthand("trial:\n  volumes:\n    data: yes\n"), line: 6,
            "'volumes' must be 'all' or a list of volume names, found a mapping"),
        .init("an order that is not one", shorthand("order: sideways\n"), line: 5,
            "'order' must be one of stop-first, start-first; found the string 'sideways'"),
        .init("an order with a typo suggests the right one", shorthand("order: start_first\n"), line: 5,
            "'order' must be one of stop-first, start-first; found the string 'start_first'; did you mean 'start-first'?"),
        .init("a pull policy that is not one", shorthand("pull: sometimes\n"), line: 5,
            "'pull' must be one of always, missing, never; found the string 'sometimes'"),
        .init("a prepull that is not one", shorthand("prepull: never\n"), line: 5, "'prepull' must be one of batch, all, none"),
        .init("an on_failure that is not one", shorthand("on_failure: abort\n"), line: 5,
            "'on_failure' must be one of rollback, pause, continue; found the string 'abort'"),
        .init("an on_failure given as a boolean", shorthand("on_failure: no\n"), line: 5,
            "'on_failure' must be one of rollback, pause, continue; found the boolean 'no'"),
    ]

    static let syntax: [InvalidPlaybook] = [
        .init("an unclosed flow list", "name: web\nhosts: web\ncontainer: web\nimage: web:2.0\nbatches: [1, 2\nretain: 1\n", line: 6,
            "YAML syntax error:"),
        .init("a badly indented key", "name: web\nhosts: web\nhealth:\n  http: {port: 80}\n timeout: 5s\n", line: 5, "YAML syntax error:"),
        .init("a key written twice", "name: web\nhosts: web\ncontainer: web\nimage: web:2.0\nretain: 1\nretain: 2\n", line: 5,
            "key 'retain' appears more than once in the same mapping"),
    ]

    @Test("unknown keys are reported at their line with the allowed keys", arguments: unknownKeys)
    func unknownKey(_ invalid: InvalidPlaybook) throws { try check(invalid) }

    @Test("values of the wrong type are reported at their line", arguments: wrongTypes)
    func wrongType(_ invalid: InvalidPlaybook) throws { try check(invalid) }

    @Test("bad durations are reported at their line", arguments: durations)
    func badDuration(_ invalid: InvalidPlaybook) throws { try check(invalid) }

    @Test("bad batch sizes and failure allowances are reported at their line", arguments: batchSizes)
    func badBatchSize(_ invalid: InvalidPlaybook) throws { try check(invalid) }

    @Test("missing and conflicting keys are reported at the line they belong to", arguments: missingAndConflicting)
    func missingOrConflicting(_ invalid: InvalidPlaybook) throws { try check(invalid) }

    @Test("values out of range or not among the allowed ones are reported at their line", arguments: values)
    func badValue(_ invalid: InvalidPlaybook) throws { try check(invalid) }

    @Test("YAML syntax errors carry the line Yams found them on", arguments: syntax)
    func syntaxError(_ invalid: InvalidPlaybook) throws { try check(invalid) }

    private func check(_ invalid: InvalidPlaybook) throws {
        let error = try #require(throws: PlaybookError.self) { try Playbook.parse(text: invalid.yaml, source: "bad.yml") }
        #expect(error.file == "bad.yml")
        #expect(error.line == invalid.line, "\(error)")
        #expect(error.message.contains(invalid.message), "\(error)")
        let prefix = invalid.line.map { "bad.yml:\($0): " } ?? "bad.yml: "
        #expect(error.description.hasPrefix(prefix))
    }
}
