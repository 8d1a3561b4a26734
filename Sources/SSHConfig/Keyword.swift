/// Every keyword OpenSSH 9.2 (as Debian 12 builds it) knows, and what molt does with it.
///
/// A keyword missing from this table is unknown: an error, as it is to `ssh`, unless
/// `IgnoreUnknown` covers it.
enum Keyword {
    /// The settings molt resolves.
    enum Setting: Sendable {
        case host, match, include, ignoreUnknown
        case hostName, user, port, identityFile, identitiesOnly, identityAgent
        case proxyJump, proxyCommand, userKnownHostsFile, globalKnownHostsFile
        case strictHostKeyChecking, connectTimeout, serverAliveInterval, serverAliveCountMax, hostKeyAlias
    }

    /// What molt does with a keyword.
    enum Rule: Sendable {
        /// Resolved into ``ResolvedHost``.
        case honoured(Setting)
        /// Read and checked for its number of arguments, never warned about: it changes nothing
        /// molt does (logging, terminals, X11, environment sent to shells molt never opens).
        case harmless(maxArguments: Int?)
        /// Changes how OpenSSH would connect and molt does not do it: a warning naming the host,
        /// the option and file:line, unless its first value (lowercased) is one of
        /// `harmlessValues`, i.e. it asks for what molt does anyway.
        case unhonoured(harmlessValues: Set<String>, consequence: String, maxArguments: Int?)
        /// Deprecated or compiled out: OpenSSH ignores it too.
        case ignored
    }

    /// The rule for a lowercased keyword, or nil if OpenSSH does not know it.
    static func rule(for keyword: String) -> Rule? { table[keyword] }

    private static let off: Set<String> = ["no", "false", "off"]

    private static func unhonoured(_ consequence: String, harmless: Set<String> = [], maxArguments: Int? = 1) -> Rule {
        .unhonoured(harmlessValues: harmless, consequence: consequence, maxArguments: maxArguments)
    }

    private static let algorithms = "libssh2 chooses the algorithms itself"

    private static let table: [String: Rule] = [
        // Resolved.
        "host": .honoured(.host),
        "match": .honoured(.match),
        "include": .honoured(.include),
        "ignoreunknown": .honoured(.ignoreUnknown),
        "hostname": .honoured(.hostName),
        "user": .honoured(.user),
        "port": .honoured(.port),
        "identityfile": .honoured(.identityFile),
        "identityfile2": .honoured(.identityFile),
        "identitiesonly": .honoured(.identitiesOnly),
        "identityagent": .honoured(.identityAgent),
        "proxyjump": .honoured(.proxyJump),
        "proxycommand": .honoured(.proxyCommand),
        "userknownhostsfile": .honoured(.userKnownHostsFile),
        "globalknownhostsfile": .honoured(.globalKnownHostsFile),
        "stricthostkeychecking": .honoured(.strictHostKeyChecking),
        "connecttimeout": .honoured(.connectTimeout),
        "serveraliveinterval": .honoured(.serverAliveInterval),
        // Debian's names for ServerAliveInterval.
        "protocolkeepalives": .honoured(.serverAliveInterval),
        "setuptimeout": .honoured(.serverAliveInterval),
        "serveralivecountmax": .honoured(.serverAliveCountMax),
        "hostkeyalias": .honoured(.hostKeyAlias),

        // Deprecated and unsupported: OpenSSH ignores these as well.
        "protocol": .ignored, "cipher": .ignored, "fallbacktorsh": .ignored,
        "globalknownhostsfile2": .ignored, "rhostsauthentication": .ignored,
        "userknownhostsfile2": .ignored, "useroaming": .ignored, "usersh": .ignored,
        "useprivilegedport": .ignored, "afstokenpassing": .ignored,
        "kerberosauthentication": .ignored, "kerberostgtpassing": .ignored,
        "rsaauthentication": .ignored, "rhostsrsaauthentication": .ignored,
        "compressionlevel": .ignored,

        // Harmless: nothing molt does changes with these.
        "compression": .harmless(maxArguments: 1),
        "loglevel": .harmless(maxArguments: 1),
        "logverbose": .harmless(maxArguments: nil),
        "syslogfacility": .harmless(maxArguments: 1),
        "hashknownhosts": .harmless(maxArguments: 1),
        "addkeystoagent": .harmless(maxArguments: 2),
        "visualhostkey": .harmless(maxArguments: 1),
        "batchmode": .harmless(maxArguments: 1),
        "escapechar": .harmless(maxArguments: 1),
        "requesttty": .harmless(maxArguments: 1),
        "sessiontype": .harmless(maxArguments: 1),
        "stdinnull": .harmless(maxArguments: 1),
        "forkafterauthentication": .harmless(maxArguments: 1),
        "remotecommand": .harmless(maxArguments: nil),
        "localcommand": .harmless(maxArguments: nil),
        "permitlocalcommand": .harmless(maxArguments: 1),
        "sendenv": .harmless(maxArguments: nil),
        "setenv": .harmless(maxArguments: nil),
        "forwardx11": .harmless(maxArguments: 1),
        "forwardx11trusted": .harmless(maxArguments: 1),
        "forwardx11timeout": .harmless(maxArguments: 1),
        "xauthlocation": .harmless(maxArguments: 1),
        "exitonforwardfailure": .harmless(maxArguments: 1),
        "clearallforwardings": .harmless(maxArguments: 1),
        "gatewayports": .harmless(maxArguments: 1),
        "permitremoteopen": .harmless(maxArguments: nil),
        "streamlocalbindmask": .harmless(maxArguments: 1),
        "streamlocalbindunlink": .harmless(maxArguments: 1),
        "tunnel": .harmless(maxArguments: 1),
        "tunneldevice": .harmless(maxArguments: 1),
        "ipqos": .harmless(maxArguments: 2),
        "rekeylimit": .harmless(maxArguments: 2),
        "tcpkeepalive": .harmless(maxArguments: 1),
        "keepalive": .harmless(maxArguments: 1),
        "connectionattempts": .harmless(maxArguments: 1),
        "numberofpasswordprompts": .harmless(maxArguments: 1),
        "passwordauthentication": .harmless(maxArguments: 1),
        "kbdinteractiveauthentication": .harmless(maxArguments: 1),
        "challengeresponseauthentication": .harmless(maxArguments: 1),
        "skeyauthentication": .harmless(maxArguments: 1),
        "tisauthentication": .harmless(maxArguments: 1),
        "kbdinteractivedevices": .harmless(maxArguments: 1),
        "preferredauthentications": .harmless(maxArguments: 1),
        "fingerprinthash": .harmless(maxArguments: 1),
        "updatehostkeys": .harmless(maxArguments: 1),
        "enableescapecommandline": .harmless(maxArguments: 1),
        "enablesshkeysign": .harmless(maxArguments: 1),
        // molt is stricter than these ask for: it checks every key against known_hosts.
        "checkhostip": .harmless(maxArguments: 1),
        "verifyhostkeydns": .harmless(maxArguments: 1),
        "nohostauthenticationforlocalhost": .harmless(maxArguments: 1),
        // Only meaningful together with CanonicalizeHostname, which is warned about.
        "canonicaldomains": .harmless(maxArguments: nil),
        "canonicalizefallbacklocal": .harmless(maxArguments: 1),
        "canonicalizemaxdots": .harmless(maxArguments: 1),
        "canonicalizepermittedcnames": .harmless(maxArguments: nil),
        // Only meaningful together with ControlMaster, which is warned about.
        "controlpersist": .harmless(maxArguments: 1),
        // Kerberos: molt never authenticates with GSSAPI; a host that needs it fails to
        // authenticate with its own error. Debian's /etc/ssh/ssh_config turns this on for all.
        "gssapiauthentication": .harmless(maxArguments: 1),
        "gssapidelegatecredentials": .harmless(maxArguments: 1),
        "gssapikeyexchange": .harmless(maxArguments: 1),
        "gssapitrustdns": .harmless(maxArguments: 1),
        "gssapiclientidentity": .harmless(maxArguments: 1),
        "gssapiserveridentity": .harmless(maxArguments: 1),
        "gssapirenewalforcesrekey": .harmless(maxArguments: 1),
        "gssapikexalgorithms": .harmless(maxArguments: 1),
        // macOS's OpenSSH knows this one; molt reads keys from the agent or the file instead.
        "usekeychain": .harmless(maxArguments: 1),

        // Not honoured: warned about unless set to what molt does anyway.
        "controlmaster": unhonoured("molt opens its own connection and never shares one through a control socket", harmless: off),
        "controlpath": unhonoured("molt opens its own connection and never uses a control socket", harmless: ["none"]),
        "forwardagent": unhonoured("molt does not forward the agent", harmless: off),
        "ciphers": unhonoured(algorithms),
        "macs": unhonoured(algorithms),
        "kexalgorithms": unhonoured(algorithms),
        "hostkeyalgorithms": unhonoured(algorithms),
        "pubkeyacceptedalgorithms": unhonoured(algorithms),
        "pubkeyacceptedkeytypes": unhonoured(algorithms),
        "hostbasedacceptedalgorithms": unhonoured(algorithms),
        "hostbasedkeytypes": unhonoured(algorithms),
        "casignaturealgorithms": unhonoured(algorithms),
        "requiredrsasize": unhonoured("libssh2 applies its own limit on RSA key sizes"),
        "certificatefile": unhonoured("molt does not offer certificates; it authenticates with the plain keys"),
        "pkcs11provider": unhonoured("molt does not use PKCS#11 tokens"),
        "smartcarddevice": unhonoured("molt does not use smartcards"),
        "securitykeyprovider": unhonoured("molt does not use FIDO security keys", harmless: ["internal"]),
        "knownhostscommand": unhonoured("molt reads known_hosts files only and does not run the command", maxArguments: nil),
        "revokedhostkeys": unhonoured("molt does not read this revocation list (it honours @revoked lines in known_hosts)", harmless: ["none"]),
        "hostbasedauthentication": unhonoured("molt does not use host-based authentication", harmless: off),
        "pubkeyauthentication": unhonoured("molt authenticates with public keys anyway", harmless: ["yes", "true", "unbound", "host-bound"]),
        "addressfamily": unhonoured("molt connects to whichever address the name resolves to first", harmless: ["any"]),
        "bindaddress": unhonoured("molt does not bind the local end of the connection"),
        "bindinterface": unhonoured("molt does not bind the local end of the connection"),
        "canonicalizehostname": unhonoured("molt does not canonicalise host names", harmless: off),
        "localforward": unhonoured("molt opens no port forwardings", maxArguments: 2),
        "remoteforward": unhonoured("molt opens no port forwardings", maxArguments: 2),
        "dynamicforward": unhonoured("molt opens no port forwardings"),
        "proxyusefdpass": unhonoured("molt talks to the ProxyCommand over its standard input and output", harmless: off),
    ]
}
