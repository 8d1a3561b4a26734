public import Foundation

/// The one text form of a date in molt's JSON: ISO 8601 in UTC with milliseconds, e.g.
/// `2026-11-29T12:03:01.250Z`, whatever date strategy the encoder was given.
public enum Timestamp {
    /// The date's millisecond, counted from the microsecond nearest to it: a date read back
    /// from SQLite's `.250` sits a hair below it as a `Double`, and must not show as `.249`.
    public static func string(_ date: Date) -> String {
        let microseconds = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let milliseconds = microseconds >= 0 ? microseconds / 1000 : (microseconds - 999) / 1000
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let whole = Date.ISO8601FormatStyle(timeZone: .gmt).format(Date(timeIntervalSince1970: TimeInterval(seconds)))
        let fraction = milliseconds - seconds * 1000
        // `…:01Z` → `…:01.250Z`
        return String(whole.dropLast()) + "." + String(String(fraction + 1000).dropFirst()) + "Z"
    }
}

/// A date, or a date that may be absent, as a ``Timestamped`` property holds it.
public protocol TimestampValue: Hashable, Sendable {
    /// ``Timestamp/string(_:)`` of the date; nil when there is none.
    var timestamp: String? { get }
}

extension Date: TimestampValue {
    public var timestamp: String? { Timestamp.string(self) }
}

extension Optional: TimestampValue where Wrapped == Date {
    public var timestamp: String? { map(Timestamp.string) }
}

/// A date property that encodes as ``Timestamp/string(_:)``, or as `null` when it is an absent
/// `Date?`, whatever date strategy the encoder was given.
@propertyWrapper
public struct Timestamped<Value: TimestampValue>: Encodable, Hashable, Sendable {
    public var wrappedValue: Value

    public init(wrappedValue: Value) {
        self.wrappedValue = wrappedValue
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let text = wrappedValue.timestamp { try container.encode(text) } else { try container.encodeNil() }
    }
}
