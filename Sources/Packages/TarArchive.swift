/// Whole tar archives in memory: what the Docker archive API returns for `GET
/// /containers/{id}/archive` and takes for `PUT`.
public enum TarArchive {
    /// The members of `bytes`, in order, without the PAX and GNU bookkeeping members.
    ///
    /// Throws a ``TarError`` for a bad checksum, a malformed header or extended header, or an
    /// archive that stops inside a header or a member's data.
    public static func entries(_ bytes: [UInt8]) throws -> [TarEntry] {
        var reader = TarReader(bytes)
        var entries: [TarEntry] = []
        while let entry = try reader.nextEntry() { entries.append(entry) }
        try reader.finish()
        return entries
    }

    /// A POSIX ustar archive of `entries`, ended by two zero blocks.
    ///
    /// Paths and link targets longer than 100 bytes, and numbers too large for their header
    /// fields, go into a PAX extended header before the member, as Docker, GNU tar and Go's
    /// `archive/tar` read them. Directories get their trailing slash; regular files take their
    /// size from ``TarEntry/contents``; other kinds are written without data.
    public static func make(entries: [TarEntry]) -> [UInt8] {
        var archive: [UInt8] = []
        archive.reserveCapacity(entries.reduce(2 * TarHeader.blockSize) { $0 + 2 * TarHeader.blockSize + $1.contents.count })
        for entry in entries { append(entry, to: &archive) }
        archive.append(contentsOf: repeatElement(0, count: 2 * TarHeader.blockSize))
        return archive
    }

    // MARK: - Writing

    private static func append(_ entry: TarEntry, to archive: inout [UInt8]) {
        var path = entry.path
        if entry.kind == .directory && !path.hasSuffix("/") { path += "/" }
        let typeFlag: UInt8 =
            switch entry.kind {
            case .file: TarHeader.TypeFlag.regular
            case .directory: TarHeader.TypeFlag.directory
            case .symlink: TarHeader.TypeFlag.symlink
            case .hardlink: TarHeader.TypeFlag.hardlink
            case .other(let flag): flag
            }
        let contents = entry.kind == .file ? entry.contents : []
        let name = Array(path.utf8)
        let link = Array((entry.linkTarget ?? "").utf8)

        var records: [(String, String)] = []
        if name.count > TarHeader.nameLimit { records.append(("path", path)) }
        if link.count > TarHeader.nameLimit { records.append(("linkpath", entry.linkTarget ?? "")) }
        func fits(_ value: Int, _ limit: Int, _ key: String) -> Int {
            if (0...limit).contains(value) { return value }
            records.append((key, String(value)))
            return 0
        }
        let size = fits(contents.count, TarHeader.sizeLimit, "size")
        let time = fits(entry.modificationTime, TarHeader.timeLimit, "mtime")
        let userID = fits(entry.userID, TarHeader.idLimit, "uid")
        let groupID = fits(entry.groupID, TarHeader.idLimit, "gid")

        if !records.isEmpty {
            let data = paxData(records)
            let base = path.split(separator: "/").last.map(String.init) ?? "member"
            archive += TarHeader.encode(
                name: Array("PaxHeaders/\(base)".utf8), mode: 0o644, userID: 0, groupID: 0, size: data.count,
                modificationTime: 0, typeFlag: TarHeader.TypeFlag.paxExtended, linkName: [])
            appendPadded(data, to: &archive)
        }
        archive += TarHeader.encode(
            name: name, mode: Int(entry.mode & 0o7777), userID: userID, groupID: groupID, size: size,
            modificationTime: time, typeFlag: typeFlag, linkName: link)
        appendPadded(contents, to: &archive)
    }

    private static func appendPadded(_ data: [UInt8], to archive: inout [UInt8]) {
        archive += data
        let remainder = data.count % TarHeader.blockSize
        if remainder != 0 { archive.append(contentsOf: repeatElement(0, count: TarHeader.blockSize - remainder)) }
    }

    /// `length key=value\n` records, where the length counts its own digits.
    private static func paxData(_ records: [(String, String)]) -> [UInt8] {
        var data: [UInt8] = []
        for (key, value) in records {
            let body = " \(key)=\(value)\n".utf8.count
            var length = body + 1
            while String(length).utf8.count + body != length { length = String(length).utf8.count + body }
            data += Array("\(length) \(key)=\(value)\n".utf8)
        }
        return data
    }
}
