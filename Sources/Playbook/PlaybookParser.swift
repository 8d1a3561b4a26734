import BoundedYAML
import Durations
import MoltNames
import Yams

/// Reads a playbook's YAML into a `Playbook`, checking everything before returning: the first
/// problem found is thrown as a `file:line:` error at the offending key or value.
struct PlaybookParser {
    let document: YAMLDocument

    static let topLevelKeys = [
        "name", "hosts", "services", "container", "image", "health", "trial", "pull", "prepull",
        "batches", "order", "stop_timeout", "pause", "max_failures", "on_failure", "retain", "gates",
    ]
    /// The top-level keys that describe a single service in place of `services:`.
    static let shorthandKeys = ["container", "image", "health", "trial"]
    static let serviceKeys = ["container", "image", "health", "trial"]
    static let healthKeys = ["docker", "http", "tcp", "exec", "interval", "timeout", "stable"]
    static let httpKeys = ["port", "path", "status"]
    static let tcpKeys = ["port"]
    static let trialKeys = ["volumes", "env", "helper_image", "health"]
    static let gateKeys = ["after", "hold", "http", "interval", "promote"]
    static let metricCheckKeys = ["url", "value", "min", "max", "equals"]

    /// Text between a found value and what to write, shared by every duration error.
    private static let durationExamples = "a duration such as 250ms, 10s, 5m, 1h or 1m30s"

    // Limits on numbers, so that a typo or a hostile file is an error at its line and never an
    // overflow deep in a rollout.

    /// The longest wait a playbook may ask for (timeouts, pauses, stability): a day; a rollout
    /// that has to wait longer for one step is better split, and a bigger number is a typo.
    static let longestWait: Duration = .seconds(24 * 3600)
    /// The shortest health-check interval: probing faster only loads the host.
    static let shortestInterval: Duration = .milliseconds(10)
    /// The most hosts a batch size or `max_failures` may name: ten times the hosts an
    /// inventory may hold.
    static let mostHosts = 1_000_000
    /// The most replaced containers a host may keep for rollback.
    static let mostRetained = 100
    /// The most services one playbook may renew: each is a container on every host, and the
    /// plan holds one entry per host and service.
    static let mostServices = 1_000
    /// The most metric checks one gate may run each round: each is an HTTP request.
    static let mostChecks = 100
    /// The shortest time between two rounds of a gate's checks: a metric server is not a
    /// health probe, and is shared.
    static let shortestCheckInterval: Duration = .milliseconds(100)

    /// Parses `text`, naming it `source` in errors.
    static func parse(text: String, source: String) throws(PlaybookError) -> Playbook {
        let parser = PlaybookParser(document: try YAMLDocument(text: text, file: source))
        return try parser.playbook()
    }

    private func fail(_ node: Node, _ message: String) -> PlaybookError {
        document.error(at: node, message)
    }

    // MARK: - The playbook

    private func playbook() throws(PlaybookError) -> Playbook {
        guard let root = document.root, !YAMLDocument.isNull(root) else {
            throw PlaybookError(file: document.file, message: "the playbook is empty; it needs at least name:, hosts: and services: (or container: and image:)")
        }
        guard case let .mapping(mapping) = root else {
            var message = "a playbook must be a mapping of keys such as name:, hosts: and services:, found \(YAMLDocument.describe(root))"
            if case .sequence = root { message += " (molt reads one rollout per file, not an Ansible list of plays)" }
            throw fail(root, message)
        }
        let top = try Fields(mapping, node: root, allowed: Self.topLevelKeys, place: "at the top level of the playbook", document: document)

        let name = try required(top, "name", "the playbook has no 'name'; add one: it names the rollout, its lock and its journal entries")
        let hosts = try required(top, "hosts", "the playbook has no 'hosts'; add the host pattern to roll out to, e.g. hosts: web")
        var playbook = Playbook(
            source: document.file, name: try text(name, as: "the rollout's name"),
            hosts: try hostPattern(hosts), hostsLine: hosts.key.mark?.line, services: try services(top))

        if let entry = top["pull"] { playbook.pull = try choice(entry) }
        if let entry = top["prepull"] { playbook.prepull = try choice(entry) }
        if let entry = top["batches"] { playbook.batches = try batches(entry) }
        if let entry = top["order"] { playbook.order = try choice(entry) }
        if let entry = top["stop_timeout"] { playbook.stopTimeout = try duration(entry, allowZero: true) }
        if let entry = top["pause"] { playbook.pause = try duration(entry, allowZero: true) }
        if let entry = top["max_failures"] { playbook.maxFailures = try failureAllowance(entry) }
        if let entry = top["on_failure"] { playbook.onFailure = try choice(entry) }
        if let entry = top["retain"] {
            playbook.retain = try integer(entry, in: 0...Self.mostRetained, as: "the number of replaced containers to keep, from 0 to \(Self.mostRetained)")
        }
        if let entry = top["gates"] { playbook.gates = try gates(entry) }
        return playbook
    }

    /// The entry for `name`; when it is missing the error is at its null value if written,
    /// else at `fallback` (or the mapping that lacks it).
    private func required(_ fields: Fields, _ name: String, _ message: String, at fallback: Node? = nil) throws(PlaybookError) -> Entry {
        guard let entry = fields[name] else { throw fail(fields.written(name)?.key ?? fallback ?? fields.node, message) }
        return entry
    }

    /// `hosts:` as a pattern; a list of patterns is their union, as in Ansible.
    private func hostPattern(_ entry: Entry) throws(PlaybookError) -> String {
        let what = "a host pattern such as web or web:!web-legacy"
        if case let .sequence(items) = entry.value {
            var parts: [String] = []
            for item in items {
                parts.append(try text(Entry(name: entry.name, key: item, value: item), as: what))
            }
            guard !parts.isEmpty else { throw fail(entry.key, "'hosts' is an empty list; give \(what)") }
            return parts.joined(separator: ",")
        }
        return try text(entry, as: what)
    }

    // MARK: - Services

    private func services(_ top: Fields) throws(PlaybookError) -> [Service] {
        let shorthand = Self.shorthandKeys.compactMap { top.written($0) }
        guard let list = top.written("services") else {
            guard !shorthand.isEmpty else {
                throw fail(top.node, "the playbook names no service; add 'services:' with a list of container: and image:, or 'container:' and 'image:' at the top level for one service")
            }
            let line = top.written("container")?.key ?? shorthand[0].key
            return [try service(top, at: line, place: "the playbook")]
        }
        if let first = shorthand.min(by: { ($0.key.mark?.line ?? 0) < ($1.key.mark?.line ?? 0) }) {
            let servicesLine = list.key.mark.map { " (line \($0.line))" } ?? ""
            throw fail(first.key, "top-level '\(first.name)' is the one-service shorthand and cannot be combined with 'services:'\(servicesLine); move it into an entry of the services list")
        }
        guard case let .sequence(items) = list.value else {
            if YAMLDocument.isNull(list.value) {
                throw fail(list.key, "'services' is empty; list at least one service with container: and image:")
            }
            throw fail(list.key, "'services' must be a list of services (each with container: and image:), found \(YAMLDocument.describe(list.value))")
        }
        guard !items.isEmpty else {
            throw fail(list.key, "'services' is empty; list at least one service with container: and image:")
        }
        guard items.count <= Self.mostServices else {
            throw fail(list.key, "'services' lists \(items.count) services, more than the \(Self.mostServices) molt renews in one playbook; split it into several playbooks")
        }
        var services: [Service] = []
        var seen: [String: Int?] = [:]
        for item in items {
            guard case let .mapping(mapping) = item else {
                throw fail(item, "each entry of 'services' must be a mapping with container: and image:, found \(YAMLDocument.describe(item))")
            }
            let fields = try Fields(mapping, node: item, allowed: Self.serviceKeys, place: "in a service", document: document)
            let service = try service(fields, at: item, place: "this service")
            if let first = seen[service.container] {
                let firstLine = first.map { " (first at line \($0))" } ?? ""
                throw fail(fields["container"]?.value ?? item, "container '\(service.container)' appears twice in 'services'\(firstLine); each service must be a different container")
            }
            seen[service.container] = service.line
            services.append(service)
        }
        return services
    }

    /// A service from `container`, `image`, `health` and `trial` in `fields`, declared at `line`.
    private func service(_ fields: Fields, at line: Node, place: String) throws(PlaybookError) -> Service {
        let containerEntry = try required(fields, "container", "\(place) has no 'container'; add the name of the container to replace on each host", at: line)
        let container = try text(containerEntry, as: "a container name")
        try checkContainerName(container, at: containerEntry.value)
        let image = try imageReference(required(fields, "image", "\(place) has no 'image'; add the image the container should run, e.g. image: registry:5000/web:2.0", at: line))
        var service = Service(container: container, image: image, line: line.mark?.line)
        if let entry = fields.written("health") {
            service.health = try health(entry)
        }
        if let entry = fields["trial"] { service.trial = try trial(entry) }
        return service
    }

    private func checkContainerName(_ name: String, at node: Node) throws(PlaybookError) {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_.-")
        guard let first = name.first, first.isLetter || first.isNumber, name.allSatisfy({ allowed.contains($0) }) else {
            throw fail(node, "'\(name)' is not a Docker container name: use letters, digits, '_', '.' and '-', starting with a letter or digit")
        }
        for suffix in ContainerNames.reservedSuffixes where name.hasSuffix(suffix) {
            throw fail(node, "'\(name)' ends in '\(suffix)', which molt uses for its own copies of a container; name the service's container itself")
        }
        if name.hasPrefix(ContainerNames.lockPrefix) {
            throw fail(node, "'\(name)' is the name of a molt lock, not of a service container")
        }
    }

    private func imageReference(_ entry: Entry) throws(PlaybookError) -> String {
        let image = try text(entry, as: "an image reference such as registry:5000/web:2.0")
        guard !image.contains(where: \.isWhitespace) else {
            throw fail(entry.value, "'\(image)' is not an image reference: it contains a space")
        }
        return image
    }

    // MARK: - Health and trial

    private func health(_ entry: Entry) throws(PlaybookError) -> HealthSpec {
        if YAMLDocument.isNull(entry.value) { return HealthSpec() }
        let fields = try mapping(entry, of: "checks (docker, http, tcp, exec) and timings (interval, timeout, stable)", allowed: Self.healthKeys)
        var health = HealthSpec()
        if let entry = fields["docker"] { health.docker = try boolean(entry) }
        if let entry = fields["http"] {
            let http = try mapping(entry, of: "port, path and status, e.g. {port: 8080, path: /health}", allowed: Self.httpKeys)
            var probe = HTTPProbe(port: try port(required(http, "port", "'http' has no 'port'; add the port to probe on the host, e.g. {port: 8080}")))
            if let path = http["path"] {
                probe.path = try text(path, as: "a request path starting with /")
                guard probe.path.hasPrefix("/"), !probe.path.contains(where: \.isWhitespace) else {
                    throw fail(path.value, "'\(probe.path)' is not a request path: it must start with / and contain no spaces")
                }
            }
            if let status = http["status"] { probe.status = try integer(status, in: 100...599, as: "an HTTP status code from 100 to 599") }
            health.http = probe
        }
        if let entry = fields["tcp"] {
            let tcp = try mapping(entry, of: "port, e.g. {port: 5432}", allowed: Self.tcpKeys)
            health.tcp = TCPProbe(port: try port(required(tcp, "port", "'tcp' has no 'port'; add the port to connect to on the host, e.g. {port: 5432}")))
        }
        if let entry = fields["exec"] { health.exec = try command(entry) }
        if let entry = fields["interval"] { health.interval = try duration(entry, allowZero: false, atLeast: Self.shortestInterval) }
        if let entry = fields["timeout"] { health.timeout = try duration(entry, allowZero: false) }
        if let entry = fields["stable"] { health.stable = try duration(entry, allowZero: true) }
        return health
    }

    private func port(_ entry: Entry) throws(PlaybookError) -> Int {
        try integer(entry, in: 1...65535, as: "a port number from 1 to 65535")
    }

    /// `exec:` in exec form: a non-empty list of strings, the command and its arguments.
    private func command(_ entry: Entry) throws(PlaybookError) -> [String] {
        let what = "a list of strings, the command and its arguments, e.g. [\"pg_isready\", \"-q\"]"
        guard case let .sequence(items) = entry.value else {
            throw fail(entry.key, "'exec' must be \(what); found \(YAMLDocument.describe(entry.value))")
        }
        guard !items.isEmpty else { throw fail(entry.key, "'exec' is an empty list; it must be \(what)") }
        var words: [String] = []
        for item in items {
            guard let word = plainText(item) else {
                throw fail(item, "'exec' must be \(what); found \(YAMLDocument.describe(item)) in it (quote it to pass it as text)")
            }
            words.append(word)
        }
        return words
    }

    private func trial(_ entry: Entry) throws(PlaybookError) -> TrialSpec? {
        if case let .bool(enabled)? = YAMLDocument.scalar(entry.value) {
            return enabled ? TrialSpec() : nil
        }
        let fields = try mapping(entry, of: "volumes, env, helper_image and health (or true for all defaults)", allowed: Self.trialKeys)
        var trial = TrialSpec()
        if let entry = fields["volumes"] { trial.volumes = try volumes(entry) }
        if let entry = fields["env"] { trial.env = try environment(entry) }
        if let entry = fields["helper_image"] { trial.helperImage = try imageReference(entry) }
        if let entry = fields["health"] { trial.health = try health(entry) }
        return trial
    }

    private func volumes(_ entry: Entry) throws(PlaybookError) -> TrialVolumes {
        let what = "'volumes' must be 'all' or a list of volume names"
        switch entry.value {
        case .scalar:
            guard YAMLDocument.scalar(entry.value) == .string("all") else {
                throw fail(entry.value, "\(what), found \(YAMLDocument.describe(entry.value))")
            }
            return .all
        case let .sequence(items):
            guard !items.isEmpty else { throw fail(entry.key, "\(what), found an empty list") }
            var names: [String] = []
            for item in items {
                guard let name = plainText(item), !name.isEmpty else {
                    throw fail(item, "\(what), found \(YAMLDocument.describe(item)) in the list")
                }
                if !names.contains(name) { names.append(name) }
            }
            return .named(names)
        default:
            throw fail(entry.key, "\(what), found \(YAMLDocument.describe(entry.value))")
        }
    }

    private func environment(_ entry: Entry) throws(PlaybookError) -> [String: String] {
        guard case let .mapping(mapping) = entry.value else {
            throw fail(entry.key, "'env' must be a mapping of variable names to values, e.g. {PORT: \"18080\"}; found \(YAMLDocument.describe(entry.value))")
        }
        var environment: [String: String] = [:]
        for (key, value) in try document.pairs(of: mapping) {
            let name = YAMLDocument.text(of: key)
            guard !name.isEmpty, !name.contains("="), YAMLDocument.scalar(key) != nil else {
                throw fail(key, "'\(name)' is not an environment variable name")
            }
            guard let text = plainText(value) else {
                throw fail(value, "the value of '\(name)' in 'env' must be text or a number, found \(YAMLDocument.describe(value)) (quote it to pass it as text)")
            }
            environment[name] = text
        }
        return environment
    }

    // MARK: - Rollout policy

    private func batches(_ entry: Entry) throws(PlaybookError) -> [BatchSize] {
        let example = "[1, \"25%\", \"100%\"]"
        guard case let .sequence(items) = entry.value else {
            var message = "'batches' must be a list of batch sizes such as \(example), found \(YAMLDocument.describe(entry.value))"
            if case .int(let count)? = YAMLDocument.scalar(entry.value) { message += "; write [\(count)] for batches of \(count) hosts" }
            throw fail(entry.key, message)
        }
        guard !items.isEmpty else { throw fail(entry.key, "'batches' is an empty list; give batch sizes such as \(example)") }
        var sizes: [BatchSize] = []
        for item in items {
            switch YAMLDocument.scalar(item) {
            case let .int(count)?:
                sizes.append(try batchCount(count, at: item))
            case let .string(text)?:
                if text.hasSuffix("%") {
                    sizes.append(.percent(try percentage(text, in: 1...100, at: item, of: "a batch")))
                } else if let count = Int(text) {
                    sizes.append(try batchCount(count, at: item))
                } else {
                    fallthrough
                }
            default:
                throw fail(item, "\(YAMLDocument.describe(item)) is not a batch size: write a number of hosts (1) or a percentage of all hosts (\"25%\")")
            }
        }
        return sizes
    }

    private func batchCount(_ count: Int, at node: Node) throws(PlaybookError) -> BatchSize {
        guard count >= 1 else { throw fail(node, "a batch must have at least 1 host, found \(count)") }
        guard count <= Self.mostHosts else {
            throw fail(node, "a batch may have at most \(Self.mostHosts) hosts, found \(count); write \"100%\" for all hosts")
        }
        return .count(count)
    }

    /// The number in `"25%"`, which must lie in `range`.
    private func percentage(_ text: String, in range: ClosedRange<Int>, at node: Node, of what: String) throws(PlaybookError) -> Int {
        let digits = text.dropLast()
        guard let percent = Int(digits), !digits.hasPrefix("+") else {
            throw fail(node, "'\(text)' is not a percentage: write a whole number followed by %, e.g. \"25%\"")
        }
        guard range.contains(percent) else {
            throw fail(node, "'\(text)' is out of range: \(what) percentage must be from \(range.lowerBound)% to \(range.upperBound)%")
        }
        return percent
    }

    private func failureAllowance(_ entry: Entry) throws(PlaybookError) -> FailureAllowance {
        switch YAMLDocument.scalar(entry.value) {
        case let .int(count)?:
            return .count(try failureCount(count, at: entry.value))
        case let .string(text)? where text.hasSuffix("%"):
            return .percent(try percentage(text, in: 0...100, at: entry.value, of: "a 'max_failures'"))
        case let .string(text)? where Int(text) != nil:
            return .count(try failureCount(Int(text) ?? 0, at: entry.value))
        default:
            throw fail(entry.key, "'max_failures' must be a number of hosts (0) or a percentage of all hosts (\"10%\"), found \(YAMLDocument.describe(entry.value))")
        }
    }

    private func failureCount(_ count: Int, at node: Node) throws(PlaybookError) -> Int {
        guard count >= 0 else { throw fail(node, "'max_failures' must be 0 or more hosts, found \(count)") }
        guard count <= Self.mostHosts else {
            throw fail(node, "'max_failures' may be at most \(Self.mostHosts) hosts, found \(count); write \"100%\" to let every host fail")
        }
        return count
    }

    // MARK: - Gates

    private func gates(_ entry: Entry) throws(PlaybookError) -> [Gate] {
        guard case let .sequence(items) = entry.value else {
            throw fail(entry.key, "'gates' must be a list of gates, each with after: and what to do (hold:, http:, promote:), found \(YAMLDocument.describe(entry.value))")
        }
        var gates: [Gate] = []
        var gated: [Int: Int?] = [:]
        for item in items {
            guard case let .mapping(mapping) = item else {
                throw fail(item, "each entry of 'gates' must be a mapping such as {after: 1, hold: 10m}, found \(YAMLDocument.describe(item))")
            }
            let fields = try Fields(mapping, node: item, allowed: Self.gateKeys, place: "in a gate", document: document)
            let afterEntry = try required(fields, "after", "this gate has no 'after'; add the batch it follows, e.g. after: 1 for the canary batch", at: item)
            var gate = Gate(after: try batchNumbers(afterEntry), line: item.mark?.line)
            for number in gate.after {
                if let first = gated[number] {
                    let firstLine = first.map { " (line \($0))" } ?? ""
                    throw fail(afterEntry.value, "batch \(number) already has a gate\(firstLine); give each batch at most one gate")
                }
                gated[number] = gate.line
            }
            if let entry = fields["hold"] { gate.hold = try duration(entry, allowZero: true) }
            if let entry = fields["http"] { gate.checks = try metricChecks(entry) }
            if let entry = fields["interval"] { gate.interval = try duration(entry, allowZero: false, atLeast: Self.shortestCheckInterval) }
            if let entry = fields["promote"] { gate.promote = try choice(entry) }
            if gate.hold == .zero, gate.checks.isEmpty, gate.promote == .auto {
                throw fail(item, "this gate neither holds (hold: 10m), checks a metric (http:) nor waits for an operator (promote: manual); give it one of these, or remove it")
            }
            gates.append(gate)
        }
        return gates
    }

    /// `after: 1` or `after: [1, 3]`: batch numbers from 1, each once.
    private func batchNumbers(_ entry: Entry) throws(PlaybookError) -> [Int] {
        let what = "a batch number from 1 (the first, canary batch) or a list of them, e.g. after: 1 or after: [1, 2]"
        let items: [Node]
        if case let .sequence(list) = entry.value {
            guard !list.isEmpty else { throw fail(entry.key, "'after' is an empty list; it must be \(what)") }
            items = Array(list)
        } else {
            items = [entry.value]
        }
        var numbers: [Int] = []
        for item in items {
            guard case let .int(number)? = YAMLDocument.scalar(item) else {
                throw fail(item, "'after' must be \(what), found \(YAMLDocument.describe(item))")
            }
            guard number >= 1 else { throw fail(item, "'after' counts batches from 1 (the canary batch), found \(number)") }
            guard number <= Self.mostHosts else {
                throw fail(item, "'after' names batch \(number), more batches than a rollout can have (at most \(Self.mostHosts))")
            }
            guard !numbers.contains(number) else { throw fail(item, "'after' names batch \(number) twice") }
            numbers.append(number)
        }
        return numbers
    }

    private func metricChecks(_ entry: Entry) throws(PlaybookError) -> [MetricCheck] {
        let example = "[{url: \"http://prometheus:9090/api/v1/query?query=…\", value: \"$.data.result[0].value[1]\", max: 0.01}]"
        guard case let .sequence(items) = entry.value else {
            throw fail(entry.key, "'http' in a gate must be a list of metric checks such as \(example), found \(YAMLDocument.describe(entry.value))")
        }
        guard items.count <= Self.mostChecks else {
            throw fail(entry.key, "'http' lists \(items.count) checks, more than the \(Self.mostChecks) a gate runs each round")
        }
        var checks: [MetricCheck] = []
        for item in items {
            guard case let .mapping(mapping) = item else {
                throw fail(item, "each metric check must be a mapping of url, value and a bound (min, max, equals), found \(YAMLDocument.describe(item))")
            }
            let fields = try Fields(mapping, node: item, allowed: Self.metricCheckKeys, place: "in a metric check", document: document)
            let urlEntry = try required(fields, "url", "this metric check has no 'url'; add the http:// URL to read, e.g. a Prometheus instant query", at: item)
            let url = try text(urlEntry, as: "an http:// URL")
            do {
                _ = try MetricURL(parsing: url)
            } catch {
                throw fail(urlEntry.value, "'\(url)' cannot be checked: \(error.message)")
            }
            var check = MetricCheck(url: url, line: item.mark?.line)
            if let entry = fields["value"] {
                let written = try text(entry, as: "a value selector such as $.data.result[0].value[1]")
                do {
                    check.value = try ValueSelector(parsing: written)
                } catch {
                    throw fail(entry.value, error.message)
                }
            }
            if let entry = fields["min"] { check.min = try number(entry) }
            if let entry = fields["max"] { check.max = try number(entry) }
            if let entry = fields["equals"] { check.equals = try comparand(entry) }
            guard check.min != nil || check.max != nil || check.equals != nil else {
                throw fail(item, "this metric check has no bound; add max: (e.g. max: 0.01), min: or equals:")
            }
            if let min = check.min, let max = check.max, min > max {
                throw fail(fields["min"]?.value ?? item, "'min' (\(YAMLDocument.text(of: fields["min"]?.value ?? item))) is above 'max' (\(YAMLDocument.text(of: fields["max"]?.value ?? item))): no value could pass")
            }
            checks.append(check)
        }
        return checks
    }

    /// A finite number, written as an integer or a decimal.
    private func number(_ entry: Entry) throws(PlaybookError) -> Double {
        switch YAMLDocument.scalar(entry.value) {
        case let .int(value)?: return Double(value)
        case let .double(value)? where value.isFinite: return value
        default:
            throw fail(entry.value, "'\(entry.name)' must be a number such as 0.01 or 200, found \(YAMLDocument.describe(entry.value))")
        }
    }

    /// `equals:` as the text a reply's value is compared with; booleans as JSON writes them.
    private func comparand(_ entry: Entry) throws(PlaybookError) -> String {
        if case let .bool(value)? = YAMLDocument.scalar(entry.value) { return value ? "true" : "false" }
        guard let text = plainText(entry.value) else {
            throw fail(entry.value, "'equals' must be text, a number or a boolean, found \(YAMLDocument.describe(entry.value))")
        }
        return text
    }

    // MARK: - Typed values

    /// The entry's value as a mapping checked against `allowed` keys.
    private func mapping(_ entry: Entry, of description: String, allowed: [String]) throws(PlaybookError) -> Fields {
        guard case let .mapping(mapping) = entry.value else {
            throw fail(entry.key, "'\(entry.name)' must be a mapping of \(description), found \(YAMLDocument.describe(entry.value))")
        }
        return try Fields(mapping, node: entry.value, allowed: allowed, place: "in '\(entry.name)'", document: document)
    }

    /// A scalar as the text it was written as; nil for booleans, null and collections, which are
    /// more likely a mistake than meant as text.
    private func plainText(_ node: Node) -> String? {
        switch YAMLDocument.scalar(node) {
        case .string?, .int?, .double?: YAMLDocument.text(of: node)
        default: nil
        }
    }

    private func text(_ entry: Entry, as what: String) throws(PlaybookError) -> String {
        guard let text = plainText(entry.value), !text.isEmpty else {
            throw fail(entry.value, "'\(entry.name)' must be \(what), found \(YAMLDocument.describe(entry.value))")
        }
        return text
    }

    private func integer(_ entry: Entry, in range: ClosedRange<Int>, as what: String) throws(PlaybookError) -> Int {
        guard case let .int(value)? = YAMLDocument.scalar(entry.value) else {
            throw fail(entry.value, "'\(entry.name)' must be \(what), found \(YAMLDocument.describe(entry.value))")
        }
        guard range.contains(value) else {
            throw fail(entry.value, "'\(entry.name)' must be \(what), found \(value)")
        }
        return value
    }

    private func boolean(_ entry: Entry) throws(PlaybookError) -> Bool {
        guard case let .bool(value)? = YAMLDocument.scalar(entry.value) else {
            throw fail(entry.value, "'\(entry.name)' must be true or false, found \(YAMLDocument.describe(entry.value))")
        }
        return value
    }

    /// A duration written as text (`1m30s`) or as a number of seconds, from `atLeast` (or
    /// zero, or just above zero) up to `longestWait`.
    private func duration(_ entry: Entry, allowZero: Bool, atLeast shortest: Duration = .zero) throws(PlaybookError) -> Duration {
        let longest = Self.longestWait
        let value: Duration?
        switch YAMLDocument.scalar(entry.value) {
        case let .int(seconds)?:
            value = seconds >= 0 ? .seconds(min(seconds, Int(longest.seconds) + 1)) : nil
        case let .double(seconds)? where seconds.isFinite && seconds >= 0:
            // Duration(seconds:) traps past its range, so clamp first: anything over the limit is refused below.
            value = .seconds(min(seconds, longest.seconds.rounded(.down) + 1))
        case let .double(seconds)? where seconds == .infinity:
            value = longest + .seconds(1)
        case let .string(text)?:
            value = DurationText.parse(text)
        default:
            value = nil
        }
        guard let value else {
            throw fail(entry.value, "'\(entry.name)' must be \(Self.durationExamples), found \(YAMLDocument.describe(entry.value))")
        }
        guard allowZero || value > .zero else {
            throw fail(entry.value, "'\(entry.name)' must be more than 0s")
        }
        guard value >= shortest else {
            throw fail(entry.value, "'\(entry.name)' must be at least \(DurationText.format(shortest)), found \(YAMLDocument.text(of: entry.value))")
        }
        guard value <= longest else {
            throw fail(
                entry.value,
                "'\(entry.name)' must be at most \(DurationText.format(longest)), the longest molt waits for anything, "
                    + "found \(YAMLDocument.text(of: entry.value))")
        }
        return value
    }

    /// One of an enumeration's raw values, listing them all when the value is not one.
    private func choice<Choice: RawRepresentable & CaseIterable>(_ entry: Entry) throws(PlaybookError) -> Choice where Choice.RawValue == String {
        if case let .string(text)? = YAMLDocument.scalar(entry.value), let choice = Choice(rawValue: text) {
            return choice
        }
        let allowed = Choice.allCases.map(\.rawValue)
        var message = "'\(entry.name)' must be one of \(allowed.joined(separator: ", ")); found \(YAMLDocument.describe(entry.value))"
        if let suggestion = Fields.closest(to: YAMLDocument.text(of: entry.value), in: allowed) {
            message += "; did you mean '\(suggestion)'?"
        }
        throw fail(entry.value, message)
    }
}
