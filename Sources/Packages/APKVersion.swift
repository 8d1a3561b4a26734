/// An Alpine package version, `digit{.digit}…{letter}{_suffix{number}}…{~hash}{-rN}`, ordered
/// as apk-tools orders versions (`apk version -t`).
///
/// A version is a run of tokens compared left to right: dot-separated numbers, one lowercase
/// letter, suffixes (`_alpha` < `_beta` < `_pre` < `_rc` < *release* < `_cvs` < `_svn` <
/// `_git` < `_hg` < `_p`), each with an optional number, a commit hash after `~`, and a
/// revision `-rN`. Numbers compare numerically, except that a dot-separated component with a
/// leading zero compares as a string against its counterpart (so `1.02 < 1.1`, and
/// `1.00 > 1.0`), as apk-tools 3 does; apk-tools 2 agrees except in rare leading-zero corners
/// such as that last pair. When one version runs out of tokens first it is the smaller, unless
/// the other continues with a pre-release suffix: `1.2 < 1.2.1`, `1.2 < 1.2a`,
/// `1.2_rc1 < 1.2 < 1.2_p1`, `1.2 < 1.2-r1`.
///
/// Invalid versions (`apk version -c` reports them) still have an order, the one apk-tools
/// gives them: comparison stops at the first token that breaks the grammar, and a version that
/// breaks there sorts before any valid continuation — `1.0-foo < 1.0`. Two versions that break
/// at the same token after equal prefixes compare equal. ``isValid`` tells them apart.
public struct APKVersion: Sendable, Comparable, CustomStringConvertible {
    /// The version as written.
    public let description: String
    /// Why apk-tools would call this version invalid, or `nil` when it is valid.
    public let invalidity: String?

    private let bytes: [UInt8]

    /// Whether apk-tools accepts this version as well formed.
    public var isValid: Bool { invalidity == nil }

    /// Parses `text` strictly, for versions an operator types: only versions apk-tools calls
    /// valid (`apk version -c`) are accepted, and the error says where the grammar breaks.
    public init(_ text: String) throws(VersionError) {
        try self.init(installed: text)
        if let invalidity { throw VersionError(version: text, format: .apk, reason: invalidity) }
    }

    /// Takes `text` as apk takes a version from its database: any non-empty text without
    /// whitespace, valid or not (apk does not check versions it reads from its database, and
    /// orders invalid ones as described above).
    public init(installed text: String) throws(VersionError) {
        guard !text.isEmpty else {
            throw VersionError(version: text, format: .apk, reason: "version string is empty")
        }
        guard !text.utf8.contains(where: { $0.isBlank || $0 == UInt8(ascii: "\n") || $0 == UInt8(ascii: "\r") })
        else {
            throw VersionError(version: text, format: .apk, reason: "version string has embedded spaces")
        }
        self.description = text
        self.bytes = Array(text.utf8)
        self.invalidity = Self.invalidity(of: bytes)
    }

    /// Whether `lhs` sorts before `rhs` as apk-tools orders them.
    public static func < (lhs: Self, rhs: Self) -> Bool { compare(lhs, rhs) < 0 }

    /// Whether apk-tools orders `lhs` and `rhs` the same, however they are written.
    public static func == (lhs: Self, rhs: Self) -> Bool { compare(lhs, rhs) == 0 }

    /// Negative, zero or positive as `lhs` sorts before, with or after `rhs`.
    public static func compare(_ lhs: Self, _ rhs: Self) -> Int {
        var a = Tokenizer(lhs.bytes)
        var b = Tokenizer(rhs.bytes)
        while a.token.kind == b.token.kind && a.token.kind < .end {
            let order = compareTokens(a.token, b.token, a.bytes, b.bytes)
            if order != 0 { return order }
            a.advance()
            b.advance()
        }
        let left = a.token
        let right = b.token
        if left.kind == right.kind { return 0 }
        // One side goes on where the other stopped: it is the greater, unless it goes on with
        // a pre-release suffix; then between two different kinds the later kind is the lesser.
        if left.kind == .suffix && left.suffix < Suffix.release { return -1 }
        if right.kind == .suffix && right.suffix < Suffix.release { return 1 }
        return left.kind > right.kind ? -1 : 1
    }

    // MARK: - Tokens

    /// Token kinds in the order they may appear; comparing kinds is part of the ordering.
    fileprivate enum Kind: Int, Comparable {
        case initialDigit, digit, letter, suffix, suffixNumber, commitHash, revision, end, invalid

        static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }
    }

    /// Suffix weights; `release` stands for the absence of a suffix.
    fileprivate enum Suffix {
        static let names = ["alpha", "beta", "pre", "rc", "", "cvs", "svn", "git", "hg", "p"]
        static let release = 4
    }

    fileprivate struct Token {
        var kind: Kind
        /// The token's text (digits, letter, suffix name or hash) within the version's bytes.
        var value: Range<Int>
        /// The index into `Suffix.names` for suffix tokens.
        var suffix = 0
        /// Why the version is invalid at this token, when `kind` is `.invalid`.
        var problem: String? = nil
    }

    /// Splits a version into tokens one at a time, as apk-tools' lexer does.
    fileprivate struct Tokenizer {
        let bytes: [UInt8]
        private var position = 0
        private(set) var token: Token

        init(_ bytes: [UInt8]) {
            self.bytes = bytes
            token = Token(kind: .initialDigit, value: 0..<0)
            token = digits(as: .initialDigit, problem: "a version must start with a digit")
        }

        mutating func advance() {
            guard position < bytes.count else {
                token = Token(kind: .end, value: position..<position)
                return
            }
            let byte = bytes[position]
            let previous = token.kind
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"):
                guard previous <= .digit else {
                    return fail("a letter may only follow a number, found '\(character(byte))'")
                }
                token = Token(kind: .letter, value: position..<position + 1)
                position += 1
            case UInt8(ascii: "."), UInt8(ascii: "0")...UInt8(ascii: "9"):
                if byte == UInt8(ascii: ".") {
                    guard previous <= .digit else {
                        return fail("'.' may not follow a letter, suffix, hash or revision")
                    }
                    position += 1
                }
                switch previous {
                case .initialDigit, .digit:
                    token = digits(as: .digit, problem: "'.' must be followed by a number")
                case .suffix:
                    token = digits(as: .suffixNumber, problem: "")
                default:
                    fail("a number may not follow a letter, hash or revision without a separator")
                }
            case UInt8(ascii: "_"):
                guard previous <= .suffixNumber else {
                    return fail("a suffix may not follow a commit hash or revision")
                }
                position += 1
                let start = position
                while position < bytes.count && bytes[position].isASCIILowercase { position += 1 }
                let name = String(decoding: bytes[start..<position], as: UTF8.self)
                guard !name.isEmpty, let index = Suffix.names.firstIndex(of: name) else {
                    return fail(
                        "unknown suffix '_\(name)' (known: _alpha, _beta, _pre, _rc, _cvs, _svn, _git, _hg, _p)")
                }
                token = Token(kind: .suffix, value: start..<position, suffix: index)
            case UInt8(ascii: "~"):
                guard previous < .commitHash else { return fail("only one '~hash' is allowed") }
                position += 1
                let start = position
                while position < bytes.count && bytes[position].isLowercaseHexDigit { position += 1 }
                guard position > start else { return fail("'~' must be followed by a commit hash in lowercase hex") }
                token = Token(kind: .commitHash, value: start..<position)
            case UInt8(ascii: "-"):
                guard previous < .revision else { return fail("only one '-rN' revision is allowed") }
                guard position + 1 < bytes.count && bytes[position + 1] == UInt8(ascii: "r") else {
                    return fail("'-' may only start a revision such as '-r1'")
                }
                position += 2
                token = digits(as: .revision, problem: "the revision '-r' needs a number")
            default:
                fail("unexpected character '\(character(byte))'")
            }
        }

        private mutating func digits(as kind: Kind, problem: String) -> Token {
            let start = position
            while position < bytes.count && bytes[position].isASCIIDigit { position += 1 }
            guard position > start else {
                return Token(kind: .invalid, value: start..<start, problem: "\(problem) (at offset \(start))")
            }
            return Token(kind: kind, value: start..<position)
        }

        private mutating func fail(_ problem: String) {
            token = Token(kind: .invalid, value: position..<position, problem: "\(problem) (at offset \(position))")
        }

        private func character(_ byte: UInt8) -> String {
            byte < 0x80 ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
        }
    }

    private static func invalidity(of bytes: [UInt8]) -> String? {
        var tokens = Tokenizer(bytes)
        while tokens.token.kind < .end { tokens.advance() }
        return tokens.token.problem
    }

    private static func compareTokens(_ a: Token, _ b: Token, _ aBytes: [UInt8], _ bBytes: [UInt8]) -> Int {
        let left = aBytes[a.value]
        let right = bBytes[b.value]
        switch a.kind {
        case .digit where left.first == UInt8(ascii: "0") || right.first == UInt8(ascii: "0"):
            return compareStrings(left, right)
        case .initialDigit, .digit, .suffixNumber, .revision:
            return compareNumbers(left, right)
        case .letter:
            return Int(left.first!) - Int(right.first!)
        case .suffix:
            return a.suffix - b.suffix
        case .commitHash, .end, .invalid:
            return compareStrings(left, right)
        }
    }

    /// Decimal digit strings by value, of any length (apk-tools reads them into 64 bits).
    private static func compareNumbers(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Int {
        let a = a.drop(while: { $0 == UInt8(ascii: "0") })
        let b = b.drop(while: { $0 == UInt8(ascii: "0") })
        if a.count != b.count { return a.count < b.count ? -1 : 1 }
        return compareStrings(a, b)
    }

    /// Bytewise, a proper prefix first.
    private static func compareStrings(_ a: ArraySlice<UInt8>, _ b: ArraySlice<UInt8>) -> Int {
        for (x, y) in zip(a, b) where x != y { return x < y ? -1 : 1 }
        return a.count == b.count ? 0 : (a.count < b.count ? -1 : 1)
    }
}

extension UInt8 {
    fileprivate var isLowercaseHexDigit: Bool {
        isASCIIDigit || (self >= UInt8(ascii: "a") && self <= UInt8(ascii: "f"))
    }
}
