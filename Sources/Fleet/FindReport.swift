public import JSONShape

/// What `molt find` found: the matching containers across the fleet, and the hosts or
/// containers that could not be searched. Encodes to the JSON document of SPEC §5.
public struct FindReport: Sendable, Encodable {
    public var matches: [FindMatch]
    /// Hosts (or single containers) that could not be searched, so "no match" is never
    /// mistaken for "not looked at".
    public var errors: [FindProblem]
    /// How many hosts were searched successfully.
    public var hostsSearched: Int

    public init(matches: [FindMatch], errors: [FindProblem], hostsSearched: Int) {
        self.matches = matches
        self.errors = errors
        self.hostsSearched = hostsSearched
    }

    enum CodingKeys: String, CodingKey {
        case matches, errors
        case hostsSearched = "hosts_searched"
    }
}

/// One container that matched.
public struct FindMatch: Sendable, Encodable, Hashable {
    public var host: String
    public var container: String
    public var image: String
    public var state: String
    /// The package asked for, when searching by package.
    @NullWhenNil public var package: String?
    /// Its installed version in this container.
    @NullWhenNil public var version: String?

    public init(host: String, container: String, image: String, state: String, package: String? = nil, version: String? = nil) {
        self.host = host
        self.container = container
        self.image = image
        self.state = state
        self.package = package
        self.version = version
    }

    enum CodingKeys: String, CodingKey {
        case host, container, image, state, package, version
    }
}

/// A host or container `find` could not search.
public struct FindProblem: Error, Sendable, Encodable, Hashable {
    public var host: String
    /// The container, when only that container could not be searched.
    public var container: String?
    public var error: String

    public init(host: String, container: String? = nil, error: String) {
        self.host = host
        self.container = container
        self.error = error
    }

    /// True when the whole host was lost, not just one container.
    public var isHostLevel: Bool { container == nil }
}
