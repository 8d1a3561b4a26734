public import Foundation
public import Journal

/// Who is running molt, where, and under which run ID: what locks and the journal record.
public struct RunIdentity: Sendable, Hashable {
    public var id: String
    public var user: String
    /// This coordinator machine's host name, for people to read.
    public var coordinator: String
    public var pid: Int32
    public var started: Date
    /// What tells this process apart from every other, on this machine and any other: a lock
    /// is taken over only when its holder's process provably is gone.
    public var process: ProcessIdentity

    public init(id: String, user: String, coordinator: String = ProcessInfo.processInfo.hostName,
                pid: Int32 = ProcessInfo.processInfo.processIdentifier, started: Date = Date(),
                process: ProcessIdentity = .current) {
        self.id = id
        self.user = user
        self.coordinator = coordinator
        self.pid = pid
        self.started = started
        self.process = process
    }
}
