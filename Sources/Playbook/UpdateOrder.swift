/// Which container runs while the other is replaced (`order`), as in Docker Swarm's `update_config.order`.
public enum UpdateOrder: String, Sendable, Hashable, CaseIterable {
    /// Stop the old container, then start the new one: a short outage, no port clash.
    case stopFirst = "stop-first"
    /// Start the new container and wait for it to be healthy before stopping the old one; the
    /// two must be able to run side by side (no fixed host port both bind).
    case startFirst = "start-first"
}
