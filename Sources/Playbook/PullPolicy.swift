/// When the target image is pulled from its registry (`pull`).
public enum PullPolicy: String, Sendable, Hashable, CaseIterable {
    /// Always pull, so a moved tag is picked up.
    case always
    /// Pull only when the host does not have the image yet.
    case missing
    /// Never pull: the image must already be on every host.
    case never
}
