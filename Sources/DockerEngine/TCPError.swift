#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A TCP connection could not be made, or failed.
public struct TCPError: Error, CustomStringConvertible, Sendable {
    /// What was being done: `resolve`, `connect to`, `read from`, `write to`.
    public var operation: String
    /// The peer, as `host:port` (`[::1]:9090` for IPv6), or the name that did not resolve.
    public var endpoint: String
    /// The system's `errno`, when the failure was a system call's.
    public var errno: Int32?
    /// Why, in words: `Connection refused`, `Name or service not known`.
    public var reason: String

    /// The failure of `operation` on `endpoint` with the system's `errno`.
    public init(operation: String, endpoint: String, errno: Int32) {
        self.operation = operation
        self.endpoint = endpoint
        self.errno = errno
        self.reason = errno == ETIMEDOUT ? "no answer within the connect timeout" : String(cString: strerror(errno))
    }

    /// A failure of `operation` on `endpoint` that is not an `errno`, such as a name that does
    /// not resolve.
    public init(operation: String, endpoint: String, reason: String) {
        self.operation = operation
        self.endpoint = endpoint
        self.errno = nil
        self.reason = reason
    }

    /// `cannot connect to 127.0.0.1:9090: Connection refused`.
    public var description: String {
        "cannot \(operation) \(endpoint): \(reason)"
    }

    /// `host:port`, with an IPv6 address in brackets.
    static func endpoint(host: String, port: Int) -> String {
        host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
