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

extension BatchSize {
    /// Batch sizes as a command line gives them: `1,25%,100%`, or as a playbook writes them,
    /// `[1, "25%", "100%"]`. Nil unless every item is a count of at least 1 or a percentage
    /// from 1 to 100.
    public static func list(_ text: String) -> [BatchSize]? {
        let bare = text.filter { !"[]\"' ".contains($0) }
        var sizes: [BatchSize] = []
        for item in bare.split(separator: ",", omittingEmptySubsequences: false) {
            if item.hasSuffix("%"), let percent = Int(item.dropLast()), (1...100).contains(percent) {
                sizes.append(.percent(percent))
            } else if let count = Int(item), count >= 1 {
                sizes.append(.count(count))
            } else {
                return nil
            }
        }
        return sizes.isEmpty ? nil : sizes
    }
}
