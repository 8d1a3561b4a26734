import Yams

/// One `key: value` pair of a playbook mapping, with the key as written.
struct Entry {
    let name: String
    let key: Node
    let value: Node
}

/// The entries of one mapping in a playbook, checked against the keys allowed there, so that a
/// typo is reported at its line instead of being silently ignored.
struct Fields {
    /// The mapping node itself, for errors about a key that is missing from it.
    let node: Node
    private let entries: [String: Entry]

    /// Reads `mapping`, rejecting any key not in `allowed` with the closest allowed key as a
    /// suggestion; `place` says where the mapping is ("in 'health'").
    init(_ mapping: Node.Mapping, node: Node, allowed: [String], place: String, document: YAMLDocument) throws(PlaybookError) {
        self.node = node
        var entries: [String: Entry] = [:]
        for (key, value) in try document.pairs(of: mapping) {
            let name = YAMLDocument.text(of: key)
            guard allowed.contains(name) else {
                // A key pasted by mistake can be a whole file long; the line number finds it.
                let shown = name.count > 80 ? name.prefix(80) + "…" : name
                var message = "unknown key '\(shown)' \(place)"
                if let suggestion = Self.closest(to: name, in: allowed) {
                    message += "; did you mean '\(suggestion)'?"
                } else {
                    message += "."
                }
                message += " Allowed keys: \(allowed.joined(separator: ", "))"
                throw document.error(at: key, message)
            }
            entries[name] = Entry(name: name, key: key, value: value)
        }
        self.entries = entries
    }

    /// The entry for `name` when it is present with a value other than null.
    subscript(name: String) -> Entry? {
        guard let entry = entries[name], !YAMLDocument.isNull(entry.value) else { return nil }
        return entry
    }

    /// The entry for `name` when it is present, even with a null value.
    func written(_ name: String) -> Entry? {
        entries[name]
    }

    /// The allowed key nearest to `word` by edit distance (`-` and `_` and case aside), when it
    /// is near enough to be a likely typo.
    static func closest(to word: String, in candidates: [String]) -> String? {
        func normal(_ text: String) -> [Character] {
            Array(text.lowercased().map { $0 == "-" ? "_" : $0 })
        }
        let target = normal(word)
        let tolerance = max(2, target.count / 3)
        // A candidate whose length differs by more than the tolerance cannot be near enough;
        // leaving it out keeps a megabyte-long key from costing seconds.
        let scored = candidates.map(normal).enumerated().filter { abs($0.element.count - target.count) <= tolerance }
            .map { (candidate: candidates[$0.offset], distance: distance(target, $0.element)) }
        guard let best = scored.min(by: { $0.distance < $1.distance }) else { return nil }
        return best.distance <= tolerance && best.distance < target.count ? best.candidate : nil
    }

    /// Edit distance counting a swap of two neighbouring letters as one edit (optimal string
    /// alignment), since `paht` is a typo of `path`, not of `port`.
    private static func distance(_ a: [Character], _ b: [Character]) -> Int {
        guard !a.isEmpty else { return b.count }
        guard !b.isEmpty else { return a.count }
        var d = Array(repeating: Array(repeating: 0, count: b.count + 1), count: a.count + 1)
        for i in 0...a.count { d[i][0] = i }
        for j in 0...b.count { d[0][j] = j }
        for i in 1...a.count {
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                d[i][j] = min(d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    d[i][j] = min(d[i][j], d[i - 2][j - 2] + 1)
                }
            }
        }
        return d[a.count][b.count]
    }
}
