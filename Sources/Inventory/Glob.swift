/// A shell-style wildcard as Python's `fnmatch` reads it (which is what Ansible matches host
/// and group names with): `*` matches anything, `?` one character, `[abc]`, `[a-z]` and `[!abc]`
/// one character from (or not from) a set, and a `[` without a closing `]` is literal.
/// Matching is case-sensitive and covers the whole name.
struct Glob: Hashable, Sendable {
    private enum Token: Hashable, Sendable {
        case literal(Character)
        case anyCharacter
        case anyRun
        case set(negated: Bool, members: [ClosedRange<Character>])
    }

    private let tokens: [Token]

    /// Whether `text` uses any wildcard syntax at all.
    static func hasWildcards(_ text: some StringProtocol) -> Bool {
        text.contains { $0 == "*" || $0 == "?" || $0 == "[" }
    }

    init(_ pattern: String) {
        let characters = Array(pattern)
        var tokens: [Token] = []
        var index = 0
        while index < characters.count {
            let character = characters[index]
            index += 1
            switch character {
            case "*":
                if tokens.last != .anyRun { tokens.append(.anyRun) }
            case "?":
                tokens.append(.anyCharacter)
            case "[":
                var end = index
                if end < characters.count && characters[end] == "!" { end += 1 }
                if end < characters.count && characters[end] == "]" { end += 1 }
                while end < characters.count && characters[end] != "]" { end += 1 }
                guard end < characters.count else {
                    tokens.append(.literal("["))
                    continue
                }
                var body = Array(characters[index..<end])
                index = end + 1
                var negated = false
                if body.first == "!" {
                    negated = true
                    body.removeFirst()
                }
                var members: [ClosedRange<Character>] = []
                var position = 0
                while position < body.count {
                    if position + 2 < body.count && body[position + 1] == "-" {
                        // Python drops reversed ranges such as z-a: they match nothing.
                        if body[position] <= body[position + 2] { members.append(body[position]...body[position + 2]) }
                        position += 3
                    } else {
                        members.append(body[position]...body[position])
                        position += 1
                    }
                }
                tokens.append(.set(negated: negated, members: members))
            default:
                tokens.append(.literal(character))
            }
        }
        self.tokens = tokens
    }

    func matches(_ text: String) -> Bool {
        let characters = Array(text)
        // Classic wildcard matching with a single backtrack point for the last `*`.
        var textIndex = 0
        var tokenIndex = 0
        var starToken: Int?
        var starText = 0
        while textIndex < characters.count {
            if tokenIndex < tokens.count, accepts(tokens[tokenIndex], characters[textIndex]) {
                textIndex += 1
                tokenIndex += 1
            } else if tokenIndex < tokens.count, tokens[tokenIndex] == .anyRun {
                starToken = tokenIndex
                starText = textIndex
                tokenIndex += 1
            } else if let star = starToken {
                tokenIndex = star + 1
                starText += 1
                textIndex = starText
            } else {
                return false
            }
        }
        while tokenIndex < tokens.count && tokens[tokenIndex] == .anyRun { tokenIndex += 1 }
        return tokenIndex == tokens.count
    }

    private func accepts(_ token: Token, _ character: Character) -> Bool {
        switch token {
        case let .literal(expected): expected == character
        case .anyCharacter: true
        case .anyRun: false
        case let .set(negated, members): members.contains { $0.contains(character) } != negated
        }
    }
}
