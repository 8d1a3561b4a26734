/// Durations as operators write them in playbooks: `250ms`, `10s`, `5m`, `1h`, `1m30s`,
/// `1h2m3s`, `1.5s`, or a bare number of seconds.
///
/// Units run from large to small (`h`, `m`, `s`, `ms`), each at most once, with no spaces;
/// anything else is rejected rather than guessed, because a misread timeout is a bad outage.
public enum DurationText {
    /// The duration `text` denotes, or nil when it is not a valid duration (or is negative).
    public static func parse(_ text: String) -> Duration? {
        guard !text.isEmpty else { return nil }
        if text.allSatisfy(isDigit) {
            return Int64(text).flatMap { multiply($0, Unit.s.nanoseconds) }.map(Duration.nanoseconds)
        }
        var rest = Substring(text)
        var total: Int64 = 0
        var previous: Unit?
        while !rest.isEmpty {
            let whole = rest.prefix(while: isDigit)
            rest = rest.dropFirst(whole.count)
            var fraction: Substring = ""
            if rest.first == "." {
                rest = rest.dropFirst()
                fraction = rest.prefix(while: isDigit)
                rest = rest.dropFirst(fraction.count)
                guard !fraction.isEmpty else { return nil }
            }
            guard !whole.isEmpty || !fraction.isEmpty else { return nil }
            let symbol = rest.prefix(while: { $0.isLetter })
            rest = rest.dropFirst(symbol.count)
            guard let unit = Unit(rawValue: String(symbol)) else { return nil }
            if let previous, unit.nanoseconds >= previous.nanoseconds { return nil }
            previous = unit
            guard let amount = nanoseconds(whole: whole, fraction: fraction, unit: unit) else { return nil }
            let (sum, overflow) = total.addingReportingOverflow(amount)
            guard !overflow else { return nil }
            total = sum
        }
        return .nanoseconds(total)
    }

    /// The shortest text `parse` reads back as `duration`: `0s`, `250ms`, `1.5s`, `1m30s`, `1h`.
    public static func format(_ duration: Duration) -> String {
        let (seconds, attoseconds) = duration.components
        if seconds < 0 || attoseconds < 0 {
            return "-" + format(.zero - duration)
        }
        let subsecond = attoseconds / 1_000_000_000  // nanoseconds
        if seconds == 0 && subsecond == 0 { return "0s" }
        if seconds == 0 {
            return decimal(subsecond / 1_000_000, fraction: subsecond % 1_000_000, digits: 6) + "ms"
        }
        var text = ""
        let hours = seconds / 3600
        let minutes = seconds % 3600 / 60
        let rest = seconds % 60
        if hours > 0 { text += "\(hours)h" }
        if minutes > 0 { text += "\(minutes)m" }
        if rest > 0 || subsecond > 0 { text += decimal(rest, fraction: subsecond, digits: 9) + "s" }
        return text
    }

    private static func isDigit(_ character: Character) -> Bool {
        ("0"..."9").contains(character)
    }

    private enum Unit: String {
        case h, m, s, ms

        var nanoseconds: Int64 {
            switch self {
            case .h: 3_600_000_000_000
            case .m: 60_000_000_000
            case .s: 1_000_000_000
            case .ms: 1_000_000
            }
        }
    }

    private static func multiply(_ value: Int64, _ factor: Int64) -> Int64? {
        let (product, overflow) = value.multipliedReportingOverflow(by: factor)
        return overflow ? nil : product
    }

    /// `whole.fraction` units in nanoseconds; fractions finer than a nanosecond are dropped.
    private static func nanoseconds(whole: Substring, fraction: Substring, unit: Unit) -> Int64? {
        guard let wholeValue = whole.isEmpty ? 0 : Int64(whole), let wholePart = multiply(wholeValue, unit.nanoseconds) else { return nil }
        var fractionPart: Int64 = 0
        var scale = unit.nanoseconds
        for digit in fraction.prefix(18) {
            scale /= 10
            fractionPart += Int64(digit.wholeNumberValue ?? 0) * scale
        }
        let (sum, overflow) = wholePart.addingReportingOverflow(fractionPart)
        return overflow ? nil : sum
    }

    /// `whole` followed by `fraction` (out of 10^digits) without trailing zeros: 1 and 500000 of 10^6 is `1.5`.
    private static func decimal(_ whole: Int64, fraction: Int64, digits: Int) -> String {
        guard fraction > 0 else { return "\(whole)" }
        var decimals = String(fraction)
        decimals = String(repeating: "0", count: digits - decimals.count) + decimals
        while decimals.hasSuffix("0") { decimals.removeLast() }
        return "\(whole).\(decimals)"
    }
}
