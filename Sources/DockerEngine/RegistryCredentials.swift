import Foundation
import Synchronization

/// The registry credentials of one run, found as the Docker CLI finds them, for the registry
/// of each image pulled and for no other.
///
/// - `MOLT_REGISTRY_AUTH` (JSON `{"username", "password", "serveraddress"}` or
///   `{"identitytoken", "serveraddress"}`, or such JSON already encoded) is sent only to the
///   registry its `serveraddress` names.
/// - Otherwise `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`: the helper that
///   `credHelpers` names for the registry, else the `credsStore` helper, else the `auths` entry.
///   A helper is run as `docker-credential-NAME get`, once per registry per run.
///
/// A file that cannot be read, a helper that is missing, fails or answers nonsense, is a
/// ``RegistryCredentialError`` naming the file, the helper and the registry: never an
/// anonymous pull instead. A helper's "credentials not found" answer is anonymous.
public final class RegistryCredentials: Sendable {
    /// The `config.json` consulted (it may not exist).
    public let configPath: String
    private let config: DockerConfigFile?
    private let explicit: Explicit?
    private let environment: [String: String]
    private let helperTimeout: Duration
    /// One lookup per credential key, shared by every host that pulls from the registry.
    private let lookups = Mutex<[String: Task<RegistryAuth?, any Error>]>([:])

    /// Reads `MOLT_REGISTRY_AUTH` and the configuration file now, so that their mistakes are
    /// reported before anything is done.
    ///
    /// - Parameters:
    ///   - environment: where `MOLT_REGISTRY_AUTH`, `DOCKER_CONFIG` and the `PATH` helpers are
    ///     found on come from; the helpers run with it.
    ///   - homeDirectory: whose `.docker/config.json` is read when `DOCKER_CONFIG` is not set.
    ///   - helperTimeout: how long a helper may take before it is stopped and the lookup fails.
    /// - Throws: ``RegistryCredentialError`` naming the variable or the file.
    public init(environment: [String: String], homeDirectory: String, helperTimeout: Duration = .seconds(30)) throws(RegistryCredentialError) {
        self.environment = environment
        self.helperTimeout = helperTimeout
        configPath = DockerConfigFile.path(environment: environment, homeDirectory: homeDirectory)
        if let value = environment["MOLT_REGISTRY_AUTH"]?.trimmingWhitespace(), !value.isEmpty {
            explicit = try Explicit(value)
        } else {
            explicit = nil
        }
        config = try DockerConfigFile.load(path: configPath)
    }

    /// The credentials to pull `image` with, or `nil` to pull it anonymously.
    ///
    /// - Throws: ``RegistryCredentialError`` when the reference cannot be parsed, or the
    ///   configured way to the credentials fails.
    public func auth(forImage image: String) async throws(RegistryCredentialError) -> RegistryAuth? {
        let reference: ImageReference
        do {
            reference = try ImageReference(image)
        } catch {
            throw RegistryCredentialError(source: "image reference", "\"\(image)\" is not an image reference")
        }
        let key = reference.credentialKey
        let registry = reference.registry
        let task = lookups.withLock { lookups in
            if let running = lookups[key] { return running }
            let task = Task { [self] in try await lookUp(key: key, registry: registry) }
            lookups[key] = task
            return task
        }
        do {
            return try await task.value
        } catch let error as RegistryCredentialError {
            throw error
        } catch {
            throw RegistryCredentialError(source: configPath, registry: registry, "\(error)")
        }
    }

    /// Finds the credentials of every image's registry now, so that a broken helper stops a
    /// run before it touches a host.
    public func check(images: [String]) async throws(RegistryCredentialError) {
        for image in images {
            _ = try await auth(forImage: image)
        }
    }

    // MARK: - Private

    private func lookUp(key: String, registry: String) async throws(RegistryCredentialError) -> RegistryAuth? {
        if let explicit, explicit.registry == registry {
            return explicit.auth
        }
        guard let config else { return nil }
        switch config.source(forKey: key) {
        case .none:
            return nil
        case .helper(let name, let reason):
            let helper = CredentialHelper(name: name, reason: reason, configPath: config.path)
            return try await helper.get(serverAddress: key, registry: registry, environment: environment, timeout: helperTimeout)
        case .auths(let entryKey, let entry):
            return try Self.fromConfigEntry(entry, key: entryKey, serverAddress: key, path: config.path, registry: registry)
        }
    }

    private static func fromConfigEntry(_ entry: JSONValue, key: String, serverAddress: String, path: String, registry: String) throws(RegistryCredentialError) -> RegistryAuth? {
        if let token = entry.optionalString("identitytoken") {
            return RegistryAuth(identityToken: token, serverAddress: serverAddress)
        }
        if let encoded = entry.optionalString("auth") {
            guard let decoded = RegistryAuth.decodeBase64(encoded), let colon = decoded.firstIndex(of: ":") else {
                throw RegistryCredentialError(source: path, registry: registry, "the \"auth\" of \"\(key)\" is not base64 of user:password")
            }
            return RegistryAuth(
                username: String(decoded[..<colon]),
                password: String(decoded[decoded.index(after: colon)...]),
                serverAddress: serverAddress
            )
        }
        if let username = entry.optionalString("username"), let password = entry.optionalString("password") {
            return RegistryAuth(username: username, password: password, serverAddress: serverAddress)
        }
        // An empty entry is what `docker login` leaves when a credential store holds the secret.
        return nil
    }

    /// `MOLT_REGISTRY_AUTH` and the one registry it is for.
    private struct Explicit: Sendable {
        var auth: RegistryAuth
        var registry: String

        static let example = #"{"username":"USER","password":"PASSWORD","serveraddress":"REGISTRY"}"#

        init(_ value: String) throws(RegistryCredentialError) {
            if value.hasPrefix("{") {
                let document: JSONValue
                do {
                    document = try JSONValue(json: Array(value.utf8))
                } catch {
                    throw RegistryCredentialError(source: "MOLT_REGISTRY_AUTH", "is not valid JSON: \(JSONCoding.describe(error)); give \(Self.example)")
                }
                guard let server = document.optionalString("serveraddress") else {
                    throw RegistryCredentialError(source: "MOLT_REGISTRY_AUTH", "has no \"serveraddress\": molt sends credentials only to the registry they name; give \(Self.example)")
                }
                if let token = document.optionalString("identitytoken") {
                    auth = RegistryAuth(identityToken: token, serverAddress: server)
                } else if let username = document.optionalString("username"), let password = document["password"]?.stringValue {
                    auth = RegistryAuth(username: username, password: password, serverAddress: server)
                } else {
                    throw RegistryCredentialError(source: "MOLT_REGISTRY_AUTH", registry: server, "needs \"username\" and \"password\" (or \"identitytoken\"); give \(Self.example)")
                }
                registry = RegistryAddress.registry(ofServerAddress: server)
            } else {
                let encoded = RegistryAuth(headerValue: value)
                guard let server = encoded.document?.optionalString("serveraddress") else {
                    throw RegistryCredentialError(source: "MOLT_REGISTRY_AUTH", "is an encoded value with no \"serveraddress\" in it, so the registry it is for is unknown and molt would not know where it may be sent; give it as JSON instead: \(Self.example)")
                }
                auth = RegistryAuth(headerValue: value, username: encoded.document?.optionalString("username"), serverAddress: server)
                registry = RegistryAddress.registry(ofServerAddress: server)
            }
        }
    }
}
