import Foundation

/// Where command output goes: documents and tables to stdout, diagnostics to stderr.
enum Console {
    /// Writes a line to standard output.
    static func print(_ text: String) {
        FileHandle.standardOutput.write(Data((text.hasSuffix("\n") ? text : text + "\n").utf8))
    }

    /// Writes `molt: MESSAGE` to standard error.
    static func error(_ text: String) {
        let line = text.hasPrefix("molt: ") || text.hasPrefix("Error: ") || text.hasPrefix("Usage: ") ? text : "molt: " + text
        FileHandle.standardError.write(Data((line.hasSuffix("\n") ? line : line + "\n").utf8))
    }

    /// Prints `value` as one JSON document.
    static func printJSON(_ value: some Encodable) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        Console.print(String(decoding: try encoder.encode(value), as: UTF8.self))
    }
}

