import Foundation

/// The one text form of a date in molt's JSON: ISO 8601 in UTC with milliseconds, e.g.
/// `2026-11-29T12:03:01.250Z`, whatever date strategy the encoder was given.
enum Timestamp {
    /// The date's millisecond, counted from the microsecond nearest to it: a date read back
    /// from SQLite's `.250` sits a hair below it as a `Double`, and must not show as `.249`.
    static func string(_ date: Date) -> String {
        let microseconds = Int64((date.timeIntervalSince1970 * 1_000_000).rounded())
        let milliseconds = microseconds >= 0 ? microseconds / 1000 : (microseconds - 999) / 1000
        let seconds = milliseconds >= 0 ? milliseconds / 1000 : (milliseconds - 999) / 1000
        let whole = Date.ISO8601FormatStyle(timeZone: .gmt).format(Date(timeIntervalSince1970: TimeInterval(seconds)))
        let fraction = milliseconds - seconds * 1000
        // `…:01Z` → `…:01.250Z`
        return String(whole.dropLast()) + "." + String(String(fraction + 1000).dropFirst()) + "Z"
    }

    static func string(_ date: Date?) -> String? {
        date.map { string($0) }
    }
}
