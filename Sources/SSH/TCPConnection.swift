#if canImport(Glibc)
import Durations
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Opens a non-blocking TCP socket to a host within a deadline.
///
/// Tries every address the name resolves to, in order, and reports the most telling
/// failure (refused beats unreachable beats timed out) when none answers.
enum TCPConnection {
    static func connect(address: String, port: Int, deadline: ContinuousClock.Instant, label: String) throws(SSHError) -> Int32 {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_ADDRCONFIG
        var list: UnsafeMutablePointer<addrinfo>?
        let rc = getaddrinfo(address, String(port), &hints, &list)
        guard rc == 0, let first = list else {
            let reason = String(cString: gai_strerror(rc))
            throw SSHError(.unresolvable, host: label, "cannot resolve \(address): \(reason)")
        }
        defer { freeaddrinfo(list) }

        var failure = SSHError(.unreachable, host: label, "no address for \(address)")
        var cursor: UnsafeMutablePointer<addrinfo>? = first
        while let entry = cursor {
            cursor = entry.pointee.ai_next
            do {
                return try attempt(entry.pointee, deadline: deadline, label: label, port: port)
            } catch {
                if failure.code != .connectionRefused { failure = error }
            }
        }
        throw failure
    }

    private static func attempt(_ info: addrinfo, deadline: ContinuousClock.Instant, label: String, port: Int) throws(SSHError) -> Int32 {
        let fd = socket(info.ai_family, info.ai_socktype | Int32(SOCK_CLOEXEC.rawValue), info.ai_protocol)
        guard fd >= 0 else { throw SSHError(.other, host: label, "socket(): \(errnoText())") }
        var keep: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &keep, socklen_t(MemoryLayout<Int32>.size))
        var noDelay: Int32 = 1
        setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &noDelay, socklen_t(MemoryLayout<Int32>.size))
        let flags = fcntl(fd, F_GETFL)
        _ = fcntl(fd, F_SETFL, flags | O_NONBLOCK)

        if Glibc.connect(fd, info.ai_addr, info.ai_addrlen) == 0 { return fd }
        guard errno == EINPROGRESS else {
            let error = failure(errno, label: label, port: port)
            close(fd)
            throw error
        }
        var pfd = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
        while true {
            let remaining = ContinuousClock.now.duration(to: deadline)
            guard remaining > .zero else {
                close(fd)
                throw SSHError(.unreachable, host: label, "no answer on port \(port) within the connect timeout")
            }
            let n = poll(&pfd, 1, Int32(clamping: remaining.milliseconds + 1))
            if n < 0 && errno == EINTR { continue }
            if n > 0 { break }
        }
        var soError: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        getsockopt(fd, SOL_SOCKET, SO_ERROR, &soError, &length)
        guard soError == 0 else {
            close(fd)
            throw failure(soError, label: label, port: port)
        }
        return fd
    }

    private static func failure(_ code: Int32, label: String, port: Int) -> SSHError {
        switch code {
        case ECONNREFUSED:
            return SSHError(.connectionRefused, host: label, "connection refused on port \(port) (is sshd running?)")
        case EHOSTUNREACH, ENETUNREACH, EHOSTDOWN, ENETDOWN:
            return SSHError(.unreachable, host: label, "host unreachable: \(String(cString: strerror(code)))")
        case ETIMEDOUT:
            return SSHError(.unreachable, host: label, "connection timed out on port \(port)")
        default:
            return SSHError(.unreachable, host: label, "connect failed: \(String(cString: strerror(code)))")
        }
    }
}

func errnoText() -> String { String(cString: strerror(errno)) }
