import Foundation

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// Whether a process on this machine is provably gone: the same test the lock takeover uses.
enum ProcessLiveness {
    /// True only when the kernel says no such process exists; a process we may not signal
    /// (EPERM) is alive, and a nonsensical PID proves nothing.
    static func isGone(_ pid: Int32) -> Bool {
        guard pid > 0 else { return false }
        return kill(pid, 0) != 0 && errno == ESRCH
    }

    /// A run's result as read back: what was recorded, else (no end recorded) `interrupted` when
    /// it ran on this machine (`here`) and its process is gone, else `running`.
    static func result(recorded: String?, finished: Date?, coordinator: String, pid: Int32, here: String) -> RunRecord.Result? {
        guard finished == nil && recorded == nil else { return recorded.map(RunRecord.Result.init(rawValue:)) }
        return coordinator == here && isGone(pid) ? .interrupted : .running
    }
}
