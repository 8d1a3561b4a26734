/// The size of one batch of hosts: a number of hosts, or a percentage of all the hosts the
/// playbook's pattern matched (Ansible's `serial`).
public enum BatchSize: Sendable, Hashable, CustomStringConvertible {
    /// This many hosts (at least 1).
    case count(Int)
    /// This percentage (1 to 100) of all matched hosts, rounded down, but at least one host.
    case percent(Int)

    /// How many hosts this batch takes when `total` hosts were matched; always at least 1.
    ///
    /// A percentage is of all hosts, not of those still to do, so `[1, "50%", "100%"]` on 4
    /// hosts takes 1, then 2, then the remaining 1.
    public func size(of total: Int) -> Int {
        switch self {
        case let .count(count): max(1, count)
        case let .percent(percent): max(1, total * min(max(percent, 0), 100) / 100)
        }
    }

    /// As written in a playbook: `3` or `25%`.
    public var description: String {
        switch self {
        case let .count(count): "\(count)"
        case let .percent(percent): "\(percent)%"
        }
    }
}
