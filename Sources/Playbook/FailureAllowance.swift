/// How many hosts may fail before a rollout stops (`max_failures`): a number of hosts, or a
/// percentage of all the hosts the playbook's pattern matched.
public enum FailureAllowance: Sendable, Hashable, CustomStringConvertible {
    /// This many hosts may fail; 0 means none may.
    case count(Int)
    /// This percentage (0 to 100) of all matched hosts may fail, rounded down: 10% of 5
    /// hosts is 0, so no host may fail.
    case percent(Int)

    /// The number of failed hosts tolerated out of `total`.
    public func limit(of total: Int) -> Int {
        switch self {
        case let .count(count): max(0, count)
        case let .percent(percent): max(0, total * min(max(percent, 0), 100) / 100)
        }
    }

    /// Whether `failures` failed hosts out of `total` are still tolerated (the rollout goes on).
    public func allows(failures: Int, of total: Int) -> Bool {
        failures <= limit(of: total)
    }

    /// As written in a playbook: `2` or `10%`.
    public var description: String {
        switch self {
        case let .count(count): "\(count)"
        case let .percent(percent): "\(percent)%"
        }
    }
}
