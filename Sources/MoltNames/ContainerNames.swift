/// The names molt gives a service's containers on a host, and the labels it puts on them:
/// written once, here, because the state of a replacement lives on the host in these names.
///
/// `NAME` is only ever given to a container molt has seen pass its checks, or to one molt did
/// not make. While unconfirmed, a new container is `NAME.molt-next`; the old one waits as
/// `NAME.molt-prev` until the new one has passed.
public struct ContainerNames: Sendable, Hashable {
    /// The live container's name: the service's `container:`.
    public let live: String

    public init(_ live: String) {
        self.live = live
    }

    /// The replaced container, stopped and kept for an instant rollback (`retain`).
    public var previous: String { live + ".molt-prev" }
    /// The new container until it has passed its checks.
    public var next: String { live + ".molt-next" }
    /// A new container that failed, kept until the old one is healthy again (for good on a
    /// degraded host).
    public var failed: String { live + ".molt-failed" }
    /// The container a rollback stepped away from, until the one it restored is healthy.
    public var undone: String { live + ".molt-undone" }
    /// The rehearsal container of a trial.
    public var trial: String { live + ".molt-trial" }
    /// The service's lock (SPEC §6).
    public var lock: String { ContainerNames.lockPrefix + live }
    /// The prefix of the short-lived containers that copy volumes for a trial.
    public var cloneHelperPrefix: String { live + ".molt-clone-" }
    /// The start of every name above but the lock's: what a rerun looks for to find molt's
    /// copies of this service.
    public var copyPrefix: String { live + ".molt-" }
    /// A never-started container an audit reads the image's packages from.
    public func auditScratch(suffix: String) -> String { live + ContainerNames.auditInfix + suffix }
    /// A trial's clone of the volume `source`.
    public static func trialVolume(of source: String, suffix: String) -> String { source + ".molt-trial-" + suffix }

    /// An older retained container, set aside so that `previous` is free: `NAME.molt-prev-<id>`.
    public func archived(id: String) -> String { previous + "-" + id.prefix(12) }

    /// A name already taken by another copy (`NAME.molt-failed` when an earlier failure is still
    /// kept): the same name with the container's short ID.
    public static func aside(_ name: String, id: String) -> String { name + "-" + id.prefix(12) }

    /// The suffixes of every copy molt makes; a service's own name may not end in one.
    public static let reservedSuffixes = [".molt-prev", ".molt-next", ".molt-failed", ".molt-undone", ".molt-trial"]
    /// Every lock container's name starts with this.
    public static let lockPrefix = "molt-lock."
    /// What an audit's scratch containers have after the service's name.
    public static let auditInfix = ".molt-audit-"

    /// True for the containers molt makes besides the live one: retained, next, failed,
    /// undone, trial, audit scratch, clone helpers, locks.
    public static func isMoltCopy(_ name: String) -> Bool {
        name.hasPrefix(lockPrefix) || name.contains(".molt-")
    }
}

/// The labels molt reads and writes on containers.
public enum MoltLabel {
    /// The run that created the container.
    public static let run = "molt.run"
    /// The image reference of the container it replaced: the last one that was healthy.
    public static let previousImage = "molt.previous-image"
    /// The ID of the container it replaced.
    public static let previousContainer = "molt.previous-container"
    /// The image ID of the container it replaced: what a rollback puts back when the tag in
    /// `molt.previous-image` has moved on (a Compose service's `latest`).
    public static let previousImageID = "molt.previous-image-id"
    /// On molt's copy of a Compose container (a retained `NAME.molt-prev`, a trial container):
    /// each of its `com.docker.compose.*` labels under this prefix, so that Compose does not
    /// take the copy for one of its own and the original labels can still be read.
    public static let composePrefix = "molt.compose."
    /// On molt's copy of a Compose container: the ID of the container it copies.
    public static let copyOf = "molt.copy-of"
    /// On molt's copy of a Compose container: the image reference the original was created
    /// with; the copy names its image by ID, since the tag may have moved on.
    public static let imageReference = "molt.image-reference"
    /// Set on containers that molt names `NAME` only once they have passed their checks: such a
    /// container under `NAME` was confirmed. Without it, a `NAME` made by a molt run is checked
    /// before it is trusted (SPEC §4.8).
    public static let confirmedOnRename = "molt.named-when-healthy"
    /// Set on trial containers.
    public static let trial = "molt.trial"
    /// On clone volumes and copy helpers: the service whose trial made them.
    public static let trialCloneOf = "molt.trial-clone-of"
    /// On clone volumes: the volume cloned.
    public static let trialSource = "molt.trial-source"
}

/// The labels Docker Compose puts on the containers it manages, as molt reads them.
public enum ComposeLabel {
    /// Every Compose label starts with this.
    public static let prefix = "com.docker.compose."
    /// The project: Compose lists a project's containers by this label.
    public static let project = "com.docker.compose.project"
    /// The service within the project.
    public static let service = "com.docker.compose.service"
    /// `True` on `docker-compose run` containers.
    public static let oneOff = "com.docker.compose.oneoff"
    /// The Compose version that created the container: 1.x is the Python Compose, 2.x the Go one.
    public static let version = "com.docker.compose.version"
    /// Compose's hash of the service's configuration (v1: and of the image ID its tag names).
    public static let configHash = "com.docker.compose.config-hash"
    /// Compose v2: the ID of the image the service's tag named when the container was made.
    public static let image = "com.docker.compose.image"
    /// The project's directory, as Compose resolved it.
    public static let workingDir = "com.docker.compose.project.working_dir"
    /// The project's compose files, comma-separated.
    public static let configFiles = "com.docker.compose.project.config_files"
    /// The `--env-file` given, if any.
    public static let environmentFile = "com.docker.compose.project.environment_file"
}
