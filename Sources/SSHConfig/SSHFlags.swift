/// The flags of OpenSSH 9.2's `ssh` command line (`getopt` string
/// `1246ab:c:e:fgi:kl:m:no:p:qstvxAB:CD:E:F:GI:J:KL:MNO:P:Q:R:S:TVw:W:XYy`), read from Ansible's
/// argument variables: bundled (`-vA`), joined (`-p22`, `-oUser=x`) or separate values.
enum SSHFlags {
    /// Flags that take a value.
    private static let withValue: Set<Character> = ["b", "c", "e", "i", "l", "m", "o", "p", "B", "D", "E", "F", "I", "J", "L", "O", "P", "Q", "R", "S", "w", "W"]
    /// Flags that change nothing molt does: verbosity, terminals, X11, compression, GSSAPI,
    /// logging, backgrounding, the escape character, tags.
    private static let harmless: Set<Character> = [
        "1", "2", "v", "q", "C", "T", "t", "n", "N", "x", "X", "Y", "a", "k", "K", "g", "s", "y", "f", "e", "E", "P", "w",
    ]
    /// What molt does not do, for the flags that warrant a warning.
    private static let unhonoured: [Character: String] = [
        "A": "molt does not forward the agent",
        "4": "molt connects to whichever address the name resolves to first",
        "6": "molt connects to whichever address the name resolves to first",
        "M": "molt opens its own connection and never shares one through a control socket",
        "S": "molt opens its own connection and never uses a control socket",
        "O": "molt does not send control commands",
        "c": "libssh2 chooses the ciphers itself",
        "m": "libssh2 chooses the MACs itself",
        "b": "molt does not bind the local end of the connection",
        "B": "molt does not bind the local end of the connection",
        "D": "molt opens no port forwardings",
        "L": "molt opens no port forwardings",
        "R": "molt opens no port forwardings",
        "W": "molt forwards nothing itself",
        "I": "molt does not use PKCS#11 tokens",
        "G": "molt connects rather than printing the configuration",
        "V": "molt connects rather than printing the version",
        "Q": "molt connects rather than answering queries",
    ]

    static func read(_ words: [String], host: String, source: ConfigLocation, into commandLine: inout SSHCommandLine) throws(SSHConfigError) {
        var index = 0
        while index < words.count {
            let word = words[index]
            index += 1
            guard word.hasPrefix("-"), word.count > 1 else {
                commandLine.warnings.append(
                    SSHConfigWarning(
                        host: host, option: word, location: source,
                        message: "molt ignores '\(word)': it is not an ssh option (ssh would take it for the destination or the command)"))
                continue
            }
            if word == "--" {
                commandLine.warnings.append(
                    SSHConfigWarning(host: host, option: word, location: source, message: "molt ignores '--' and everything after it"))
                return
            }
            var flags = Substring(word.dropFirst())
            while let flag = flags.first {
                flags = flags.dropFirst()
                if withValue.contains(flag) {
                    let value: String
                    if !flags.isEmpty {
                        value = String(flags)
                    } else if index < words.count {
                        value = words[index]
                        index += 1
                    } else {
                        throw SSHConfigError(location: source, code: .invalidArgument, message: "ssh option -\(flag) needs a value")
                    }
                    try take(flag, value: value, host: host, source: source, into: &commandLine)
                    break
                }
                try take(flag, value: nil, host: host, source: source, into: &commandLine)
            }
        }
    }

    private static func take(_ flag: Character, value: String?, host: String, source: ConfigLocation, into commandLine: inout SSHCommandLine) throws(SSHConfigError) {
        switch flag {
        case "o": commandLine.options.append(SSHOption(.option(value ?? ""), source: source))
        case "p": commandLine.options.append(SSHOption(.port(value ?? ""), source: source))
        case "l": commandLine.options.append(SSHOption(.user(value ?? ""), source: source))
        case "i": commandLine.options.append(SSHOption(.identityFile(value ?? ""), source: source))
        case "J": commandLine.options.append(SSHOption(.jump(value ?? ""), source: source))
        case "F": commandLine.options.append(SSHOption(.configFile(value ?? ""), source: source))
        default:
            if harmless.contains(flag) { return }
            let written = "-\(flag)" + (value.map { " \($0)" } ?? "")
            guard let consequence = unhonoured[flag] else {
                throw SSHConfigError(location: source, code: .invalidArgument, message: "unknown ssh option -\(flag)")
            }
            commandLine.warnings.append(
                SSHConfigWarning(host: host, option: "-\(flag)", location: source, message: "molt does not honour ssh option \(written); \(consequence)"))
        }
    }
}
