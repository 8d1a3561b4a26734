/// Splits the hosts of a rollout into successive batches, the way Ansible's `serial` does.
public enum BatchPlanner {
    /// `items` cut into batches of the given sizes, in order.
    ///
    /// A percentage is of all `items`, rounded down, but at least 1; the last size repeats
    /// until every item is placed, and a batch larger than what remains takes the rest. So
    /// `[1, "50%", "100%"]` on 4 hosts gives [h1], [h2, h3], [h4], and `[2]` on 5 gives 2, 2, 1.
    /// No sizes means one batch of everything; no items means no batches.
    public static func batches<T>(_ items: [T], sizes: [BatchSize]) -> [[T]] {
        let sizes = sizes.isEmpty ? [BatchSize.percent(100)] : sizes
        var batches: [[T]] = []
        var start = 0
        while start < items.count {
            let size = sizes[min(batches.count, sizes.count - 1)].size(of: items.count)
            let end = start + min(size, items.count - start)
            batches.append(Array(items[start..<end]))
            start = end
        }
        return batches
    }
}
