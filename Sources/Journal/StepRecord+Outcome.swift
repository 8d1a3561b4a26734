extension StepRecord {
    /// How a step ended: the journal's `outcome` column, written as ``rawValue``.
    ///
    /// A `replace` or `rollback` step ends as its service did (``updated``, ``upToDate``,
    /// ``skipped``, ``failed``, ``rolledBack``, ``degraded``, ``interrupted``); a `trial` step
    /// ``passed``, ``failed``, ``skipped`` or ``interrupted``; a `patch` step ``patched`` or
    /// ``failed``; a gate's `check` ``ok`` or ``failed``; a `gate after batch N` ``passed``,
    /// ``waiting``, ``failed``, ``interrupted``, then ``promoted`` or ``aborted``. Text this
    /// molt does not know reads back as ``other(_:)``, kept as it was.
    public enum Outcome: JournalWord, CaseIterable {
        case ok
        case failed
        case skipped
        case updated
        case upToDate
        case rolledBack
        case degraded
        case interrupted
        case passed
        case waiting
        case promoted
        case aborted
        case patched
        /// An outcome this molt does not write, kept as it was read.
        case other(String)

        /// Every outcome this molt writes.
        public static let allCases: [Self] = [
            .ok, .failed, .skipped, .updated, .upToDate, .rolledBack, .degraded, .interrupted, .passed, .waiting,
            .promoted, .aborted, .patched,
        ]

        public init(rawValue text: String) {
            self = Self.reading(text, else: Self.other)
        }

        public var rawValue: String {
            switch self {
            case .ok: "ok"
            case .failed: "failed"
            case .skipped: "skipped"
            case .updated: "updated"
            case .upToDate: "uptodate"
            case .rolledBack: "rolledback"
            case .degraded: "degraded"
            case .interrupted: "interrupted"
            case .passed: "passed"
            case .waiting: "waiting"
            case .promoted: "promoted"
            case .aborted: "aborted"
            case .patched: "patched"
            case .other(let text): text
            }
        }
    }
}
