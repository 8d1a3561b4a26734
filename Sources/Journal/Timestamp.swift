import Foundation

/// The one text form of a date in molt's JSON: ISO 8601 in UTC with milliseconds, e.g.
/// `2026-11-29T12:03:01.250Z`, whatever date strategy the encoder was given.
enum Timestamp {
    static func string(_ date: Date) -> String {
        Date.ISO8601FormatStyle(includingFractionalSeconds: true, timeZone: .gmt).format(date)
    }

    static func string(_ date: Date?) -> String? {
        date.map { string($0) }
    }
}
