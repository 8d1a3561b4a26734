/// A Debian package version, `[epoch:]upstream[-revision]`, ordered as dpkg orders versions.
///
/// The ordering is Debian Policy §5.6.12, as `dpkg --compare-versions` implements it: epochs
/// compare numerically (a missing epoch is 0), then the upstream versions, then the revisions
/// (a missing revision compares like `0`). Each part is compared in alternating runs of
/// non-digits and digits; in the non-digit runs letters sort before everything else except
/// `~`, which sorts before everything, even the end of the string; digit runs compare as
/// numbers. Two versions that compare the same are equal (`1.0`, `1.00`, `0:1.0-0`).
public struct DebianVersion: Sendable, Comparable, CustomStringConvertible {
    /// The version as written, without surrounding blanks.
    public let description: String
    /// The epoch, 0 when the version has none.
    public let epoch: Int
    /// The upstream version: after the epoch's colon, before the last hyphen.
    public let upstream: String
    /// The Debian revision after the last hyphen, or `""` when the version has no hyphen.
    public let revision: String
    /// What dpkg would warn about in this version (it accepts it all the same), or `nil`.
    ///
    /// dpkg only warns when the upstream version does not start with a digit or a part holds
    /// a character that Policy does not allow there.
    public let warning: String?

    private let upstreamBytes: [UInt8]
    private let revisionBytes: [UInt8]

    /// Parses `text` strictly, for versions an operator types: besides what dpkg refuses, what
    /// it only warns about is refused too, so `latest` or `1.0_beta` is an error rather than a
    /// version that sorts somewhere surprising.
    ///
    /// The error's ``VersionError/reason`` is dpkg's own message for the fault.
    public init(_ text: String) throws(VersionError) {
        try self.init(installed: text)
        if let warning { throw VersionError(version: text, format: .dpkg, reason: warning) }
    }

    /// Parses `text` as dpkg reads versions from its own database: refuses what dpkg refuses,
    /// accepts what it only warns about (see ``warning``).
    ///
    /// Refused: an empty version, embedded blanks, an epoch that is not a number within
    /// `0...Int32.max`, nothing after the epoch's colon, an empty upstream version or revision.
    /// Leading and trailing spaces and tabs are ignored, as dpkg ignores them.
    public init(installed text: String) throws(VersionError) {
        let trimmed = Self.trimmingBlanks(text)
        let bytes = Array(trimmed.utf8)
        func refuse(_ reason: String) -> VersionError {
            VersionError(version: text, format: .dpkg, reason: reason)
        }
        guard !bytes.isEmpty else { throw refuse("version string is empty") }
        if bytes.contains(where: \.isBlank) { throw refuse("version string has embedded spaces") }

        var rest = bytes[...]
        var epoch = 0
        if let colon = bytes.firstIndex(of: UInt8(ascii: ":")) {
            epoch = try Self.parseEpoch(bytes[..<colon], refuse: refuse)
            rest = bytes[(colon + 1)...]
            guard !rest.isEmpty else { throw refuse("nothing after colon in version number") }
        }
        var upstream = rest
        var revision: ArraySlice<UInt8> = []
        if let hyphen = rest.lastIndex(of: UInt8(ascii: "-")) {
            upstream = rest[..<hyphen]
            revision = rest[(hyphen + 1)...]
            guard !revision.isEmpty else { throw refuse("revision number is empty") }
        }
        guard let first = upstream.first else { throw refuse("version number is empty") }

        self.description = trimmed
        self.epoch = epoch
        self.upstream = String(decoding: upstream, as: UTF8.self)
        self.revision = String(decoding: revision, as: UTF8.self)
        self.upstreamBytes = Array(upstream)
        self.revisionBytes = Array(revision)
        self.warning =
            if !first.isASCIIDigit {
                "version number does not start with digit"
            } else if !upstream.allSatisfy({ $0.isASCIIAlphanumeric || Self.upstreamPunctuation.contains($0) }) {
                "invalid character in version number"
            } else if !revision.allSatisfy({ $0.isASCIIAlphanumeric || Self.revisionPunctuation.contains($0) }) {
                "invalid character in revision number"
            } else {
                nil
            }
    }

    /// Whether `lhs` sorts before `rhs` as dpkg orders them.
    public static func < (lhs: Self, rhs: Self) -> Bool { compare(lhs, rhs) < 0 }

    /// Whether dpkg orders `lhs` and `rhs` the same, however they are written.
    public static func == (lhs: Self, rhs: Self) -> Bool { compare(lhs, rhs) == 0 }

    /// Negative, zero or positive as `lhs` sorts before, with or after `rhs`.
    public static func compare(_ lhs: Self, _ rhs: Self) -> Int {
        if lhs.epoch != rhs.epoch { return lhs.epoch < rhs.epoch ? -1 : 1 }
        let upstream = compareParts(lhs.upstreamBytes, rhs.upstreamBytes)
        if upstream != 0 { return upstream }
        return compareParts(lhs.revisionBytes, rhs.revisionBytes)
    }

    // MARK: - Details

    private static let upstreamPunctuation: [UInt8] = Array(".-+~:".utf8)
    private static let revisionPunctuation: [UInt8] = Array(".+~".utf8)

    /// dpkg reads the epoch with `strtol`: an optional sign, then decimal digits that must
    /// reach the colon.
    private static func parseEpoch(
        _ field: ArraySlice<UInt8>,
        refuse: (String) -> VersionError
    ) throws(VersionError) -> Int {
        var digits = field
        var negative = false
        if let sign = digits.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
            negative = sign == UInt8(ascii: "-")
            digits = digits.dropFirst()
        }
        let numberEnd = digits.firstIndex(where: { !$0.isASCIIDigit }) ?? digits.endIndex
        if numberEnd == digits.startIndex { throw refuse("epoch in version is empty") }
        if numberEnd != digits.endIndex { throw refuse("epoch in version is not number") }
        var value = 0
        for digit in digits {
            value = value * 10 + Int(digit - UInt8(ascii: "0"))
            if value > Int(Int32.max) { throw refuse("epoch in version is too big") }
        }
        if negative && value > 0 { throw refuse("epoch in version is negative") }
        return value
    }

    /// dpkg's `verrevcmp`: alternating non-digit and digit runs.
    private static func compareParts(_ a: [UInt8], _ b: [UInt8]) -> Int {
        var i = 0
        var j = 0
        while i < a.count || j < b.count {
            while (i < a.count && !a[i].isASCIIDigit) || (j < b.count && !b[j].isASCIIDigit) {
                let left = order(i < a.count ? a[i] : nil)
                let right = order(j < b.count ? b[j] : nil)
                if left != right { return left - right }
                i += 1
                j += 1
            }
            while i < a.count && a[i] == UInt8(ascii: "0") { i += 1 }
            while j < b.count && b[j] == UInt8(ascii: "0") { j += 1 }
            var firstDifference = 0
            while i < a.count && a[i].isASCIIDigit && j < b.count && b[j].isASCIIDigit {
                if firstDifference == 0 { firstDifference = Int(a[i]) - Int(b[j]) }
                i += 1
                j += 1
            }
            if i < a.count && a[i].isASCIIDigit { return 1 }
            if j < b.count && b[j].isASCIIDigit { return -1 }
            if firstDifference != 0 { return firstDifference }
        }
        return 0
    }

    /// The weight of one character in a non-digit run; `nil` is the end of the part.
    private static func order(_ byte: UInt8?) -> Int {
        guard let byte else { return 0 }
        if byte.isASCIIDigit { return 0 }
        if byte.isASCIILetter { return Int(byte) }
        if byte == UInt8(ascii: "~") { return -1 }
        // dpkg reads bytes as C `char`, signed on the platforms Docker hosts run on.
        return Int(Int8(bitPattern: byte)) + 256
    }

    private static func trimmingBlanks(_ text: String) -> String {
        let utf8 = text.utf8
        guard let start = utf8.firstIndex(where: { !$0.isBlank }) else { return "" }
        let end = utf8.lastIndex(where: { !$0.isBlank })!
        return String(text[start...end])
    }
}
