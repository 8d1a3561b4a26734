/// One container that a playbook renews on every matched host: its name, the image it should
/// run, and how to tell that the new one works.
public struct Service: Sendable, Hashable {
    /// The container's name on each host.
    public var container: String
    /// The target image reference.
    public var image: String
    /// The checks a new container must pass.
    public var health: HealthSpec
    /// The rehearsal against cloned volumes, when configured.
    public var trial: TrialSpec?
    /// The line the service is declared at in the playbook, for later errors about it.
    public var line: Int?

    /// Creates a service.
    public init(container: String, image: String, health: HealthSpec = HealthSpec(), trial: TrialSpec? = nil, line: Int? = nil) {
        self.container = container
        self.image = image
        self.health = health
        self.trial = trial
        self.line = line
    }
}
