import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The lines of a known_hosts file, read as bytes, one line at a time.
///
/// A file is never taken whole or not at all: bytes that are not UTF-8 matter only in the
/// line that holds them, and a line molt cannot check keys against (an unknown key type, a
/// key that is not base64, a marker it does not support) is skipped with a ``KnownHostsNote``
/// while the other lines still count. Every line that names hosts is kept, readable or not,
/// so that a host whose entry molt could not read is never taken for a host seen for the
/// first time (`--accept-new-host-keys` must not record a second key for it).
struct KnownHostsFile: Sendable {
    /// The file's path, for notes and errors.
    let path: String
    /// The lines that are neither blank nor comments, in file order.
    let entries: [Entry]

    /// One line that names hosts, split into its fields.
    struct Entry: Sendable, Equatable {
        /// The line's number in the file, from 1.
        let line: Int
        /// `@cert-authority`, `@revoked` or another `@word` before the host patterns.
        let marker: Marker?
        /// The host patterns (`name,name2,[name]:port`, globs, `!negations`) or a hashed
        /// name (`|1|salt|hash`), as written.
        let hosts: [UInt8]
        /// The key type, such as `ssh-ed25519`, when the line has one.
        let keyType: [UInt8]?
        /// The key in base64, as written, when the line has one.
        let key: [UInt8]?

        /// Whether the host field is a hashed name (`|1|salt|hash`), which only the HMAC of
        /// a name can be compared with.
        var isHashed: Bool { hosts.starts(with: Array("|1|".utf8)) }

        /// Whether the hashed name is one OpenSSH writes: a salt and an HMAC-SHA1, 20 bytes
        /// each in base64. Any other is never handed to libssh2, which cannot match it and
        /// whose 1.10 leaks an HMAC context on every check of a hash of another length.
        var hasReadableHashedName: Bool {
            let parts = hosts.dropFirst(3).split(separator: UInt8(ascii: "|"), omittingEmptySubsequences: false)
            return isHashed && parts.count == 2
                && parts.allSatisfy { Data(base64Encoded: Data($0))?.count == 20 }
        }

        /// Whether the key is base64 of an SSH public key blob of the line's key type, as
        /// OpenSSH checks it: the blob starts with the type's name.
        var hasReadableKey: Bool {
            guard let keyType, let key, let blob = Data(base64Encoded: Data(key)), blob.count >= 4 + keyType.count
            else { return false }
            let bytes = [UInt8](blob)
            let length = bytes[0..<4].reduce(0) { $0 << 8 | Int($1) }
            return length == keyType.count && bytes[4..<4 + length].elementsEqual(keyType)
        }
    }

    /// The markers OpenSSH puts before host patterns.
    enum Marker: Sendable, Equatable {
        /// The key is a certificate authority's, for host certificates of the named hosts.
        case certAuthority
        /// The key must be refused, whoever presents it.
        case revoked
        /// A marker OpenSSH does not know either.
        case other(String)
    }

    /// The largest file read; a known_hosts file of a large fleet is a few megabytes.
    static let sizeLimit = 64 << 20

    /// Reads the file at `path`; a file that does not exist is an empty one (accept-new
    /// creates it).
    /// - Throws: ``KnownHostsError`` when the path is a directory, cannot be read, or is
    ///   larger than ``sizeLimit``.
    static func read(path: String) throws(KnownHostsError) -> KnownHostsFile {
        KnownHostsFile(path: path, bytes: try readBytes(path: path))
    }

    /// Splits `bytes`, the contents of the file at `path`, into entries.
    init(path: String, bytes: [UInt8]) {
        self.path = path
        var entries: [Entry] = []
        var number = 0
        var start = bytes.startIndex
        while start < bytes.endIndex {
            number += 1
            let newline = bytes[start...].firstIndex(of: UInt8(ascii: "\n")) ?? bytes.endIndex
            var end = newline
            if end > start && bytes[end - 1] == UInt8(ascii: "\r") { end -= 1 }
            if let entry = Self.entry(bytes[start..<end], line: number) { entries.append(entry) }
            start = newline == bytes.endIndex ? newline : newline + 1
        }
        self.entries = entries
    }

    /// The entries whose host patterns name `name` (`host` or `[host]:port`, as
    /// ``KnownHosts/entryName(address:port:)`` writes it), the way OpenSSH matches them:
    /// globs, negations, case-insensitive. Hashed names are left to `matchesHashed`, which
    /// knows the HMAC. `@revoked` lines name keys, not hosts, and are left out.
    func entries(naming name: String, matchesHashed: (Entry) -> Bool) -> [Entry] {
        entries.filter { entry in
            if entry.marker == .revoked { return false }
            guard entry.isHashed else { return Self.patterns(entry.hosts, match: name) }
            return entry.hasReadableHashedName && matchesHashed(entry)
        }
    }

    /// What the file says about a key presented by a host.
    enum Verdict: Sendable, Equatable {
        /// An entry naming the host has this key.
        case match
        /// Entries naming the host have other keys of the same type: the key has changed.
        case mismatch(lines: [Int])
        /// An `@revoked` line lists the key.
        case revoked(line: Int)
        /// No line names the host: it is seen for the first time.
        case notFound
        /// Lines name the host, but none with a key of this type that molt could compare: keys
        /// of other types, lines molt cannot read. The key may have changed, so it is neither
        /// trusted nor recorded.
        case otherEntries(lines: [Int])
        /// Only `@cert-authority` lines name the host: it is meant to present a host
        /// certificate, which libssh2 1.10 cannot check. Never trusted, never recorded.
        case certificateAuthorities(lines: [Int])
    }

    /// The verdict on the key `key` (base64) of type `keyType` (`ssh-ed25519`), presented by
    /// the host named `name`; `matchesHashed` compares hashed names with `name`.
    func verdict(keyType: String, key: [UInt8], name: String, matchesHashed: (Entry) -> Bool) -> Verdict {
        // A revoked key is refused whoever presents it, whatever hosts its line names.
        if let revoked = entries.first(where: { $0.marker == .revoked && $0.key == key }) {
            return .revoked(line: revoked.line)
        }
        let naming = entries(naming: name, matchesHashed: matchesHashed)
        let type = Array(keyType.utf8)
        let comparable = naming.filter { $0.marker == nil && $0.keyType == type && $0.hasReadableKey }
        if comparable.contains(where: { $0.key == key }) { return .match }
        if !comparable.isEmpty { return .mismatch(lines: comparable.map(\.line)) }
        if naming.isEmpty { return .notFound }
        if naming.allSatisfy({ $0.marker == .certAuthority }) {
            return .certificateAuthorities(lines: naming.map(\.line))
        }
        return .otherEntries(lines: naming.map(\.line))
    }

    /// The lines molt does not check keys against, each with the reason; they still count as
    /// naming their hosts (but for hashed names that cannot be read, which name none).
    var notes: [KnownHostsNote] {
        entries.compactMap { entry in
            reason(skipping: entry).map { KnownHostsNote(path: path, line: entry.line, reason: $0) }
        }
    }

    /// The key types molt checks, as known_hosts writes them.
    static let checkedKeyTypes: Set<[UInt8]> = Set(HostKeyType.allCases.map { Array($0.keyName.utf8) })

    // MARK: - Details

    private func reason(skipping entry: Entry) -> String? {
        switch entry.marker {
        case .certAuthority?:
            return "host certificates (@cert-authority) cannot be checked with libssh2 1.10; hosts it names need their own host key lines"
        case .other(let word)?:
            return "unknown marker \(word)"
        case .revoked?:
            return entry.key == nil ? "an @revoked line needs HOSTS KEYTYPE KEY" : nil
        case nil:
            break
        }
        guard let keyType = entry.keyType, let key = entry.key else {
            return "expected HOSTS KEYTYPE KEY"
        }
        guard Self.checkedKeyTypes.contains(keyType) else {
            return "molt cannot check keys of type \(Self.show(keyType))"
        }
        guard let blob = Data(base64Encoded: Data(key)) else { return "the key is not base64" }
        guard entry.hasReadableKey else {
            return "the key is not a valid \(Self.show(keyType)) key (\(blob.count) bytes)"
        }
        if entry.isHashed && !entry.hasReadableHashedName { return "the hashed host name cannot be read" }
        return nil
    }

    /// Bytes for a note: printable ASCII as is, the rest escaped, at most 40 of them.
    private static func show(_ bytes: [UInt8]) -> String {
        let shown = bytes.prefix(40).map { byte in
            byte >= 0x20 && byte < 0x7f ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16)
        }
        return "'" + shown.joined() + (bytes.count > 40 ? "…'" : "'")
    }

    private static func entry(_ line: ArraySlice<UInt8>, line number: Int) -> Entry? {
        let text = Array(line.drop { $0.isBlank })
        guard let first = text.first, first != UInt8(ascii: "#") else { return nil }
        var fields = text.split(whereSeparator: \.isBlank).map(Array.init)
        var marker: Marker?
        if first == UInt8(ascii: "@") {
            let word = String(decoding: fields.removeFirst(), as: UTF8.self)
            marker = word == "@cert-authority" ? .certAuthority : word == "@revoked" ? .revoked : .other(word)
        }
        return Entry(
            line: number, marker: marker, hosts: fields.first ?? [],
            keyType: fields.count > 1 ? fields[1] : nil, key: fields.count > 2 ? fields[2] : nil)
    }

    /// OpenSSH's `match_hostname`: a comma-separated list of patterns matches when one
    /// pattern matches and no negated (`!`) one does.
    static func patterns(_ list: [UInt8], match name: String) -> Bool {
        let host = Array(name.utf8).map(\.lowercasedASCII)
        var matched = false
        for pattern in list.split(separator: UInt8(ascii: ","), omittingEmptySubsequences: true) {
            let negated = pattern.first == UInt8(ascii: "!")
            let body = Array(negated ? pattern.dropFirst() : pattern[...]).map(\.lowercasedASCII)
            guard glob(body[...], host[...]) else { continue }
            if negated { return false }
            matched = true
        }
        return matched
    }

    /// `*` (any run of bytes) and `?` (one byte), matched without recursion so that a
    /// pattern full of stars stays linear per star.
    private static func glob(_ pattern: ArraySlice<UInt8>, _ text: ArraySlice<UInt8>) -> Bool {
        var p = pattern.startIndex
        var t = text.startIndex
        var star: (pattern: Int, text: Int)?
        while t < text.endIndex {
            if p < pattern.endIndex && (pattern[p] == UInt8(ascii: "?") || pattern[p] == text[t]) {
                p += 1
                t += 1
            } else if p < pattern.endIndex && pattern[p] == UInt8(ascii: "*") {
                star = (p, t)
                p += 1
            } else if let last = star {
                p = last.pattern + 1
                t = last.text + 1
                star = (last.pattern, last.text + 1)
            } else {
                return false
            }
        }
        while p < pattern.endIndex && pattern[p] == UInt8(ascii: "*") { p += 1 }
        return p == pattern.endIndex
    }

    private static func readBytes(path: String) throws(KnownHostsError) -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            if errno == ENOENT { return [] }
            throw KnownHostsError(path: path, reason: errnoText())
        }
        defer { close(fd) }
        var status = stat()
        guard fstat(fd, &status) == 0 else { throw KnownHostsError(path: path, reason: errnoText()) }
        if status.st_mode & S_IFMT == S_IFDIR { throw KnownHostsError(path: path, reason: "is a directory") }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 << 10)
        while true {
            let count = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw KnownHostsError(path: path, reason: errnoText())
            }
            if count == 0 { return bytes }
            guard bytes.count + count <= sizeLimit else {
                throw KnownHostsError(path: path, reason: "is larger than \(sizeLimit >> 20) MiB")
            }
            bytes += chunk[..<count]
        }
    }
}

/// A line of a known_hosts file that molt skipped, and why.
public struct KnownHostsNote: Sendable, Equatable, CustomStringConvertible {
    /// The file.
    public var path: String
    /// The line's number, from 1.
    public var line: Int
    /// Why the line was skipped.
    public var reason: String

    public var description: String { "\(path):\(line): skipped: \(reason)" }

    /// The lines of the known_hosts file at `path` that molt skips, read before any host is
    /// reached so that each is reported once; a file that does not exist has none.
    /// - Throws: ``KnownHostsError`` when the file cannot be read at all.
    public static func skippedLines(in path: String) throws(KnownHostsError) -> [KnownHostsNote] {
        try KnownHosts.notes(path: path)
    }
}

/// A known_hosts file that cannot be read at all: a directory, a file without read
/// permission, an implausibly large file.
public struct KnownHostsError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The path given.
    public var path: String
    /// What the system said, such as `is a directory`.
    public var reason: String

    public var description: String { "cannot read known_hosts \(path): \(reason)" }
}

extension UInt8 {
    fileprivate var isBlank: Bool { self == UInt8(ascii: " ") || self == UInt8(ascii: "\t") }
    fileprivate var lowercasedASCII: UInt8 { self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z") ? self | 0x20 : self }
}
