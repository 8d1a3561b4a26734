import Foundation

/// Registry credentials for a pull, sent as the `X-Registry-Auth` header.
///
/// Found for each image's registry by ``RegistryCredentials``: in `MOLT_REGISTRY_AUTH`, or as
/// the Docker CLI's `config.json` says (`auths`, `credHelpers`, `credsStore`).
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
        if let document {
            for field in ["password", "identitytoken", "auth", "registrytoken"] {
                if let value = document[field]?.stringValue, !value.isEmpty { values.append(value) }
            }
        }
        return values
    }

    /// The JSON document the header value carries, when it is one.
    var document: JSONValue? {
        Base64.decode(headerValue).flatMap { try? JSONValue(json: $0) }.flatMap { $0.objectValue != nil ? $0 : nil }
    }

    // MARK: - Private

    static func decodeBase64(_ text: String) -> String? {
        Base64.decode(text).map { String(decoding: $0, as: UTF8.self) }
    }

    /// base64url with padding, which is what the engine's `DecodeAuthConfig` reads.
    private static func encode(_ document: JSONValue) -> String {
        Base64.encodeURLSafe((try? document.jsonBytes()) ?? [])
    }
}
