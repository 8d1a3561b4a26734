/// Registry credentials that could not be found out: a `config.json` that cannot be read, a
/// credential helper that is missing or failed, a `MOLT_REGISTRY_AUTH` that names no registry.
///
/// Never a reason to pull anonymously instead: the operator meant to log in, and an anonymous
/// pull would fail later, further from the cause, or pull something else.
public struct RegistryCredentialError: Error, CustomStringConvertible, Sendable, Equatable {
    /// Where the problem is: the file, the helper program or the variable.
    public var source: String
    /// The registry whose credentials were wanted, when known.
    public var registry: String?
    /// What went wrong and what to do, in words.
    public var message: String

    /// An error of `source`, for `registry`.
    public init(source: String, registry: String? = nil, _ message: String) {
        self.source = source
        self.registry = registry
        self.message = message
    }

    public var description: String {
        "registry credentials" + (registry.map { " for \($0)" } ?? "") + ": \(source): \(message)"
    }
}
