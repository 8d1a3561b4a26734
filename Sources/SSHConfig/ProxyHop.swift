/// One jump host of a `ProxyJump` chain, as written: the coordinator resolves `host` through the
/// configuration again, as OpenSSH does when it runs `ssh -W` to each hop.
public struct ProxyHop: Sendable, Hashable, CustomStringConvertible {
    /// The login user on the hop, when the hop names one.
    public var user: String?
    /// The hop's name or address (brackets of an IPv6 address removed).
    public var host: String
    /// The hop's port, when the hop names one.
    public var port: Int?

    /// Creates a hop.
    public init(user: String? = nil, host: String, port: Int? = nil) {
        self.user = user
        self.host = host
        self.port = port
    }

    /// `[user@]host[:port]`, with an address in brackets when it has a colon.
    public var description: String {
        let name = host.contains(":") ? "[\(host)]" : host
        return (user.map { "\($0)@" } ?? "") + name + (port.map { ":\($0)" } ?? "")
    }
}
