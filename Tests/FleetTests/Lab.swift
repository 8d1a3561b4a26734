import Fleet
import Foundation
import Inventory
import MoltTestSupport
import SSH

/// The running lab fleet (`scripts/lab up`), as the integration tests see it.
///
/// Paths come from the `MOLT_LAB_*` variables that `scripts/lab env` prints, else the lab's
/// defaults. A missing lab is a loud failure, never a skipped test.
struct Lab {
    let directory: String
    let inventoryPath: String
    let key: String
    let knownHosts: String
    let inventory: Inventory
    /// The registry without a login, `10.247.213.2:5000`.
    var registry = "10.247.213.2:5000"
    /// The registry with a login (htpasswd), holding the same images: `10.247.213.2:5001`.
    var authRegistry = "10.247.213.2:5001"
    var authRegistryUser = "molt-lab"
    var authRegistryPasswordFile = "/var/lib/molt-lab/registry-auth/password"
    /// The registry with a login's log: a line per request answered.
    var authRegistryLog = "/var/lib/molt-lab/registry-auth/registry.log"
    /// This machine's address on the lab network.
    var gateway = "10.247.213.1"
    /// The lab's Prometheus-shaped metric source (`scripts/lab metrics set NAME VALUE`).
    var metrics = "http://10.247.213.1:9090"
    /// Its log: a line per request answered.
    var metricsLog = "/var/lib/molt-lab/metrics/requests.log"

    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().path

    static func current() throws -> Lab {
        let environment = ProcessInfo.processInfo.environment
        let directory = environment["MOLT_LAB_DIR"] ?? "/var/lib/molt-lab"
        let inventoryPath = environment["MOLT_LAB_INVENTORY"] ?? "\(directory)/inventory.yml"
        guard FileManager.default.fileExists(atPath: inventoryPath) else {
            throw LabMissing(message: "the lab fleet is not up (no \(inventoryPath)): run `sudo scripts/lab up 4` first")
        }
        var lab = Lab(
            directory: directory,
            inventoryPath: inventoryPath,
            key: environment["MOLT_LAB_KEY"] ?? "\(directory)/client/id_ed25519",
            knownHosts: environment["MOLT_LAB_KNOWN_HOSTS"] ?? "\(directory)/client/known_hosts",
            inventory: try Inventory.load(path: inventoryPath)
        )
        lab.registry = environment["MOLT_LAB_REGISTRY"] ?? lab.registry
        lab.authRegistry = environment["MOLT_LAB_AUTH_REGISTRY"] ?? lab.authRegistry
        lab.authRegistryUser = environment["MOLT_LAB_AUTH_REGISTRY_USER"] ?? lab.authRegistryUser
        lab.authRegistryPasswordFile = environment["MOLT_LAB_AUTH_REGISTRY_PASSWORD_FILE"] ?? "\(directory)/registry-auth/password"
        lab.authRegistryLog = environment["MOLT_LAB_AUTH_REGISTRY_LOG"] ?? "\(directory)/registry-auth/registry.log"
        lab.gateway = environment["MOLT_LAB_GATEWAY"] ?? lab.gateway
        lab.metrics = environment["MOLT_LAB_METRICS"] ?? lab.metrics
        lab.metricsLog = environment["MOLT_LAB_METRICS_LOG"] ?? "\(directory)/metrics/requests.log"
        return lab
    }

    /// The password of the registry with a login.
    func authRegistryPassword() throws -> String {
        guard let text = try? String(contentsOfFile: authRegistryPasswordFile, encoding: .utf8),
              !text.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty else {
            throw LabMissing(message: "no password in \(authRegistryPasswordFile): bring the lab up with this checkout's scripts/lab")
        }
        return text.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// How many requests the registry with a login has answered with 200: every one of them
    /// authenticated, as its only user (it refuses anything else with 401).
    func authRegistryAuthorizedRequests() throws -> Int {
        let text = try String(contentsOfFile: authRegistryLog, encoding: .utf8)
        return text.split(separator: "\n").filter { $0.contains("http.response.status=200") }.count
    }

    var hosts: [InventoryHost] { inventory.hosts }

    func host(_ name: String) throws -> InventoryHost {
        guard let host = inventory.host(named: name) else { throw LabMissing(message: "the lab has no host \(name)") }
        return host
    }

    /// Settings as a test wants them: the lab's client files, a short connect timeout.
    func settings(connectTimeout: Duration = .seconds(5)) -> ConnectionSettings {
        ConnectionSettings(defaultUser: "molt-lab", homeDirectory: NSTemporaryDirectory(), connectTimeout: connectTimeout)
    }

    func endpoint(_ name: String, port: Int? = nil, knownHosts: String? = nil, identity: String? = nil) throws -> SSHEndpoint {
        var endpoint = try settings().endpoint(for: try host(name))
        if let port { endpoint.port = port }
        if let knownHosts { endpoint.knownHostsFiles = [knownHosts] }
        if let identity { endpoint.identityFiles = [identity] }
        return endpoint
    }

    /// Runs `scripts/lab ARGS` (unplug, plug, stop-docker, start-docker …) and waits for it.
    func script(_ arguments: String...) async throws {
        try await script(arguments)
    }

    /// `scripts/lab ARGUMENTS`; a failure throws with its error output.
    func script(_ arguments: [String]) async throws {
        let result = try await Shell.run(["\(Lab.repository)/scripts/lab"] + arguments)
        guard result.status == 0 else {
            throw LabMissing(message: "scripts/lab \(arguments.joined(separator: " ")) failed: \(result.stderr)")
        }
    }
}

struct LabMissing: Error, CustomStringConvertible {
    var message: String
    var description: String { message }
}

/// Runs programs to completion, collecting their output.
enum Shell {
    typealias Result = ChildProcess.Result

    /// Runs a program on a thread of its own: waiting for it must not hold one of the few
    /// threads every test's async work shares (that starves timing-sensitive tests).
    static func run(_ arguments: [String], environment: [String: String]? = nil) async throws -> Result {
        try await ChildProcess.run(arguments, environment: environment)
    }

    /// The `molt` executable built beside the test bundle.
    static var molt: String { ChildProcess.builtMolt(repository: Lab.repository) }

    /// The environment `molt` runs in from tests: no MOLT_INVENTORY, no agent.
    static var cleanEnvironment: [String: String] {
        var environment = ProcessInfo.processInfo.environment
        for name in ["MOLT_INVENTORY", "MOLT_JOURNAL", "SSH_AUTH_SOCK", "PGPASSWORD", "PGPASSFILE"] { environment[name] = nil }
        return environment
    }

    /// Runs `molt ARGS` with a clean environment.
    static func molt(_ arguments: String...) async throws -> Result {
        try await run([molt] + arguments, environment: cleanEnvironment)
    }
}
