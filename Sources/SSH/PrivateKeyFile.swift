import Foundation

/// What molt can tell about a private key file without its passphrase: whether it is
/// encrypted, and its public key.
///
/// The public key comes from the unencrypted header of an `openssh-key-v1` file (what
/// `ssh-keygen` writes), else from `FILE.pub`. It lets an encrypted key be matched with a key
/// ssh-agent holds, and `IdentitiesOnly` choose the agent's keys.
struct PrivateKeyFile {
    let path: String
    /// The file is encrypted: libssh2 needs its passphrase to use it.
    let isEncrypted: Bool
    /// The public key as an SSH wire blob (`string type, …`), when it can be known.
    let publicKey: [UInt8]?

    /// Reads the file at `path`; `nil` when it cannot be read.
    static func read(path: String) -> PrivateKeyFile? {
        guard let data = FileManager.default.contents(atPath: path), data.count < 1 << 20 else { return nil }
        let text = String(decoding: data, as: UTF8.self)
        let fromPub = publicKey(fromPubFile: path + ".pub")
        if let body = armoredBody(text, label: "OPENSSH PRIVATE KEY"), let header = OpenSSHHeader(body) {
            return PrivateKeyFile(path: path, isEncrypted: header.cipher != "none", publicKey: header.publicKey ?? fromPub)
        }
        // PEM: `Proc-Type: 4,ENCRYPTED` (traditional) or `BEGIN ENCRYPTED PRIVATE KEY` (PKCS#8).
        let encrypted = text.contains("Proc-Type: 4,ENCRYPTED") || text.contains("BEGIN ENCRYPTED PRIVATE KEY")
        return PrivateKeyFile(path: path, isEncrypted: encrypted, publicKey: fromPub)
    }

    /// The key blob of a `.pub` file (`type base64 comment`), or `nil`.
    static func publicKey(fromPubFile path: String) -> [UInt8]? {
        guard let data = FileManager.default.contents(atPath: path), data.count < 64 << 10 else { return nil }
        let fields = String(decoding: data, as: UTF8.self).split(whereSeparator: \.isWhitespace)
        guard fields.count >= 2, let blob = Data(base64Encoded: String(fields[1])) else { return nil }
        return [UInt8](blob)
    }

    private static func armoredBody(_ text: String, label: String) -> [UInt8]? {
        guard let begin = text.range(of: "-----BEGIN \(label)-----"),
            let end = text.range(of: "-----END \(label)-----", range: begin.upperBound..<text.endIndex)
        else { return nil }
        let base64 = text[begin.upperBound..<end.lowerBound].filter { !$0.isWhitespace }
        return Data(base64Encoded: String(base64)).map { [UInt8]($0) }
    }

    /// The unencrypted start of an `openssh-key-v1` key: `"openssh-key-v1\0"`, `string
    /// ciphername`, `string kdfname`, `string kdfoptions`, `uint32 count`, `string publickey`…
    private struct OpenSSHHeader {
        var cipher: String
        var publicKey: [UInt8]?

        init?(_ bytes: [UInt8]) {
            let magic = Array("openssh-key-v1".utf8) + [0]
            guard bytes.starts(with: magic) else { return nil }
            var offset = magic.count
            func string() -> [UInt8]? {
                guard offset + 4 <= bytes.count else { return nil }
                let length = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
                offset += 4
                guard length >= 0, offset + length <= bytes.count else { return nil }
                defer { offset += length }
                return Array(bytes[offset..<offset + length])
            }
            guard let cipher = string(), string() != nil, string() != nil, offset + 4 <= bytes.count else { return nil }
            self.cipher = String(decoding: cipher, as: UTF8.self)
            let count = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
            offset += 4
            publicKey = count >= 1 ? string() : nil
        }
    }
}
