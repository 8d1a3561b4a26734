/// A rollout as an operator wrote it in `playbooks/*.yml`: which containers to renew with
/// which images, on which hosts, in what batches, and what to do when something fails.
///
/// Loading checks everything up front (unknown keys, types, durations, percentages), so a bad
/// playbook is a `file:line:` error before any host is touched.
public struct Playbook: Sendable, Hashable {
    /// The batch sizes used when a playbook gives none: one canary host, then all the rest.
    public static let defaultBatches: [BatchSize] = [.count(1), .percent(100)]

    /// The path the playbook was loaded from, or the name given to `parse`.
    public var source: String
    /// Names the rollout, its lock and its journal entries.
    public var name: String
    /// The host pattern (Ansible syntax) the rollout applies to.
    public var hosts: String
    /// The line of `hosts:`, for errors about the pattern found later (e.g. it matches no host).
    public var hostsLine: Int?
    /// The containers to renew on every host: the `services:` list, or the one service of the
    /// top-level shorthand (`container:`, `image:`, `health:`, `trial:`).
    public var services: [Service]
    /// When to pull the target images; `missing` by default.
    public var pull: PullPolicy
    /// When to pull relative to stopping containers; `batch` by default.
    public var prepull: Prepull
    /// Successive batch sizes, the last one repeating; `[1, "100%"]` (a canary host, then the
    /// rest) by default, so a broken release stops after one host.
    public var batches: [BatchSize]
    /// Whether the old container stops before the new one starts; `stop-first` by default.
    public var order: UpdateOrder
    /// How long a container may take to stop before it is killed; 10s by default.
    public var stopTimeout: Duration
    /// How long to wait between batches; none by default.
    public var pause: Duration
    /// How many hosts may fail before the rollout stops; none by default.
    public var maxFailures: FailureAllowance
    /// What to do once more hosts failed than `maxFailures` allows; `rollback` by default.
    public var onFailure: FailurePolicy
    /// How many replaced containers to keep, stopped, on each host for instant rollback; 1 by default.
    public var retain: Int
    /// The decisions between batches (`gates:`), in the order written; none by default.
    public var gates: [Gate]

    /// Creates a playbook; the defaults are those of a playbook file that says nothing more.
    public init(
        source: String, name: String, hosts: String, hostsLine: Int? = nil, services: [Service],
        pull: PullPolicy = .missing, prepull: Prepull = .batch, batches: [BatchSize] = Playbook.defaultBatches,
        order: UpdateOrder = .stopFirst, stopTimeout: Duration = .seconds(10), pause: Duration = .zero,
        maxFailures: FailureAllowance = .count(0), onFailure: FailurePolicy = .rollback, retain: Int = 1,
        gates: [Gate] = []
    ) {
        self.source = source
        self.name = name
        self.hosts = hosts
        self.hostsLine = hostsLine
        self.services = services
        self.pull = pull
        self.prepull = prepull
        self.batches = batches
        self.order = order
        self.stopTimeout = stopTimeout
        self.pause = pause
        self.maxFailures = maxFailures
        self.onFailure = onFailure
        self.retain = retain
        self.gates = gates
    }

    /// The gate that follows batch `number` (1-based), if any.
    public func gate(after number: Int) -> Gate? {
        gates.first { $0.after.contains(number) }
    }

    /// Reads and checks the playbook at `path`.
    public static func load(path: String) throws(PlaybookError) -> Playbook {
        try parse(text: PlaybookFile.read(path), source: path)
    }

    /// Checks playbook text that did not come from a file (tests, standard input); `source`
    /// names it in errors.
    public static func parse(text: String, source: String) throws(PlaybookError) -> Playbook {
        try PlaybookParser.parse(text: text, source: source)
    }

    /// This playbook with its one service's image replaced, for `--image`.
    ///
    /// With several services it is unclear which image is meant, so that is an error naming
    /// the file; edit the images in the playbook instead.
    public func overridingImage(_ image: String) throws(PlaybookError) -> Playbook {
        guard services.count == 1 else {
            let names = services.map(\.container).joined(separator: ", ")
            throw PlaybookError(
                file: source,
                message: "--image applies only to a playbook with one service, and this one has \(services.count) (\(names)); set each service's image in the playbook instead")
        }
        guard !image.isEmpty, !image.contains(where: \.isWhitespace) else {
            throw PlaybookError(file: source, message: "--image '\(image)' is not an image reference")
        }
        var playbook = self
        playbook.services[0].image = image
        return playbook
    }
}
