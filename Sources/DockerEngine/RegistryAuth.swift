import Foundation

/// Registry credentials for a pull, sent as the `X-Registry-Auth` header.
///
/// Found in `MOLT_REGISTRY_AUTH` or in the Docker CLI's `config.json` by
/// ``lookup(forImage:environment:homeDirectory:)``.
public struct RegistryAuth: Sendable, Hashable, CustomStringConvertible {
    /// The header value: base64url-encoded JSON, as the engine expects.
    public var headerValue: String
    /// Who authenticates, for messages; never the secret.
    public var username: String?
    /// The registry the credentials are for, when known.
    public var serverAddress: String?

    /// Credentials given by user name and password.
    public init(username: String, password: String, serverAddress: String) {
        let document: JSONValue = ["username": .string(username), "password": .string(password), "serveraddress": .string(serverAddress)]
        self.init(headerValue: Self.encode(document), username: username, serverAddress: serverAddress)
    }

    /// Credentials given as an identity token (from `docker login` with an OAuth registry).
    public init(identityToken: String, serverAddress: String) {
        let document: JSONValue = ["identitytoken": .string(identityToken), "serveraddress": .string(serverAddress)]
        self.init(headerValue: Self.encode(document), username: nil, serverAddress: serverAddress)
    }

    /// A header value already encoded.
    public init(headerValue: String, username: String? = nil, serverAddress: String? = nil) {
        self.headerValue = headerValue
        self.username = username
        self.serverAddress = serverAddress
    }

    public var description: String {
        "credentials" + (username.map { " of \($0)" } ?? "") + (serverAddress.map { " for \($0)" } ?? "")
    }

    /// What must never be printed or recorded: the header value and the password, token or
    /// `auth` it carries.
    public var secrets: [String] {
        var values = [headerValue]
        let padded = headerValue.replacingOccurrences(of: "-", with: "+").replacingOccurrences(of: "_", with: "/")
            + String(repeating: "=", count: (4 - headerValue.utf8.count % 4) % 4)
        if let data = Data(base64Encoded: padded), let document = try? JSONValue(json: Array(data)) {
            for field in ["password", "identitytoken", "auth", "registrytoken"] {
                if let value = document[field]?.stringValue, !value.isEmpty { values.append(value) }
            }
        }
        return values
    }

    /// The credentials to pull `image` with, or `nil` to pull anonymously.
    ///
    /// `MOLT_REGISTRY_AUTH` wins: either the header value already encoded, or JSON
    /// `{"username", "password", "serveraddress"}`. Otherwise the `auths` entry for the image's
    /// registry in `$DOCKER_CONFIG/config.json` or `~/.docker/config.json`, whose `auth` is
    /// base64 `user:password`. Credential helpers (`credsStore`, `credHelpers`) are not run.
    ///
    /// - Throws: ``DockerError`` (`badRequest`) when the variable or the file is unreadable, with
    ///   the file and the problem.
    public static func lookup(
        forImage image: String,
        environment: [String: String],
        homeDirectory: String
    ) throws -> RegistryAuth? {
        let registry = try ImageReference(image).registry
        if let value = environment["MOLT_REGISTRY_AUTH"]?.trimmingWhitespace(), !value.isEmpty {
            return try fromEnvironment(value, registry: registry)
        }
        let directory = environment["DOCKER_CONFIG"].flatMap { $0.isEmpty ? nil : $0 } ?? homeDirectory + "/.docker"
        let path = directory + "/config.json"
        guard let data = FileManager.default.contents(atPath: path) else { return nil }
        let config: JSONValue
        do {
            config = try JSONValue(json: Array(data))
        } catch {
            throw DockerError(.badRequest, "\(path) is not valid JSON: \(JSONCoding.describe(error))")
        }
        guard let auths = config["auths"]?.objectValue else { return nil }
        for (key, entry) in auths.sorted(by: { $0.key < $1.key }) where Self.host(ofConfigKey: key) == Self.canonical(registry) {
            return try fromConfigEntry(entry, key: key, path: path)
        }
        return nil
    }

    // MARK: - Private

    private static func fromEnvironment(_ value: String, registry: String) throws -> RegistryAuth {
        guard value.hasPrefix("{") else {
            return RegistryAuth(headerValue: value, serverAddress: nil)
        }
        let document: JSONValue
        do {
            document = try JSONValue(json: Array(value.utf8))
        } catch {
            throw DockerError(.badRequest, "MOLT_REGISTRY_AUTH is neither base64 nor valid JSON: \(JSONCoding.describe(error))")
        }
        if let token = document["identitytoken"]?.stringValue {
            return RegistryAuth(identityToken: token, serverAddress: document["serveraddress"]?.stringValue ?? registry)
        }
        guard let username = document["username"]?.stringValue, let password = document["password"]?.stringValue else {
            throw DockerError(.badRequest, "MOLT_REGISTRY_AUTH needs \"username\" and \"password\" (or \"identitytoken\")")
        }
        return RegistryAuth(username: username, password: password, serverAddress: document["serveraddress"]?.stringValue ?? registry)
    }

    private static func fromConfigEntry(_ entry: JSONValue, key: String, path: String) throws -> RegistryAuth? {
        if let token = entry.optionalString("identitytoken") {
            return RegistryAuth(identityToken: token, serverAddress: key)
        }
        if let encoded = entry.optionalString("auth") {
            guard let decoded = Self.decodeBase64(encoded), let colon = decoded.firstIndex(of: ":") else {
                throw DockerError(.badRequest, "\(path): the \"auth\" of \"\(key)\" is not base64 of user:password")
            }
            return RegistryAuth(
                username: String(decoded[..<colon]),
                password: String(decoded[decoded.index(after: colon)...]),
                serverAddress: key
            )
        }
        if let username = entry.optionalString("username"), let password = entry.optionalString("password") {
            return RegistryAuth(username: username, password: password, serverAddress: key)
        }
        return nil
    }

    /// `https://registry.example.com:5000/v1/` → `registry.example.com:5000`.
    private static func host(ofConfigKey key: String) -> String {
        var host = Substring(key)
        if let scheme = host.range(of: "://") { host = host[scheme.upperBound...] }
        if let slash = host.firstIndex(of: "/") { host = host[..<slash] }
        return canonical(String(host))
    }

    /// Docker Hub goes by several names in config files.
    private static func canonical(_ host: String) -> String {
        let lowered = host.lowercased()
        return ["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"].contains(lowered)
            ? "docker.io" : lowered
    }

    private static func decodeBase64(_ text: String) -> String? {
        Base64.decode(text).map { String(decoding: $0, as: UTF8.self) }
    }

    /// base64url with padding, which is what the engine's `DecodeAuthConfig` reads.
    private static func encode(_ document: JSONValue) -> String {
        Base64.encodeURLSafe((try? document.jsonBytes()) ?? [])
    }
}
