public import Foundation

/// Who is running molt, where, and under which run ID: what locks and the journal record.
public struct RunIdentity: Sendable, Hashable {
    public var id: String
    public var user: String
    /// This coordinator machine's host name.
    public var coordinator: String
    public var pid: Int32
    public var started: Date

    public init(id: String, user: String, coordinator: String = ProcessInfo.processInfo.hostName,
                pid: Int32 = ProcessInfo.processInfo.processIdentifier, started: Date = Date()) {
        self.id = id
        self.user = user
        self.coordinator = coordinator
        self.pid = pid
        self.started = started
    }
}
