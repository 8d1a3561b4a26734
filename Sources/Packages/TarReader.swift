/// Reads a tar archive as its bytes arrive, one member at a time.
///
/// Understands POSIX ustar, old v7 headers, GNU long names and link names (`L`, `K`), GNU
/// base-256 numbers, and PAX extended headers (`x`, and `g` for all following members) with
/// their `path`, `linkpath`, `size`, `mtime`, `uid` and `gid` records. Every header's checksum
/// is verified. Malformed input throws a ``TarError`` saying where; the reader never reads
/// past the bytes it holds, and after an error it keeps throwing it.
///
/// ```swift
/// var reader = TarReader()
/// for try await chunk in body {
///     reader.append(chunk)
///     while let entry = try reader.nextEntry() { handle(entry) }
/// }
/// try reader.finish()
/// ```
public struct TarReader: Sendable {
    /// Whether the end-of-archive marker (a block of zeros) has been read; later bytes are ignored.
    public private(set) var isAtEnd = false

    private var buffer: [UInt8]
    /// Index in `buffer` of the first byte not yet consumed.
    private var start = 0
    /// Position in the archive of `buffer[0]`.
    private var bufferOffset = 0
    private var globalAttributes: [String: String] = [:]
    private var pending = PendingMetadata()
    private var failure: TarError?

    /// A reader with no bytes yet.
    public init() { buffer = [] }

    /// A reader holding a whole archive.
    public init(_ bytes: [UInt8]) { buffer = bytes }

    /// Adds the next bytes of the archive.
    public mutating func append(_ bytes: some Sequence<UInt8>) {
        guard !isAtEnd else { return }
        // Drop consumed bytes once they are the larger part, so that appending stays linear.
        if start > 1 << 16 && start * 2 > buffer.count {
            buffer.removeSubrange(0..<start)
            bufferOffset += start
            start = 0
        }
        buffer.append(contentsOf: bytes)
    }

    /// The next member, or `nil` when the bytes so far hold no further complete member (append
    /// more) or the archive has ended (``isAtEnd``).
    public mutating func nextEntry() throws -> TarEntry? {
        if let failure { throw failure }
        do {
            return try readEntry()
        } catch let error as TarError {
            failure = error
            throw error
        }
    }

    /// Declares the input complete, after ``nextEntry()`` has returned `nil`: throws when the
    /// archive stopped inside a header or a member's data.
    ///
    /// An archive that ends cleanly after a member without the end-of-archive marker is
    /// accepted, as GNU tar accepts it.
    public func finish() throws {
        if let failure { throw failure }
        guard !isAtEnd else { return }
        let available = buffer.count - start
        let offset = bufferOffset + start
        if available == 0 {
            guard pending.isEmpty else {
                throw TarError(
                    offset: offset,
                    reason: "the archive ends after an extended header, before the member it describes")
            }
            return
        }
        guard available >= TarHeader.blockSize else {
            throw TarError(
                offset: offset,
                reason: "the archive ends inside a header (\(available) of \(TarHeader.blockSize) bytes)")
        }
        let header = try TarHeader(decoding: buffer, at: start, offset: offset)
        let attributes = self.attributes()
        let needed = try dataSize(of: header, attributes: attributes, offset: offset)
        let held = available - TarHeader.blockSize
        let reason =
            if held >= Self.padded(needed) {
                "members remain that were not read with nextEntry()"
            } else if held >= needed {
                "the archive ends inside the padding after the member's data"
            } else {
                "the archive ends inside the member's data (\(held) of \(needed) bytes)"
            }
        throw TarError(offset: offset, path: memberPath(header, attributes), reason: reason)
    }

    // MARK: - Reading

    /// What `x`, `g`, `L` and `K` members say about the member that follows them.
    private struct PendingMetadata {
        var attributes: [String: String] = [:]
        var longName: [UInt8]?
        var longLink: [UInt8]?

        var isEmpty: Bool { attributes.isEmpty && longName == nil && longLink == nil }
    }

    private mutating func readEntry() throws -> TarEntry? {
        while !isAtEnd {
            let available = buffer.count - start
            guard available >= TarHeader.blockSize else { return nil }
            let offset = bufferOffset + start
            if TarHeader.isEndMarker(buffer, at: start) {
                isAtEnd = true
                bufferOffset += buffer.count
                buffer = []
                start = 0
                return nil
            }
            let header = try TarHeader(decoding: buffer, at: start, offset: offset)
            let attributes = self.attributes()
            let size = try dataSize(of: header, attributes: attributes, offset: offset)
            guard available - TarHeader.blockSize >= Self.padded(size) else { return nil }
            let dataStart = start + TarHeader.blockSize
            let data = buffer[dataStart..<dataStart + size]
            start = dataStart + Self.padded(size)

            switch header.typeFlag {
            case TarHeader.TypeFlag.paxExtended:
                for (key, value) in try Self.paxRecords(data, offset: offset) {
                    pending.attributes[key] = value
                }
            case TarHeader.TypeFlag.paxGlobal:
                for (key, value) in try Self.paxRecords(data, offset: offset) {
                    globalAttributes[key] = value.isEmpty ? nil : value
                }
            case TarHeader.TypeFlag.gnuLongName:
                pending.longName = Array(data.prefix(while: { $0 != 0 }))
            case TarHeader.TypeFlag.gnuLongLink:
                pending.longLink = Array(data.prefix(while: { $0 != 0 }))
            default:
                let entry = try makeEntry(header, attributes: attributes, data: data, offset: offset)
                pending = PendingMetadata()
                return entry
            }
        }
        return nil
    }

    private func makeEntry(
        _ header: TarHeader, attributes: [String: String], data: ArraySlice<UInt8>, offset: Int
    ) throws -> TarEntry {
        var path = memberPath(header, attributes)
        var kind: TarEntry.Kind
        switch header.typeFlag {
        case TarHeader.TypeFlag.regular, TarHeader.TypeFlag.regularOld, TarHeader.TypeFlag.contiguous:
            // Old tars mark directories with a trailing slash on a regular-file header.
            kind = path.hasSuffix("/") ? .directory : .file
        case TarHeader.TypeFlag.hardlink: kind = .hardlink
        case TarHeader.TypeFlag.symlink: kind = .symlink
        case TarHeader.TypeFlag.directory: kind = .directory
        default: kind = .other(header.typeFlag)
        }
        if kind == .directory {
            while path.count > 1 && path.hasSuffix("/") { path.removeLast() }
        }
        var linkTarget: String?
        if kind == .symlink || kind == .hardlink {
            linkTarget =
                attributes["linkpath"]
                ?? String(decoding: pending.longLink ?? header.linkName, as: UTF8.self)
        }
        func number(_ key: String, _ fallback: Int) throws -> Int {
            guard let text = attributes[key] else { return fallback }
            guard let value = Self.paxNumber(text) else {
                throw TarError(
                    offset: offset, path: path, reason: "the PAX record \(key)=\(text) is not a number")
            }
            return value
        }
        var entry = TarEntry(
            path: path,
            kind: kind,
            mode: UInt32(truncatingIfNeeded: header.mode & 0o7777),
            contents: kind == .file ? Array(data) : [],
            linkTarget: linkTarget,
            modificationTime: try number("mtime", header.modificationTime),
            userID: try number("uid", header.userID),
            groupID: try number("gid", header.groupID)
        )
        entry.size = data.count
        return entry
    }

    /// The global PAX attributes overlaid with the pending local ones; an empty local value
    /// cancels a global one.
    private func attributes() -> [String: String] {
        var merged = globalAttributes
        for (key, value) in pending.attributes { merged[key] = value.isEmpty ? nil : value }
        return merged
    }

    private func memberPath(_ header: TarHeader, _ attributes: [String: String]) -> String {
        attributes["path"] ?? String(decoding: pending.longName ?? header.name, as: UTF8.self)
    }

    /// How many data bytes follow the header: none for kinds that have no data (links,
    /// directories, devices, FIFOs), whatever the size field says.
    private func dataSize(of header: TarHeader, attributes: [String: String], offset: Int) throws -> Int {
        switch header.typeFlag {
        case TarHeader.TypeFlag.hardlink, TarHeader.TypeFlag.symlink, TarHeader.TypeFlag.directory,
            UInt8(ascii: "3"), UInt8(ascii: "4"), UInt8(ascii: "6"):
            return 0
        case TarHeader.TypeFlag.paxExtended, TarHeader.TypeFlag.paxGlobal, TarHeader.TypeFlag.gnuLongName,
            TarHeader.TypeFlag.gnuLongLink:
            return try checked(header.size, header, attributes, offset)
        default:
            guard let text = attributes["size"] else { return try checked(header.size, header, attributes, offset) }
            guard let size = Self.paxNumber(text), size >= 0 else {
                throw TarError(
                    offset: offset, path: memberPath(header, attributes),
                    reason: "the PAX record size=\(text) is not a size")
            }
            return try checked(size, header, attributes, offset)
        }
    }

    /// Sizes beyond what any in-memory archive can hold are corrupt, and would overflow.
    private func checked(_ size: Int, _ header: TarHeader, _ attributes: [String: String], _ offset: Int) throws -> Int {
        guard size <= Int.max - 2 * TarHeader.blockSize else {
            throw TarError(
                offset: offset, path: memberPath(header, attributes), reason: "the member's size \(size) is impossible")
        }
        return size
    }

    private static func padded(_ size: Int) -> Int {
        (size + TarHeader.blockSize - 1) / TarHeader.blockSize * TarHeader.blockSize
    }

    /// The `length key=value\n` records of a PAX extended header.
    private static func paxRecords(_ data: ArraySlice<UInt8>, offset: Int) throws -> [(String, String)] {
        var records: [(String, String)] = []
        var position = data.startIndex
        while position < data.endIndex && data[position] != 0 {
            func malformed(_ why: String) -> TarError {
                TarError(
                    offset: offset,
                    reason: "malformed PAX extended header: \(why) (record at byte \(position - data.startIndex))")
            }
            guard let space = data[position...].prefix(20).firstIndex(of: UInt8(ascii: " ")),
                space > position,
                data[position..<space].allSatisfy(\.isASCIIDigit),
                let length = Int(String(decoding: data[position..<space], as: UTF8.self))
            else { throw malformed("a record does not start with its length") }
            guard length > space - position + 1, length <= data.endIndex - position else {
                throw malformed("a record's length \(length) does not fit")
            }
            let end = position + length
            guard data[end - 1] == UInt8(ascii: "\n") else { throw malformed("a record does not end with a newline") }
            let record = data[(space + 1)..<(end - 1)]
            guard let equals = record.firstIndex(of: UInt8(ascii: "=")), equals > record.startIndex else {
                throw malformed("a record has no key=value")
            }
            records.append(
                (
                    String(decoding: record[..<equals], as: UTF8.self),
                    String(decoding: record[(equals + 1)...], as: UTF8.self)
                ))
            position = end
        }
        return records
    }

    /// A decimal PAX number; times may carry a fraction, which is dropped (towards the past).
    private static func paxNumber(_ text: String) -> Int? {
        let parts = text.split(separator: ".", maxSplits: 1, omittingEmptySubsequences: false)
        guard let whole = Int(parts[0]) else { return nil }
        guard parts.count == 2 else { return whole }
        guard !parts[1].isEmpty, parts[1].utf8.allSatisfy(\.isASCIIDigit) else { return nil }
        let hasFraction = parts[1].utf8.contains { $0 != UInt8(ascii: "0") }
        guard text.hasPrefix("-") && hasFraction else { return whole }
        let (floor, overflow) = whole.subtractingReportingOverflow(1)
        return overflow ? nil : floor
    }
}
