extension RunRecord {
    /// How a run ended: the journal's `result` column, written as ``rawValue``.
    ///
    /// ``running`` is never recorded: it is how a run with no end reads while its process
    /// lives (or lives elsewhere). Text this molt does not know reads back as ``other(_:)``,
    /// kept as it was.
    public enum Result: JournalWord, CaseIterable {
        case succeeded
        case rolledBack
        case paused
        case partial
        case failed
        /// Stopped by a signal, or its coordinator's process is gone.
        case interrupted
        /// Stopped at a manual gate, for `molt promote` or `molt abort`.
        case waiting
        /// Another run held a lock: nothing was done.
        case locked
        /// Not ended: read back only, never recorded.
        case running
        /// A result this molt does not write, kept as it was read.
        case other(String)

        /// Every result this molt knows.
        public static let allCases: [Self] = [
            .succeeded, .rolledBack, .paused, .partial, .failed, .interrupted, .waiting, .locked, .running,
        ]

        public init(rawValue text: String) {
            self = Self.reading(text, else: Self.other)
        }

        public var rawValue: String {
            switch self {
            case .succeeded: "succeeded"
            case .rolledBack: "rolledback"
            case .paused: "paused"
            case .partial: "partial"
            case .failed: "failed"
            case .interrupted: "interrupted"
            case .waiting: "waiting"
            case .locked: "locked"
            case .running: "running"
            case .other(let text): text
            }
        }
    }
}
