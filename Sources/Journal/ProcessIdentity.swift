import Foundation

/// A process named so that no other process, on any machine, at any time, has the same name:
/// the machine (`/etc/machine-id`), its current boot, the PID namespace, the PID and the
/// process's start time (which tells a reused PID apart).
///
/// Host names and PIDs alone are not enough: two containers, or two machines cloned from one
/// image, may share a host name and even a machine ID; PID namespaces reuse PIDs.
public struct ProcessIdentity: Sendable, Hashable, Codable {
    public var machineID: String
    public var bootID: String
    /// `pid:[4026531836]`: the PID namespace the PID belongs to.
    public var pidNamespace: String
    public var pid: Int32
    /// Clock ticks after boot at which the process started (`/proc/PID/stat` field 22).
    public var startTime: UInt64

    public init(machineID: String, bootID: String, pidNamespace: String, pid: Int32, startTime: UInt64) {
        self.machineID = machineID
        self.bootID = bootID
        self.pidNamespace = pidNamespace
        self.pid = pid
        self.startTime = startTime
    }

    /// This process.
    public static let current: ProcessIdentity = {
        let pid = ProcessInfo.processInfo.processIdentifier
        return ProcessIdentity(
            machineID: firstLine(of: "/etc/machine-id") ?? firstLine(of: "/var/lib/dbus/machine-id") ?? "",
            bootID: firstLine(of: "/proc/sys/kernel/random/boot_id") ?? "",
            pidNamespace: (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/ns/pid")) ?? "",
            pid: pid,
            startTime: startTime(of: pid) ?? 0)
    }()

    /// Whether this identity says enough to be compared: every part was readable.
    public var isComplete: Bool {
        !machineID.isEmpty && !bootID.isEmpty && !pidNamespace.isEmpty && pid > 0 && startTime > 0
    }

    /// Whether this process is provably gone, judged from `observer`, a process that sees the
    /// same PIDs: same machine, same boot, same PID namespace, and no process with that PID
    /// and start time. Anything less proves nothing, and the process may be alive.
    public func isProvablyGone(seenFrom observer: ProcessIdentity, startTimeOf: (Int32) -> UInt64? = ProcessIdentity.startTime(of:)) -> Bool {
        guard isComplete, observer.isComplete,
              machineID == observer.machineID, bootID == observer.bootID, pidNamespace == observer.pidNamespace
        else { return false }
        if pid == observer.pid && startTime == observer.startTime { return false }
        guard let now = startTimeOf(pid) else { return true }
        return now != startTime
    }

    /// When the process with this PID started, or nil when there is none.
    public static func startTime(of pid: Int32) -> UInt64? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return nil }
        // `pid (comm) state ppid …`: comm may hold spaces and parentheses; fields follow the last ')'.
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // After comm: state is field 3; starttime is field 22, so index 22 - 3 = 19 here.
        guard fields.count > 19 else { return nil }
        return UInt64(fields[19])
    }

    private static func firstLine(of path: String) -> String? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        let line = text.split(whereSeparator: \.isNewline).first.map { String($0).trimmingCharacters(in: .whitespaces) }
        return line?.isEmpty == false ? line : nil
    }

    /// The JSON text the journal's `process` column holds.
    public var journalText: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        // Encoding five plain fields cannot fail.
        return (try? encoder.encode(self)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
    }

    /// The identity `text` (from ``journalText``) names; nil when it names none.
    public init?(journalText text: String) {
        guard let identity = try? JSONDecoder().decode(ProcessIdentity.self, from: Data(text.utf8)) else { return nil }
        self = identity
    }
}
