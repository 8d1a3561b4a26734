import FuzzSupport

@testable import SSH

/// A known_hosts file: its lines read byte-wise, the notes about lines molt skips, and the
/// verdict on a key for a few names, hashed names compared through libssh2's HMAC.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzKnownHosts(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    let file = KnownHostsFile(path: "known_hosts", bytes: input.bytes)
    ScratchSession.run { session in
        let hashed = HashedNames(session: session)
        _ = file.notes
        for name in ["web1.example.internal", "[10.0.0.7]:2222", "db1"] {
            _ = file.verdict(keyType: "ssh-ed25519", key: key, name: name) { hashed.entry($0, names: name) }
        }
    }
    return 0
}

private let key = Array("AAAAC3NzaC1lZDI1NTE5AAAAIAFUY/F3fCwjVJ9hg+XjTxRgVDznIputQokXwTEeGwsr".utf8)
