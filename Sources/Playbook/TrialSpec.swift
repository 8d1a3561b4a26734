/// A rehearsal of the new release against clones of the live data, before the live container
/// is touched (`trial:`).
public struct TrialSpec: Sendable, Hashable {
    /// The volumes to clone.
    public var volumes: TrialVolumes
    /// Environment overrides for the trial container, e.g. a free port so it can run beside
    /// the live one.
    public var env: [String: String]
    /// An image with `cp` or `tar` for copying volumes on the host, when the live image has neither.
    public var helperImage: String?
    /// The checks the trial container must pass; nil uses the service's own. When given, it
    /// stands alone: nothing is inherited from the service's `health`.
    public var health: HealthSpec?

    /// Creates a trial specification; the defaults are those of `trial: {}`.
    public init(volumes: TrialVolumes = .all, env: [String: String] = [:], helperImage: String? = nil, health: HealthSpec? = nil) {
        self.volumes = volumes
        self.env = env
        self.helperImage = helperImage
        self.health = health
    }
}
