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
///
/// With ``nextEntry(keeping:)`` the caller chooses, member by member, whose data to keep; the
/// data of the others is dropped as it arrives, so a reader that keeps nothing holds at most
/// one header and the last chunk appended, however large the archive.
public struct TarReader: Sendable {
    /// The largest PAX or GNU extended header the reader accepts: such headers carry names and
    /// numbers, and a larger one is damage that would otherwise be held in memory whole.
    public static let extendedHeaderLimit = 1 << 20

    /// Whether the end-of-archive marker (a block of zeros) has been read; later bytes are ignored.
    public private(set) var isAtEnd = false
    /// The most bytes the reader's buffer has had room for, consumed ones included: what it
    /// held in memory at its peak, apart from the entries it returned.
    public private(set) var peakBufferCapacity = 0

    private var buffer: [UInt8]
    /// Index in `buffer` of the first byte not yet consumed.
    private var start = 0
    /// Position in the archive of `buffer[0]`.
    private var bufferOffset = 0
    private var globalAttributes: [String: String] = [:]
    private var pending = PendingMetadata()
    /// The member whose header has been read and whose data is still to come.
    private var current: Member?
    private var failure: TarError?

    /// A reader with no bytes yet.
    public init() { buffer = [] }

    /// A reader holding a whole archive.
    public init(_ bytes: [UInt8]) {
        buffer = bytes
        peakBufferCapacity = bytes.capacity
    }

    /// Adds the next bytes of the archive.
    ///
    /// Bytes of a member whose data is being skipped are dropped here without being copied.
    public mutating func append(_ bytes: some Collection<UInt8>) {
        guard !isAtEnd, failure == nil else { return }
        var bytes = bytes[...]
        if start == buffer.count {
            // Nothing held: release the buffer, and drop skipped data straight from the input.
            bufferOffset += buffer.count
            buffer.removeAll(keepingCapacity: buffer.capacity <= Self.retainedCapacity)
            start = 0
            if var member = current, !member.keeps {
                let skipped = min(member.remaining, bytes.count)
                member.remaining -= skipped
                bufferOffset += skipped
                bytes = bytes.dropFirst(skipped)
                current = member
            }
        } else if start > 1 << 16 && start * 2 > buffer.count {
            // Drop consumed bytes once they are the larger part, so that appending stays linear.
            buffer.removeSubrange(0..<start)
            bufferOffset += start
            start = 0
        }
        buffer.append(contentsOf: bytes)
        peakBufferCapacity = max(peakBufferCapacity, buffer.capacity)
    }

    /// The next member, with the data of every regular file, or `nil` when the bytes so far
    /// hold no further complete member (append more) or the archive has ended (``isAtEnd``).
    public mutating func nextEntry() throws -> TarEntry? {
        try nextEntry(keeping: { _ in true })
    }

    /// The next member, or `nil` when more bytes are needed or the archive has ended.
    ///
    /// `keeping` is asked once for each regular file with data, as soon as its header is read,
    /// with the entry as it will be returned but without its ``TarEntry/contents``. When it
    /// returns true, the entry is returned once all its data has arrived, with its contents;
    /// when false, at once, with empty contents (its ``TarEntry/size`` still says how large it
    /// is), and its data is dropped as it arrives.
    public mutating func nextEntry(keeping: (TarEntry) -> Bool) throws -> TarEntry? {
        if let failure { throw failure }
        do {
            return try readEntry(keeping: keeping)
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
        if let member = current {
            let held = member.keeps ? available : Self.padded(member.size) - member.remaining
            throw TarError(offset: member.offset, path: member.path, reason: Self.endReason(held: held, size: member.size))
        }
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
        throw TarError(
            offset: offset, path: memberPath(header, attributes),
            reason: Self.endReason(held: available - TarHeader.blockSize, size: needed))
    }

    // MARK: - Reading

    /// Buffers up to this size are kept for reuse once emptied; larger ones are released.
    private static let retainedCapacity = 1 << 20

    /// What `x`, `g`, `L` and `K` members say about the member that follows them.
    private struct PendingMetadata {
        var attributes: [String: String] = [:]
        var longName: [UInt8]?
        var longLink: [UInt8]?

        var isEmpty: Bool { attributes.isEmpty && longName == nil && longLink == nil }
    }

    /// A member between its header and the end of its data.
    private struct Member {
        /// Where its header starts in the archive.
        var offset: Int
        var path: String
        var typeFlag: UInt8
        /// Its data bytes, without the padding.
        var size: Int
        /// Whether its data is held until complete; otherwise it is dropped as it arrives.
        var keeps: Bool
        /// The entry to return when the data is complete; `nil` for extended headers.
        var entry: TarEntry?
        /// For a member being skipped, the data and padding bytes still to drop.
        var remaining: Int
    }

    /// Why the archive cannot end where it does, `held` bytes into a member of `size` bytes.
    private static func endReason(held: Int, size: Int) -> String {
        if held >= padded(size) {
            "members remain that were not read with nextEntry()"
        } else if held >= size {
            "the archive ends inside the padding after the member's data"
        } else {
            "the archive ends inside the member's data (\(held) of \(size) bytes)"
        }
    }

    private mutating func readEntry(keeping: (TarEntry) -> Bool) throws -> TarEntry? {
        while !isAtEnd {
            let available = buffer.count - start
            if var member = current {
                guard member.keeps else {
                    let skipped = min(available, member.remaining)
                    start += skipped
                    member.remaining -= skipped
                    current = member
                    guard member.remaining == 0 else { return nil }
                    current = nil
                    continue
                }
                guard available >= Self.padded(member.size) else { return nil }
                let data = buffer[start..<start + member.size]
                start += Self.padded(member.size)
                current = nil
                switch member.typeFlag {
                case TarHeader.TypeFlag.paxExtended:
                    for (key, value) in try Self.paxRecords(data, offset: member.offset) {
                        pending.attributes[key] = value
                    }
                case TarHeader.TypeFlag.paxGlobal:
                    for (key, value) in try Self.paxRecords(data, offset: member.offset) {
                        globalAttributes[key] = value.isEmpty ? nil : value
                    }
                case TarHeader.TypeFlag.gnuLongName:
                    pending.longName = Array(data.prefix(while: { $0 != 0 }))
                case TarHeader.TypeFlag.gnuLongLink:
                    pending.longLink = Array(data.prefix(while: { $0 != 0 }))
                default:
                    member.entry?.contents = Array(data)
                    releaseLargeBuffer()
                    return member.entry
                }
                continue
            }

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
            let path = memberPath(header, attributes)
            start += TarHeader.blockSize

            switch header.typeFlag {
            case TarHeader.TypeFlag.paxExtended, TarHeader.TypeFlag.paxGlobal, TarHeader.TypeFlag.gnuLongName,
                TarHeader.TypeFlag.gnuLongLink:
                guard size <= Self.extendedHeaderLimit else {
                    throw TarError(
                        offset: offset, path: path,
                        reason: "an extended header of \(size) bytes is larger than the \(Self.extendedHeaderLimit) bytes"
                            + " any name or number needs")
                }
                current = Member(
                    offset: offset, path: path, typeFlag: header.typeFlag, size: size, keeps: true, entry: nil,
                    remaining: 0)
            default:
                let entry = try makeEntry(header, path: path, attributes: attributes, size: size, offset: offset)
                pending = PendingMetadata()
                let keeps = entry.kind == .file && size > 0 && keeping(entry)
                if keeps || size > 0 {
                    current = Member(
                        offset: offset, path: path, typeFlag: header.typeFlag, size: size, keeps: keeps,
                        entry: entry, remaining: keeps ? 0 : Self.padded(size))
                }
                if !keeps { return entry }
            }
        }
        return nil
    }

    /// Lets go of a buffer grown for a large member once all of it has been read.
    private mutating func releaseLargeBuffer() {
        guard start == buffer.count, buffer.capacity > Self.retainedCapacity else { return }
        bufferOffset += buffer.count
        buffer = []
        start = 0
    }

    /// The entry a header describes, without its contents; `size` is its data's.
    private func makeEntry(
        _ header: TarHeader, path: String, attributes: [String: String], size: Int, offset: Int
    ) throws -> TarEntry {
        var path = path
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
            linkTarget: linkTarget,
            modificationTime: try number("mtime", header.modificationTime),
            userID: try number("uid", header.userID),
            groupID: try number("gid", header.groupID)
        )
        entry.size = size
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
