#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A system call on a Unix socket failed.
public struct UnixSocketError: Error, CustomStringConvertible, Sendable {
    /// What was being done: `connect to`, `read from`, `write to`.
    public var operation: String
    /// The socket's path.
    public var path: String
    /// The `errno` value.
    public var errno: Int32

    /// The failure of `operation` on `path` with `errno`.
    public init(operation: String, path: String, errno: Int32) {
        self.operation = operation
        self.path = path
        self.errno = errno
    }

    /// `cannot connect to /var/run/docker.sock: No such file or directory`.
    public var description: String {
        "cannot \(operation) \(path): \(String(cString: strerror(errno)))"
    }
}
