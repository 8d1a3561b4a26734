extension RunRecord {
    /// How a run ended: the journal's `result` column, written as ``rawValue``.
    ///
    /// ``running`` is never recorded: it is how a run with no end reads while its process
    /// lives (or lives elsewhere). Text this molt does not know reads back as ``other(_:)``,
    /// kept as it was.
    public enum Result: Sendable, Hashable, RawRepresentable, CaseIterable, CustomStringConvertible {
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

        /// The result `text` names; never fails: unknown text is ``other(_:)``.
        public init(rawValue text: String) {
            self = Self.allCases.first { $0.rawValue == text } ?? .other(text)
        }

        /// The text the journal stores.
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

        public var description: String { rawValue }

        /// Results are the same when their text is: `.other("failed")` is `.failed`.
        public static func == (lhs: Self, rhs: Self) -> Bool { lhs.rawValue == rhs.rawValue }

        public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }
    }
}
