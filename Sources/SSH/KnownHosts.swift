import CLibSSH2
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The host keys a known_hosts file vouches for, checked the way OpenSSH checks them.
///
/// Plain, hashed (`|1|salt|hash`) and `[host]:port` entries are understood; `@revoked`
/// keys are refused; lines libssh2 cannot parse (e.g. `@cert-authority`) are skipped one by
/// one instead of ending the load, as `libssh2_knownhost_readfile` would.
struct KnownHosts {
    /// The result of checking a presented key.
    enum Verdict: Equatable {
        case match
        case mismatch
        case notFound
        case revoked
    }

    let path: String

    /// The name OpenSSH files a host under: the address, or `[address]:port` off port 22.
    static func entryName(address: String, port: Int) -> String {
        port == 22 ? address : "[\(address)]:\(port)"
    }

    /// Puts the algorithms of keys already known for the host first, so the server presents
    /// the key we can verify rather than another type we have never seen (as OpenSSH does).
    func preferKnownAlgorithms(_ session: OpaquePointer, name: String) {
        guard let collection = load(session) else { return }
        defer { libssh2_knownhost_free(collection.hosts) }
        let dummy: [CChar] = Array("molt-probe".utf8CString)
        let known = HostKeyType.allCases.filter { type in
            let rc = libssh2_knownhost_checkp(
                collection.hosts, name, -1, dummy, dummy.count - 1,
                LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | type.knownHostBits, nil)
            return rc == LIBSSH2_KNOWNHOST_CHECK_MISMATCH
        }
        guard !known.isEmpty else { return }
        let supported = Self.supportedHostKeyAlgorithms(session)
        let first = known.flatMap(\.algorithms).filter(supported.contains)
        guard !first.isEmpty else { return }
        let preference = first + supported.filter { !first.contains($0) }
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
        guard let collection = load(session) else { return (.notFound, key) }
        defer { libssh2_knownhost_free(collection.hosts) }
        if collection.revoked.contains(key.base64) { return (.revoked, key) }
        let rc = libssh2_knownhost_checkp(
            collection.hosts, name, -1, keyPointer, length,
            LIBSSH2_KNOWNHOST_TYPE_PLAIN | LIBSSH2_KNOWNHOST_KEYENC_RAW | type.knownHostBits, nil)
        switch rc {
        case LIBSSH2_KNOWNHOST_CHECK_MATCH: return (.match, key)
        case LIBSSH2_KNOWNHOST_CHECK_MISMATCH: return (.mismatch, key)
        default: return (.notFound, key)
        }
    }

    /// Appends an entry for a host seen for the first time (`--accept-new-host-keys`).
    ///
    /// One `write` of one line to a file opened with `O_APPEND`, so hosts accepted at the
    /// same time by concurrent sessions never interleave their lines.
    func record(_ key: PresentedKey, name: String) throws(SSHError) {
        let directory = (path as NSString).deletingLastPathComponent
        if !directory.isEmpty && !FileManager.default.fileExists(atPath: directory) {
            try? FileManager.default.createDirectory(
                atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        }
        let line = "\(name) \(key.type.keyName) \(key.base64)\n"
        let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else {
            throw SSHError(.other, host: name, "cannot write \(path): \(errnoText())")
        }
        defer { close(fd) }
        let written = line.utf8CString.withUnsafeBufferPointer { buffer in
            write(fd, buffer.baseAddress, buffer.count - 1)
        }
        guard written == line.utf8.count else {
            throw SSHError(.other, host: name, "cannot write \(path): \(errnoText())")
        }
    }

    private struct Collection {
        let hosts: OpaquePointer
        let revoked: Set<String>
    }

    private func load(_ session: OpaquePointer) -> Collection? {
        guard let hosts = libssh2_knownhost_init(session) else { return nil }
        var revoked: Set<String> = []
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            return Collection(hosts: hosts, revoked: revoked)
        }
        for rawLine in text.split(whereSeparator: \.isNewline) {
            let line = rawLine.trimmingCharacters(in: .whitespaces)
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("@") {
                let fields = line.split(whereSeparator: \.isWhitespace)
                if fields.first == "@revoked", fields.count >= 4 { revoked.insert(String(fields[3])) }
                continue
            }
            _ = libssh2_knownhost_readline(hosts, line, line.utf8.count, LIBSSH2_KNOWNHOST_FILE_OPENSSH)
        }
        return Collection(hosts: hosts, revoked: revoked)
    }

    private static func supportedHostKeyAlgorithms(_ session: OpaquePointer) -> [String] {
        var list: UnsafeMutablePointer<UnsafePointer<CChar>?>?
        let count = libssh2_session_supported_algs(session, LIBSSH2_METHOD_HOSTKEY, &list)
        guard count > 0, let list else { return [] }
        defer { libssh2_free(session, list) }
        return (0..<Int(count)).compactMap { list[$0].map { String(cString: $0) } }
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

    /// `LIBSSH2_KNOWNHOST_KEY_*`: the C macros are shifted expressions that do not import.
    var knownHostBits: Int32 {
        switch self {
        case .rsa: 2 << 18
        case .dss: 3 << 18
        case .ecdsa256: 4 << 18
        case .ecdsa384: 5 << 18
        case .ecdsa521: 6 << 18
        case .ed25519: 7 << 18
        }
    }

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
