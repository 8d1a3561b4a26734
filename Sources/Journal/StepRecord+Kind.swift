extension StepRecord {
    /// What a step did: the journal's `step` column, written as ``rawValue``.
    ///
    /// A value this molt does not know (a newer molt's, or a damaged row) reads back as
    /// ``other(_:)`` with its text kept, so old and new journals read the same.
    public enum Kind: JournalWord {
        /// One service on one host replaced by a rollout (`replace`).
        case replace
        /// One service on one host put back by a rollback (`rollback`).
        case rollback
        /// One service on one host rehearsed by `molt trial` (`trial`).
        case trial
        /// One container's command run by `molt patch` (`patch`).
        case patch
        /// One reading of a gate's metric checks (`check`), service `gate`.
        case check
        /// A gate's hold and its decision after batch `n` (from 1) (`gate after batch N`),
        /// service `gate`.
        case gate(afterBatch: Int)
        /// A name this molt does not write, kept as it was read.
        case other(String)

        private static let gatePrefix = "gate after batch "

        public init(rawValue text: String) {
            switch text {
            case "replace": self = .replace
            case "rollback": self = .rollback
            case "trial": self = .trial
            case "patch": self = .patch
            case "check": self = .check
            default:
                // Only the number as written here ("1", never "01" or "+1") is a gate: the text
                // written back is then exactly the text read.
                let number = text.dropFirst(Self.gatePrefix.count)
                if text.hasPrefix(Self.gatePrefix), let batch = Int(number), String(batch) == number, batch >= 1 {
                    self = .gate(afterBatch: batch)
                } else {
                    self = .other(text)
                }
            }
        }

        public var rawValue: String {
            switch self {
            case .replace: "replace"
            case .rollback: "rollback"
            case .trial: "trial"
            case .patch: "patch"
            case .check: "check"
            case .gate(let batch): Self.gatePrefix + String(batch)
            case .other(let text): text
            }
        }
    }
}
