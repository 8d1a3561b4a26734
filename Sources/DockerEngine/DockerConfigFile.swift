import Foundation

/// The credential parts of the Docker CLI's `config.json`: `auths`, `credHelpers` and
/// `credsStore`, read and checked once, so that a broken file is an error before any host is
/// touched.
struct DockerConfigFile: Sendable {
    /// The file read.
    var path: String
    /// `auths`: credentials by server address (a URL or a bare host).
    var auths: [String: JSONValue] = [:]
    /// `credHelpers`: the helper (`NAME` of `docker-credential-NAME`) for each registry.
    var credentialHelpers: [String: String] = [:]
    /// `credsStore`: the helper for every registry `credHelpers` does not name.
    var credentialsStore: String?

    /// The file of `environment`'s `DOCKER_CONFIG` directory, else `~/.docker/config.json`.
    static func path(environment: [String: String], homeDirectory: String) -> String {
        let directory = environment["DOCKER_CONFIG"].flatMap { $0.isEmpty ? nil : $0 } ?? homeDirectory + "/.docker"
        return directory + "/config.json"
    }

    /// Reads the file at `path`; `nil` when there is none (the CLI then has no credentials).
    static func load(path: String) throws(RegistryCredentialError) -> DockerConfigFile? {
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        guard let data = FileManager.default.contents(atPath: path) else {
            throw RegistryCredentialError(source: path, "cannot be read (check its permissions)")
        }
        return try parse(Array(data), path: path)
    }

    /// Parses the text of a `config.json`. An empty file is no configuration, as for the CLI.
    static func parse(_ bytes: [UInt8], path: String) throws(RegistryCredentialError) -> DockerConfigFile {
        var config = DockerConfigFile(path: path)
        guard bytes.contains(where: { !($0 == 0x20 || $0 == 0x0A || $0 == 0x0D || $0 == 0x09) }) else { return config }
        let document: JSONValue
        do {
            document = try JSONValue(json: bytes)
        } catch {
            throw RegistryCredentialError(source: path, "is not valid JSON: \(JSONCoding.describe(error)); fix it or move it away")
        }
        guard document.objectValue != nil else {
            throw RegistryCredentialError(source: path, "is not a JSON object")
        }
        if let auths = document["auths"], !auths.isNull {
            guard let entries = auths.objectValue else {
                throw RegistryCredentialError(source: path, "\"auths\" is not an object of server addresses")
            }
            for (key, entry) in entries where entry.objectValue == nil && !entry.isNull {
                throw RegistryCredentialError(source: path, registry: key, "the \"auths\" entry of \"\(key)\" is not an object")
            }
            config.auths = entries
        }
        if let helpers = document["credHelpers"], !helpers.isNull {
            guard let entries = helpers.objectValue else {
                throw RegistryCredentialError(source: path, "\"credHelpers\" is not an object of registry: helper name")
            }
            for (registry, helper) in entries {
                guard let name = helper.stringValue, Self.isHelperName(name) else {
                    throw RegistryCredentialError(source: path, registry: registry, "the credHelpers entry of \"\(registry)\" is not a helper name (NAME of docker-credential-NAME)")
                }
                config.credentialHelpers[registry] = name
            }
        }
        if let store = document["credsStore"], !store.isNull {
            guard let name = store.stringValue, name.isEmpty || Self.isHelperName(name) else {
                throw RegistryCredentialError(source: path, "\"credsStore\" is not a helper name (NAME of docker-credential-NAME)")
            }
            config.credentialsStore = name.isEmpty ? nil : name
        }
        return config
    }

    /// What the file says for `key` (``ImageReference/credentialKey``): the helper to ask, or
    /// the `auths` entry. A helper for the registry wins over `credsStore`, which wins over
    /// `auths`, as in the CLI (whose credential store, once set, holds every login).
    func source(forKey key: String) -> Source {
        if let helper = Self.entry(credentialHelpers, forKey: key) { return .helper(helper.value, reason: "credHelpers \"\(helper.key)\"") }
        if let store = credentialsStore { return .helper(store, reason: "credsStore") }
        if let entry = Self.entry(auths, forKey: key) { return .auths(key: entry.key, entry: entry.value) }
        return .none
    }

    /// Where a registry's credentials come from.
    enum Source: Equatable {
        case none
        case helper(String, reason: String)
        case auths(key: String, entry: JSONValue)
    }

    /// The entry filed under `key` exactly, else under another address of the same registry
    /// (`https://reg:5000` for `reg:5000`), as the CLI's file store looks entries up.
    private static func entry<Value>(_ entries: [String: Value], forKey key: String) -> (key: String, value: Value)? {
        if let exact = entries[key] { return (key, exact) }
        let registry = RegistryAddress.registry(ofServerAddress: key)
        return entries.sorted { $0.key < $1.key }
            .first { RegistryAddress.registry(ofServerAddress: $0.key) == registry }
            .map { ($0.key, $0.value) }
    }

    /// A helper name is the tail of a program name: never a path.
    private static func isHelperName(_ name: String) -> Bool {
        !name.isEmpty && !name.contains("/") && !name.contains(where: { $0.isWhitespace || $0.isNewline })
    }
}
