import DockerEngine
import Foundation
import Inventory
import MoltNames
import Packages

/// `molt find`: containers across the fleet by image, or by a package installed in them.
///
/// Packages are read from each container's own database (dpkg status, dpkg status.d, apk
/// installed) through the archive API, which works on stopped containers too.
public struct FindAction: Sendable {
    /// What to look for.
    public struct Query: Sendable {
        /// A glob over the container's image reference (`*/web:1.*`).
        public var imageGlob: String?
        /// An installed package name.
        public var package: String?
        /// Only versions of `package` strictly below these bounds.
        public var below: VersionBounds?
        /// Include retained, trial and lock containers (`NAME.molt-prev` …).
        public var all: Bool

        public init(imageGlob: String? = nil, package: String? = nil, below: VersionBounds? = nil, all: Bool = false) {
            self.imageGlob = imageGlob
            self.package = package
            self.below = below
            self.all = all
        }

        /// A query with `--below` given as text (`3.0.12`, `dpkg:V,apk:V`).
        public init(imageGlob: String? = nil, package: String? = nil, below: String, all: Bool = false) throws(VersionBoundError) {
            self.init(imageGlob: imageGlob, package: package, below: try VersionBounds([below]), all: all)
        }
    }

    public var fleet: Fleet
    public var query: Query
    /// Containers searched at once on one host.
    public var containersInParallel: Int = 4

    public init(fleet: Fleet, query: Query) {
        self.fleet = fleet
        self.query = query
    }

    public func perform() async -> FindReport {
        let query = self.query
        let width = containersInParallel
        let outcomes = await fleet.visit { connection in
            try await Self.search(connection, query: query, width: width)
        }
        var matches: [FindMatch] = []
        var problems: [FindProblem] = []
        var searched = 0
        for outcome in outcomes {
            switch outcome.result {
            case .success(let (found, trouble)):
                searched += 1
                matches += found
                problems += trouble
            case .failure(let failure):
                problems.append(FindProblem(host: outcome.host.name, error: failure.message))
            }
        }
        return FindReport(matches: matches, errors: problems, hostsSearched: searched)
    }

    /// True for the containers molt makes besides the live one: retained, trial, next, lock.
    public static func isMoltInternal(_ name: String) -> Bool {
        ContainerNames.isMoltCopy(name)
    }

    static func search(_ connection: HostConnection, query: Query, width: Int) async throws -> ([FindMatch], [FindProblem]) {
        let hostName = connection.host.name
        let candidates = try await connection.docker.listContainers(all: true)
            .filter { query.all || !isMoltInternal($0.name) }
            .filter { summary in query.imageGlob.map { glob($0, matches: summary.image) } ?? true }
            .sorted { $0.name < $1.name }

        guard let package = query.package else {
            return (candidates.map { FindMatch(host: hostName, container: $0.name, image: $0.image, state: $0.state) }, [])
        }

        let results = await concurrentMap(candidates, limit: width) { summary -> Result<[FindMatch], FindProblem> in
            do {
                let installed = try await installedPackages(named: package, in: summary.id, docker: connection.docker)
                return .success(try installed.filter { try query.below?.admits($0) ?? true }.map {
                    FindMatch(host: hostName, container: summary.name, image: summary.image, state: summary.state,
                              package: $0.name, version: $0.version)
                })
            } catch {
                return .failure(FindProblem(host: hostName, container: summary.name, error: ErrorText.oneLine(error)))
            }
        }
        var matches: [FindMatch] = []
        var problems: [FindProblem] = []
        for result in results {
            switch result {
            case .success(let found): matches += found
            case .failure(let problem): problems.append(problem)
            }
        }
        return (matches, problems)
    }

    /// Every installed package called `name` in the container, from each database it has.
    static func installedPackages(named name: String, in container: String, docker: DockerClient) async throws -> [InstalledPackage] {
        try await docker.installedPackages(in: container).filter { $0.name == name }
    }

    static func glob(_ pattern: String, matches text: String) -> Bool {
        fnmatch(pattern, text, 0) == 0
    }
}
