import CLibSSH2
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The host keys the known_hosts files vouch for, checked the way OpenSSH checks them.
///
/// Each file is read by molt, byte-wise and line by line (see ``KnownHostsFile``): plain,
/// hashed (`|1|salt|hash`), `[host]:port`, glob and negated entries are understood,
/// `@revoked` keys are refused, and a line molt cannot read is skipped on its own instead of
/// ending the load as `libssh2_knownhost_readfile` would. libssh2 only computes the HMAC
/// that compares a hashed name with the host's.
///
/// Several files (`UserKnownHostsFile` list, then `GlobalKnownHostsFile`) count together, as
/// in OpenSSH: a key listed as revoked in any file is refused; otherwise a line with the key
/// in any file verifies the host; otherwise a line with another key of its type in any file
/// is a changed key. New keys are recorded in the first file.
struct KnownHosts {
    /// The files, read once per connection, before the handshake: the key preference and the
    /// check of the key presented then agree on the same lines.
    let files: [KnownHostsFile]

    /// The file new keys are recorded in.
    var path: String { files.first?.path ?? "" }

    /// Where a line is: `path:line`.
    struct Location: Sendable, Equatable, CustomStringConvertible {
        var path: String
        var line: Int
        var description: String { "\(path):\(line)" }
    }

    /// What the files together say about a key presented by a host.
    enum Verdict: Sendable, Equatable {
        case match
        case revoked(Location)
        case mismatch([Location])
        case otherEntries([Location])
        case certificateAuthorities([Location])
        case notFound
    }

    /// Reads the file at `path`; one that does not exist has no entries.
    /// - Throws: ``KnownHostsError`` when it cannot be read at all (a directory, no permission).
    init(path: String) throws(KnownHostsError) {
        try self.init(paths: [path])
    }

    /// Reads every file of `paths`, in order; those that do not exist have no entries.
    /// - Throws: ``KnownHostsError`` for the first that cannot be read at all.
    init(paths: [String]) throws(KnownHostsError) {
        var files: [KnownHostsFile] = []
        for path in paths { files.append(try KnownHostsFile.read(path: path)) }
        self.files = files
    }

    /// The name OpenSSH files a host under: the address, or `[address]:port` off port 22.
    static func entryName(address: String, port: Int) -> String {
        port == 22 ? address : "[\(address)]:\(port)"
    }

    /// The lines of the file at `path` that molt skips, each with the reason.
    /// - Throws: ``KnownHostsError`` when the file cannot be read at all.
    static func notes(path: String) throws(KnownHostsError) -> [KnownHostsNote] {
        try KnownHostsFile.read(path: path).notes
    }

    /// Host key algorithms molt never negotiates: certificates (`*-cert-v01@openssh.com`),
    /// which libssh2 1.10 lists for ECDSA but cannot check against a certificate authority.
    static func isCertificateAlgorithm(_ name: String) -> Bool { name.hasSuffix("-cert-v01@openssh.com") }

    /// Puts the algorithms of keys already known for the host first, so the server presents
    /// the key we can verify rather than another type we have never seen (as OpenSSH does),
    /// and leaves certificate algorithms out.
    func preferKnownAlgorithms(_ session: OpaquePointer, name: String) {
        let hashed = HashedNames(session: session)
        let known = files.flatMap { file in file.entries(naming: name) { hashed.entry($0, names: name) } }
            .filter { $0.marker == nil }
            .compactMap { entry in HostKeyType.allCases.first { Array($0.keyName.utf8) == entry.keyType } }
        let supported = Self.supportedHostKeyAlgorithms(session).filter { !Self.isCertificateAlgorithm($0) }
        var first: [String] = []
        for algorithm in known.flatMap(\.algorithms) where supported.contains(algorithm) && !first.contains(algorithm) {
            first.append(algorithm)
        }
        let preference = first + supported.filter { !first.contains($0) }
        guard !preference.isEmpty else { return }
        _ = libssh2_session_method_pref(session, LIBSSH2_METHOD_HOSTKEY, preference.joined(separator: ","))
    }

    /// Checks the key the server presented during the handshake.
    func verify(_ session: OpaquePointer, name: String) -> (Verdict, PresentedKey?) {
        var length = 0
        var rawType: Int32 = 0
        guard let keyPointer = libssh2_session_hostkey(session, &length, &rawType),
            let type = HostKeyType(rawValue: rawType)
        else { return (.notFound, nil) }
        var fingerprint: [UInt8] = []
        if let hash = libssh2_hostkey_hash(session, LIBSSH2_HOSTKEY_HASH_SHA256) {
            fingerprint = Array(UnsafeRawBufferPointer(start: hash, count: 32))
        }
        let key = PresentedKey(
            type: type, bytes: Array(UnsafeRawBufferPointer(start: keyPointer, count: length)),
            sha256: fingerprint)
        return (check(key, name: name, session: session), key)
    }

    /// What the files say about `key`, presented by the host named `name`; `session` is any
    /// libssh2 session, for the HMAC of hashed names.
    func check(_ key: PresentedKey, name: String, session: OpaquePointer) -> Verdict {
        let hashed = HashedNames(session: session)
        let verdicts = files.map { file in
            (file.path, file.verdict(keyType: key.type.keyName, key: Array(key.base64.utf8), name: name) {
                hashed.entry($0, names: name)
            })
        }
        func located(_ pick: (KnownHostsFile.Verdict) -> [Int]?) -> [Location] {
            verdicts.flatMap { path, verdict in (pick(verdict) ?? []).map { Location(path: path, line: $0) } }
        }
        for (path, verdict) in verdicts {
            if case .revoked(let line) = verdict { return .revoked(Location(path: path, line: line)) }
        }
        if verdicts.contains(where: { $0.1 == .match }) { return .match }
        let changed = located { if case .mismatch(let lines) = $0 { lines } else { nil } }
        if !changed.isEmpty { return .mismatch(changed) }
        let others = located { if case .otherEntries(let lines) = $0 { lines } else { nil } }
        let authorities = located { if case .certificateAuthorities(let lines) = $0 { lines } else { nil } }
        if !others.isEmpty { return .otherEntries(others + authorities) }
        if !authorities.isEmpty { return .certificateAuthorities(authorities) }
        return .notFound
    }

    /// Appends an entry for a host seen for the first time (`--accept-new-host-keys`) to the
    /// first file.
    ///
    /// One `write` of one line to a file opened with `O_APPEND`, so hosts accepted at the
    /// same time by concurrent sessions never interleave their lines; a newline goes first
    /// when the file does not end with one, so the last entry is not run into.
    func record(_ key: PresentedKey, name: String) throws(SSHError) {
        let path = self.path
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
            try? FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let fd = open(path, O_RDWR | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw SSHError(.other, host: name, "cannot write \(path): \(errnoText())")
        }
        defer { close(fd) }
        var line = Array("\(name) \(key.type.keyName) \(key.base64)\n".utf8)
        var last: UInt8 = 0
        let size = lseek(fd, 0, SEEK_END)
        if size > 0 && pread(fd, &last, 1, size - 1) == 1 && last != UInt8(ascii: "\n") {
            line.insert(UInt8(ascii: "\n"), at: 0)
        }
        let written = line.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == line.count else {
            throw SSHError(.other, host: name, "cannot write \(path): \(errnoText())")
        }
    }

    private static func supportedHostKeyAlgorithms(_ session: OpaquePointer) -> [String] {
        var list: UnsafeMutablePointer<UnsafePointer<CChar>?>?
        let count = libssh2_session_supported_algs(session, LIBSSH2_METHOD_HOSTKEY, &list)
        guard count > 0, let list else { return [] }
        defer { libssh2_free(session, list) }
        return (0..<Int(count)).compactMap { list[$0].map { String(cString: $0) } }
    }
}

/// Hashed host names (`|1|salt|hash`, HMAC-SHA1 of the name keyed with the salt) compared
/// with a name by libssh2, which has the HMAC: the entry's host field goes into a collection
/// of its own with a stand-in key, and the name is looked up with another key, which finds
/// the entry (as a mismatch) exactly when the name hashes to it.
struct HashedNames {
    let session: OpaquePointer

    /// Whether the entry's hashed name is the hash of `name`.
    func entry(_ entry: KnownHostsFile.Entry, names name: String) -> Bool {
        withEntry(entry) { hosts in
            let probe = Array("molt".utf8)
            let rc = probe.withUnsafeBytes { key in
                libssh2_knownhost_checkp(
                    hosts, name, -1, key.baseAddress?.assumingMemoryBound(to: CChar.self), key.count,
                    LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW, nil)
            }
            return rc == LIBSSH2_KNOWNHOST_CHECK_MISMATCH || rc == LIBSSH2_KNOWNHOST_CHECK_MATCH
        }
    }

    /// Runs `body` on a collection holding only the entry's host field, or returns false
    /// when libssh2 cannot read it.
    private func withEntry(_ entry: KnownHostsFile.Entry, _ body: (OpaquePointer) -> Bool) -> Bool {
        guard entry.hasReadableHashedName, let hosts = libssh2_knownhost_init(session) else { return false }
        defer { libssh2_knownhost_free(hosts) }
        // NUL-terminated: libssh2 copies one byte past the length it is given.
        let line = entry.hosts + Array(" ssh-ed25519 bW9sdC1oYXNoZWQtbmFtZS1wcm9iZQ==".utf8) + [0]
        let rc = line.withUnsafeBytes { bytes in
            libssh2_knownhost_readline(
                hosts, bytes.baseAddress?.assumingMemoryBound(to: CChar.self), bytes.count - 1,
                LIBSSH2_KNOWNHOST_FILE_OPENSSH)
        }
        return rc == 0 && body(hosts)
    }
}

/// A libssh2 session that never connects, for known_hosts checks made without a host (tests
/// and the fuzz target), since libssh2 ties a collection of known hosts to a session.
enum ScratchSession {
    static func run<T>(_ body: (OpaquePointer) -> T) -> T {
        LibSSH2.initializeOnce()
        guard let session = libssh2_session_init_ex(nil, nil, nil, nil) else {
            preconditionFailure("libssh2 cannot allocate a session")
        }
        defer { libssh2_session_free(session) }
        return body(session)
    }
}

/// The key a server presented, as libssh2 gave it.
struct PresentedKey {
    let type: HostKeyType
    let bytes: [UInt8]
    let sha256: [UInt8]

    var base64: String { Data(bytes).base64EncodedString() }

    /// The fingerprint as OpenSSH prints it: `ED25519 key SHA256:…`, comparable with
    /// `ssh-keygen -lf` on the host.
    var summary: String {
        let digest = Data(sha256).base64EncodedString().replacingOccurrences(of: "=", with: "")
        return "\(type.keyName) key SHA256:\(digest)"
    }
}

/// Host key types libssh2 1.10 reports, with their known_hosts and algorithm names.
enum HostKeyType: Int32, CaseIterable {
    case rsa = 1
    case dss = 2
    case ecdsa256 = 3
    case ecdsa384 = 4
    case ecdsa521 = 5
    case ed25519 = 6

    var keyName: String {
        switch self {
        case .rsa: "ssh-rsa"
        case .dss: "ssh-dss"
        case .ecdsa256: "ecdsa-sha2-nistp256"
        case .ecdsa384: "ecdsa-sha2-nistp384"
        case .ecdsa521: "ecdsa-sha2-nistp521"
        case .ed25519: "ssh-ed25519"
        }
    }

    var algorithms: [String] {
        switch self {
        case .rsa: ["rsa-sha2-512", "rsa-sha2-256", "ssh-rsa"]
        default: [keyName]
        }
    }
}
