import Foundation
import GRDB

/// One row read back from the journal, its columns checked as they are read.
///
/// GRDB's subscripts stop the process on a NULL or a value of the wrong type in a column read
/// as non-optional. A journal edited by hand, damaged on disk or written by something else
/// can hold either, so every read goes through here: a bad value is a `JournalError` naming
/// the journal, the table, the row and the column, and `molt history` says so instead of
/// crashing.
struct JournalRow: JournalFields {
    let row: Row
    let table: String
    let path: String

    /// The column every read selects as `rowid AS journal_row`, so that errors can name the row.
    static let rowIDColumn = "journal_row"

    func text(_ column: String) throws -> String { try value(column) }
    func optionalText(_ column: String) throws -> String? { try optional(column) }
    func integer(_ column: String) throws -> Int64 { try value(column) }
    func number(_ column: String) throws -> Double { try value(column) }
    func date(_ column: String) throws -> Date { try value(column) }
    func optionalDate(_ column: String) throws -> Date? { try optional(column) }

    func damaged(_ column: String, expected: String) -> JournalError {
        let place = (try? row.decode(Int64?.self, forColumn: Self.rowIDColumn)).flatMap { $0 }.map { "row \($0) of table \(table)" }
            ?? "a row of table \(table)"
        return JournalError(
            path: path, code: .damaged,
            message: "\(place) is damaged: its \(column) should be \(expected), found \(Self.describe(row, column)); "
                + "move the journal aside (molt starts a new one) or delete that row with sqlite3")
    }

    /// The value of a column that must hold one.
    private func value<Value: DatabaseValueConvertible>(_ column: String) throws -> Value {
        do {
            return try row.decode(Value.self, forColumn: column)
        } catch {
            throw damaged(column, expected: Self.expectation(for: Value.self))
        }
    }

    /// The value of a column that may be NULL.
    private func optional<Value: DatabaseValueConvertible>(_ column: String) throws -> Value? {
        do {
            return try row.decode(Value?.self, forColumn: column)
        } catch {
            throw damaged(column, expected: Self.expectation(for: Value.self) + " or nothing")
        }
    }

    private static func expectation(for type: Any.Type) -> String {
        switch type {
        case is String.Type: "text"
        case is Date.Type: "a date"
        case is Double.Type: "a number"
        case is Int.Type, is Int32.Type, is Int64.Type: "an integer"
        default: "a \(type)"
        }
    }

    /// What a column holds, briefly: `nothing (NULL)`, `the text 'abc'`, `the integer 3`.
    private static func describe(_ row: Row, _ column: String) -> String {
        guard let value = try? row.decode(DatabaseValue.self, forColumn: column) else { return "no such column" }
        switch value.storage {
        case .null: return "nothing (NULL)"
        case let .int64(number): return "the integer \(number)"
        case let .double(number): return "the number \(number)"
        case let .string(text):
            // Control characters are shown escaped: the text reaches a terminal.
            let shown = text.prefix(40).unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? $0.escaped(asASCII: true) : String($0) }
            return "the text '\(shown.joined())\(text.count > 40 ? "…" : "")'"
        case let .blob(data): return "\(data.count) bytes of binary data"
        }
    }
}
