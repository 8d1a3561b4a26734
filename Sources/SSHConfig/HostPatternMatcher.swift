/// OpenSSH's wildcard matching (`match.c`): `*` for any run of characters, `?` for one, and
/// comma-separated lists where a `!`-negated match vetoes the whole list.
enum HostPatternMatcher {
    /// `match_pattern`: the whole of `string` against one pattern, case-sensitively.
    ///
    /// Iterative with backtracking to the last `*`, so hostile patterns cost at most
    /// `string.count * pattern.count` steps.
    static func matches(_ string: String, pattern: String) -> Bool {
        let s = Array(string.utf8)
        let p = Array(pattern.utf8)
        var si = 0
        var pi = 0
        var starP = -1
        var starS = 0
        while si < s.count {
            if pi < p.count, p[pi] == UInt8(ascii: "*") {
                starP = pi
                starS = si
                pi += 1
            } else if pi < p.count, p[pi] == UInt8(ascii: "?") || p[pi] == s[si] {
                pi += 1
                si += 1
            } else if starP >= 0 {
                pi = starP + 1
                starS += 1
                si = starS
            } else {
                return false
            }
        }
        while pi < p.count, p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }

    /// The outcome of matching a comma-separated pattern list.
    enum ListResult {
        case noMatch, match, negatedMatch
    }

    /// `match_pattern_list`: `negatedMatch` as soon as a `!pattern` matches, else `match` if any
    /// positive pattern matched. With `lowercasePatterns` the patterns are lowercased first
    /// (the caller lowercases the string), as `match_hostname` does.
    static func matchList(_ string: String, patterns: String, lowercasePatterns: Bool) -> ListResult {
        var positive = false
        for raw in patterns.split(separator: ",", omittingEmptySubsequences: false) {
            var sub = Substring(raw)
            let negated = sub.first == "!"
            if negated { sub = sub.dropFirst() }
            // OpenSSH gives up (no match) on a subpattern of 1023 bytes or more.
            if sub.utf8.count >= 1023 { return .noMatch }
            let pattern = lowercasePatterns ? asciiLowercased(String(sub)) : String(sub)
            if matches(string, pattern: pattern) {
                if negated { return .negatedMatch }
                positive = true
            }
        }
        return positive ? .match : .noMatch
    }

    /// `match_hostname`: the host lowercased against the list.
    static func matchHostname(_ host: String, patterns: String) -> Bool {
        matchList(asciiLowercased(host), patterns: patterns, lowercasePatterns: true) == .match
    }

    /// ASCII-only lowercasing, as C's `tolower` in the C locale.
    static func asciiLowercased(_ text: String) -> String {
        String(decoding: text.utf8.map { (0x41...0x5A).contains($0) ? $0 + 0x20 : $0 }, as: UTF8.self)
    }
}
