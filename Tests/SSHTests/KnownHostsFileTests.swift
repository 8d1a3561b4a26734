import Testing

@testable import SSH

/// Keys as `ssh-keygen` writes them; the values do not matter, only that they differ.
enum Keys {
    static let web = "AAAAC3NzaC1lZDI1NTE5AAAAIAFUY/F3fCwjVJ9hg+XjTxRgVDznIputQokXwTEeGwsr"
    static let other = "AAAAC3NzaC1lZDI1NTE5AAAAIGY1VPtYdrx+jsoWpBJaOjcmRpraQGuausTLqYwMXla6"
    static let rsa = "AAAAB3NzaC1yc2EAAAADAQABAAABAQC7"
}

@Suite("known_hosts lines, read byte-wise")
struct KnownHostsFileTests {
    private func file(_ text: String) -> KnownHostsFile {
        KnownHostsFile(path: "/k", bytes: Array(text.utf8))
    }

    private func verdict(_ file: KnownHostsFile, _ name: String, key: String = Keys.web, type: String = "ssh-ed25519")
        -> KnownHostsFile.Verdict
    {
        file.verdict(keyType: type, key: Array(key.utf8), name: name) { _ in false }
    }

    @Test("blank lines, comments, leading blanks and CRLF endings are read as OpenSSH reads them")
    func layout() {
        let known = file("# a comment\n\n   \t\n  web1 ssh-ed25519 \(Keys.web) comment\r\n\tdb1 ssh-ed25519 \(Keys.other)")
        #expect(known.entries.map(\.line) == [4, 5])
        #expect(known.entries.map { String(decoding: $0.hosts, as: UTF8.self) } == ["web1", "db1"])
        #expect(known.entries[0].key == Array(Keys.web.utf8), "the \\r is not part of the key")
        #expect(verdict(known, "web1") == .match)
        #expect(verdict(known, "db1", key: Keys.other) == .match)
    }

    @Test("a byte that is not UTF-8 spoils at most its own line; every other entry still counts")
    func notUTF8() {
        var bytes = Array("web1 ssh-ed25519 \(Keys.web) made on \u{e9}t\u{e9}\n".utf8)
        bytes[bytes.count - 4] = 0xFF  // a stray byte in the comment: the line is still fine
        bytes += Array("web2 ssh-ed25519 ".utf8) + [0xFF] + Array(Keys.web.utf8.dropFirst()) + [0x0A]
        bytes += Array("db1 ssh-ed25519 \(Keys.other)\n".utf8)
        let known = KnownHostsFile(path: "/k", bytes: bytes)
        #expect(known.entries.count == 3)
        #expect(verdict(known, "web1") == .match)
        #expect(verdict(known, "db1", key: Keys.other) == .match)
        #expect(known.notes == [KnownHostsNote(path: "/k", line: 2, reason: "the key is not base64")])
        // web2's only line is unreadable, but it names web2: never a first visit.
        #expect(verdict(known, "web2") == .otherEntries(lines: [2]))
    }

    @Test("lines molt cannot check are skipped with a note naming file and line")
    func notes() {
        let known = file("""
            web1 ssh-ed25519 \(Keys.web)
            this is not an entry
            web2 ssh-ed25519
            @cert-authority *.example.com ssh-ed25519 \(Keys.other)
            web3 sk-ssh-ed25519@openssh.com \(Keys.web)
            @revoked * ssh-ed25519 \(Keys.other)
            @bogus web4 ssh-ed25519 \(Keys.web)
            web5 ssh-ed25519 AAAA#notbase64
            web6 ssh-ed25519 AAAA
            web7 ssh-ed25519 \(Keys.rsa)
            """)
        let notes = known.notes
        #expect(notes.map(\.line) == [2, 3, 4, 5, 7, 8, 9, 10])
        #expect(notes[0].description == "/k:2: skipped: molt cannot check keys of type 'is'")
        #expect(notes[1].reason == "expected HOSTS KEYTYPE KEY")
        #expect(notes[2].reason.contains("@cert-authority") && notes[2].reason.contains("libssh2 1.10"))
        #expect(notes[3].reason == "molt cannot check keys of type 'sk-ssh-ed25519@openssh.com'")
        #expect(notes[4].reason == "unknown marker @bogus")
        #expect(notes[5].reason == "the key is not base64")
        #expect(notes[6].reason == "the key is not a valid 'ssh-ed25519' key (3 bytes)")
        #expect(notes[7].reason == "the key is not a valid 'ssh-ed25519' key (24 bytes)")
    }

    @Test(
        "host patterns match as OpenSSH matches them: lists, globs, negation, any case, [host]:port",
        arguments: [
            ("web1,web2", "web2", true), ("WEB1.Example", "web1.example", true), ("web1", "web10", false),
            ("*.example.com", "a.example.com", true), ("*.example.com", "example.com", false),
            ("*.example.com,!bad.example.com", "bad.example.com", false), ("!web1", "web2", false),
            ("[10.0.0.7]:2222", "[10.0.0.7]:2222", true), ("10.0.0.7", "[10.0.0.7]:2222", false),
            ("[10.0.0.7]:*", "[10.0.0.7]:2222", true), ("web?", "web1", true), ("web?", "web10", false),
            ("*", "anything", true), ("a*b*c", "aXbYYc", true), ("a*b*c", "aXbYYd", false), (",,web1,", "web1", true),
        ])
    func patterns(list: String, name: String, matches: Bool) {
        #expect(KnownHostsFile.patterns(Array(list.utf8), match: name) == matches)
    }

    @Test("a key of the same type that differs is a changed key, naming every line that disagrees")
    func mismatch() {
        let known = file("web1 ssh-ed25519 \(Keys.other)\ndb1 ssh-ed25519 \(Keys.web)\nweb1,web2 ssh-ed25519 \(Keys.other)\n")
        #expect(verdict(known, "web1") == .mismatch(lines: [1, 3]))
    }

    @Test("entries for the host with other key types or unreadable keys are never a first visit")
    func otherEntries() {
        let known = file("web1 ssh-rsa \(Keys.rsa)\nweb1 sk-ssh-ed25519@openssh.com \(Keys.web)\n*.example ssh-ed25519\n")
        #expect(verdict(known, "web1") == .otherEntries(lines: [1, 2]))
        #expect(verdict(known, "db.example") == .otherEntries(lines: [3]))
        #expect(verdict(known, "db1") == .notFound)
    }

    @Test("a key listed as @revoked is refused for any host; @revoked lines do not make a host known")
    func revoked() {
        let known = file("web1 ssh-ed25519 \(Keys.web)\n@revoked * ssh-ed25519 \(Keys.web)\n@revoked * ssh-ed25519 \(Keys.other)\n")
        #expect(verdict(known, "web1") == .revoked(line: 2))
        #expect(verdict(known, "db1", key: Keys.other) == .revoked(line: 3))
        #expect(verdict(known, "db1", key: "AAAAC3NzaC1lZDI1NTE5AAAAIHNvbWV0aGluZy1uZXc=") == .notFound)
    }

    @Test("a host certificate authority for the host makes it known, so accept-new records nothing; molt says it cannot check certificates")
    func certificateAuthority() {
        let known = file("@cert-authority *.example.com ssh-ed25519 \(Keys.other)\n")
        #expect(verdict(known, "web1.example.com") == .certificateAuthorities(lines: [1]))
        #expect(verdict(known, "db1") == .notFound)
    }

    @Test("a host key line for the host verifies it even beside a @cert-authority line")
    func certificateAuthorityBesideHostKey() {
        let known = file("@cert-authority *.example.com ssh-ed25519 \(Keys.other)\nweb1.example.com ssh-ed25519 \(Keys.web)\n")
        #expect(verdict(known, "web1.example.com") == .match)
    }

    @Test("a glob or differently cased entry with the key verifies the host, as in OpenSSH")
    func globMatch() {
        let known = file("*.EXAMPLE.com ssh-ed25519 \(Keys.web)\n")
        #expect(verdict(known, "web1.example.com") == .match)
        #expect(verdict(known, "web1.example.com", key: Keys.other) == .mismatch(lines: [1]))
    }

    @Test("hashed names are compared only through the given HMAC check")
    func hashedDelegated() {
        let known = file("|1|hrT2xls/D2dyl0zq9vTU7uxfJ8w=|9qJZ8LE5tVfOGuQKuKRNBtlhhIE= ssh-ed25519 \(Keys.web)\n")
        #expect(known.verdict(keyType: "ssh-ed25519", key: Array(Keys.web.utf8), name: "web1") { _ in true } == .match)
        #expect(known.verdict(keyType: "ssh-ed25519", key: Array(Keys.web.utf8), name: "web1") { _ in false } == .notFound)
        #expect(known.notes.isEmpty)
    }

    // Found by fuzzing: libssh2 1.10 leaks an HMAC context each time it checks a name against
    // a hash that is not 20 bytes long, so such a line must never reach it.
    @Test(
        "a hashed name OpenSSH could not have written is skipped and never handed to the HMAC check",
        arguments: ["|1|c2FsdA==|aGFzaA==", "|1|hrT2xls/D2dyl0zq9vTU7uxfJ8w=", "|1||", "|1|!!!|9qJZ8LE5tVfOGuQKuKRNBtlhhIE=",
                    "|1|hrT2xls/D2dyl0zq9vTU7uxfJ8w=|9qJZ8LE5tVfOGuQKuKRNBtlhhIE=|x"])
    func unreadableHashedName(hosts: String) {
        let known = file("\(hosts) ssh-ed25519 \(Keys.web)\n")
        var asked = false
        #expect(known.verdict(keyType: "ssh-ed25519", key: Array(Keys.web.utf8), name: "web1") { _ in asked = true; return true } == .notFound)
        #expect(!asked)
        #expect(known.notes.map(\.reason) == ["the hashed host name cannot be read"])
    }
}
