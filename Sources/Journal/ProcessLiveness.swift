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
}
