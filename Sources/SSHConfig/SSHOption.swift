/// One option of an `ssh` command line, as Ansible builds it and OpenSSH reads it: every `-o`
/// before any configuration file, first value winning.
public struct SSHOption: Sendable, Hashable {
    /// Which flag it is and its argument.
    public enum Kind: Sendable, Hashable {
        /// `-o 'Keyword value'` (or `Keyword=value`): a configuration line.
        case option(String)
        /// `-p PORT`.
        case port(String)
        /// `-l USER`.
        case user(String)
        /// `-i FILE`: an identity file, tried before the configuration's.
        case identityFile(String)
        /// `-J [user@]host[:port],…`: jump hosts.
        case jump(String)
        /// `-F FILE`: the configuration file instead of `~/.ssh/config` (the last one wins).
        case configFile(String)
    }

    /// The flag and its argument.
    public var kind: Kind
    /// Where it came from, for messages: `ansible_ssh_common_args`, or the file and line of the
    /// inventory variable when known.
    public var source: ConfigLocation

    /// Creates an option.
    public init(_ kind: Kind, source: ConfigLocation) {
        self.kind = kind
        self.source = source
    }

    /// `-o 'Keyword value'` from `source`.
    public static func option(_ line: String, source: ConfigLocation) -> SSHOption {
        SSHOption(.option(line), source: source)
    }
}
