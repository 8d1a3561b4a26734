import DockerEngine
import SSH

/// A Docker engine that is away for a moment: dockerd restarting refuses the channel to its
/// socket, then answers again. Undoing a swap must outlast that rather than leave the host
/// degraded; a host whose SSH session is gone, or a call the engine refused, is another matter.
enum EngineAway {
    /// How long an undo keeps trying while the engine is away.
    static let patience: Duration = .seconds(45)
    /// The first pause between tries; it doubles up to 2 s. Tests of the state machine set it
    /// near zero so that a scripted outage costs no wall time.
    @TaskLocal static var firstPause: Duration = .milliseconds(100)

    /// Whether `error` says the engine is away rather than the host gone or the call wrong.
    static func matches(_ error: any Error) -> Bool {
        var current: (any Error)? = error
        while let error = current {
            switch error {
            case let ssh as SSHError:
                // The session lives, the socket behind it refused: dockerd is not listening.
                return ssh.code == .channelRefused
            case let docker as DockerError:
                if docker.code == .transport && docker.underlying == nil { return true }
                if docker.status == 502 || docker.status == 503 { return true }
                current = docker.underlying
            case let http as HTTPError:
                current = http.underlying
            default:
                return false
            }
        }
        return false
    }

    /// Runs `body`, again and again while the engine is away, for up to ``patience`` (or until
    /// the operator hurries, when there is an interruption to heed). Any other failure is
    /// thrown at once.
    static func retrying<Value>(_ interruption: Interruption? = nil, _ body: () async throws -> Value) async throws -> Value {
        let deadline = ContinuousClock.now + patience
        var delay = firstPause
        while true {
            do {
                return try await body()
            } catch where matches(error) && !Task.isCancelled && ContinuousClock.now + delay < deadline && (interruption?.level ?? .none) < .hurry {
                try? await Task.sleep(for: delay)
                delay = min(delay * 2, .seconds(2))
            }
        }
    }
}
