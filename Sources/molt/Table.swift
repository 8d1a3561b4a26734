import Foundation
import TextTable

/// A plain, left-aligned text table: a header row and rows of cells.
struct Table {
    var header: [String]
    var rows: [[String]]

    var text: String {
        let titles = header
        let table = TextTable<[String]> { row in
            // A trailing space on every cell but the last makes two-space gutters.
            titles.indices.map { index in
                let gutter = index < titles.count - 1 ? " " : ""
                return Column(title: titles[index] + gutter, value: (index < row.count ? row[index] : "") + gutter)
            }
        }
        return (table.string(for: rows, style: Style.plain) ?? "")
            .split(separator: "\n", omittingEmptySubsequences: false)
            .map { $0.replacingOccurrences(of: "\\s+$", with: "", options: .regularExpression) }
            .joined(separator: "\n")
            .trimmingCharacters(in: .newlines)
    }
}
