/// Which of the live container's named volumes a trial clones (`trial.volumes`).
public enum TrialVolumes: Sendable, Hashable {
    /// Every named volume the live container mounts.
    case all
    /// Only these volumes, by name; the others are not mounted in the trial container.
    case named([String])
}
