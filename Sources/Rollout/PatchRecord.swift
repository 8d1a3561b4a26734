public import DockerEngine
public import Foundation
import Packages

/// One line of `/etc/molt-patches`, the record a patched container keeps of every `molt patch`
/// run in it (SPEC §8), so that the record lives exactly as long as the container.
///
/// The format, one line per patch, five fields separated by a tab:
///
///     TIME<TAB>RUN<TAB>USER<TAB>COMMAND<TAB>EXIT
///
/// - TIME: when the command ended, ISO 8601 in UTC (`2026-11-30T20:15:02Z`);
/// - RUN: the run ID, as `molt history` shows it;
/// - USER: the operator who ran molt;
/// - COMMAND: the program and its arguments, quoted for a POSIX shell (`$'…'` for control
///   characters), so that it holds no tab or newline;
/// - EXIT: the command's exit code, in decimal.
///
/// The file is read and written through the Engine's archive API, so the container needs no shell.
public struct PatchRecord: Sendable, Hashable {
    /// Where the record lives in the container.
    public static let path = "/etc/molt-patches"
    /// A record larger than this is not read, and the patch fails rather than drop lines.
    public static let maxSize = 1 << 20

    public var time: Date
    public var run: String
    public var user: String
    /// The command, shell-quoted (see ``quote(_:)``).
    public var command: String
    public var exitCode: Int

    public init(time: Date, run: String, user: String, command: String, exitCode: Int) {
        self.time = time
        self.run = run
        self.user = user
        self.command = command
        self.exitCode = exitCode
    }

    /// A line of the file as written, without its newline; nil when it is not a record.
    public init?(line: some StringProtocol) {
        let fields = String(line).split(separator: "\t" as Character, omittingEmptySubsequences: false).map(String.init)
        guard fields.count == 5, let exitCode = Int(fields[4]),
              let time = try? Date.ISO8601FormatStyle().parse(fields[0])
        else { return nil }
        self.init(time: time, run: fields[1], user: fields[2], command: fields[3], exitCode: exitCode)
    }

    /// The line as written, newline included.
    public var line: String {
        let fields = [time.formatted(Date.ISO8601FormatStyle()), Self.clean(run), Self.clean(user), Self.clean(command), String(exitCode)]
        return fields.joined(separator: "\t") + "\n"
    }

    /// Every record in the file's text; lines that are not records are left out.
    public static func parse(_ text: String) -> [PatchRecord] {
        text.split(whereSeparator: \.isNewline).compactMap { PatchRecord(line: $0) }
    }

    /// Appends `record` to the container's ``path``: the file is read (none yet when the engine
    /// answers 404), the line added, and the whole put back as a tar holding `etc/molt-patches`.
    public static func append(_ record: PatchRecord, to container: String, on engine: any ContainerEngine) async throws {
        var contents: [UInt8] = []
        do {
            let archive = try await engine.archive(of: container, path: path, maxSize: maxSize + (1 << 16))
            guard let file = try TarArchive.entries(archive).first(where: { $0.kind == .file }) else {
                throw DockerError(.malformedResponse, "\(path) in \(container) is not a regular file")
            }
            contents = file.contents
        } catch let error as DockerError where error.code == .notFound {
            contents = []
        }
        if let last = contents.last, last != UInt8(ascii: "\n") { contents.append(UInt8(ascii: "\n")) }
        contents += Array(record.line.utf8)
        let entry = TarEntry.file(String(path.dropFirst()), contents: contents, mode: 0o644,
                                  modificationTime: Int(record.time.timeIntervalSince1970))
        try await engine.putArchive(into: container, path: "/", tar: TarArchive.make(entries: [entry]))
    }

    /// The words quoted for a POSIX shell and joined by spaces: `apt-get install -y 'libssl3=3.0.15-1~deb12u1'`.
    public static func quote(_ words: [String]) -> String {
        words.map(quote(word:)).joined(separator: " ")
    }

    /// One word quoted for a POSIX shell: as it is when it needs no quotes, in `'…'` otherwise,
    /// and in `$'…'` when it holds control characters (a tab or newline never appears raw).
    public static func quote(word: String) -> String {
        if word.isEmpty { return "''" }
        if word.unicodeScalars.allSatisfy({ safe.contains($0) }) { return word }
        guard word.unicodeScalars.contains(where: isControl) else {
            return "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
        }
        var quoted = "$'"
        for scalar in word.unicodeScalars {
            switch scalar {
            case "\\": quoted += "\\\\"
            case "'": quoted += "\\'"
            case "\t": quoted += "\\t"
            case "\n": quoted += "\\n"
            case "\r": quoted += "\\r"
            case _ where isControl(scalar): quoted += String(format: "\\x%02x", scalar.value)
            default: quoted.unicodeScalars.append(scalar)
            }
        }
        return quoted + "'"
    }

    private static let safe = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789@%+=:,./_-".unicodeScalars)

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        scalar.value < 0x20 || scalar.value == 0x7f
    }

    /// A field with its tabs and line breaks made spaces: they would break the line apart.
    private static func clean(_ field: String) -> String {
        String(String.UnicodeScalarView(field.unicodeScalars.map { isControl($0) ? " " : $0 }))
    }
}
