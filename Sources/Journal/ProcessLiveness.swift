import Foundation

/// How a run with no recorded end reads: the same proof the lock takeover asks for.
enum ProcessLiveness {
    /// A run's result as read back: what was recorded, else (no end recorded) `interrupted` when
    /// its process (`process`) is provably gone as seen from this one (`observer`), else `running`.
    /// A run recorded without its process identity is never provably gone.
    static func result(
        recorded: RunRecord.Result?, finished: Date?, process: ProcessIdentity?, observer: ProcessIdentity
    ) -> RunRecord.Result? {
        guard finished == nil && recorded == nil else { return recorded }
        return process?.isProvablyGone(seenFrom: observer) == true ? .interrupted : .running
    }
}
