/// Runs `body` for every item, at most `limit` at a time, and returns the results in the
/// items' order: how molt works on many hosts (`--forks`), or many containers of one host.
public func concurrentMap<Item: Sendable, Value: Sendable>(
    _ items: [Item],
    limit: Int,
    _ body: @escaping @Sendable (Item) async -> Value
) async -> [Value] {
    var results = [Value?](repeating: nil, count: items.count)
    await withTaskGroup(of: (Int, Value).self) { group in
        var next = 0
        func launch() {
            let index = next
            let item = items[index]
            next += 1
            // The value is awaited before the tuple is formed: Swift 6.3 -O can lose the part
            // of a tuple written before a suspension (swiftlang/swift#91911).
            group.addTask {
                let value = await body(item)
                return (index, value)
            }
        }
        while next < items.count && next < max(1, limit) { launch() }
        for await (index, value) in group {
            results[index] = value
            if next < items.count { launch() }
        }
    }
    return results.map { $0! }
}
