/// An image reference split the way the engine's pull endpoint wants it:
/// `[registry[:port]/]path[:tag][@digest]`.
///
/// `127.0.0.1:5000/web:2.0` is the repository `127.0.0.1:5000/web` with tag `2.0`: a colon
/// names a tag only after the last slash.
public struct ImageReference: Sendable, Hashable, CustomStringConvertible {
    /// The repository, registry included when given: `127.0.0.1:5000/web`, `web`.
    public var name: String
    /// The tag, if the reference has one.
    public var tag: String?
    /// The digest, `sha256:...`, if the reference has one.
    public var digest: String?

    /// Splits `text`.
    /// - Throws: ``DockerError`` (`badRequest`) when `text` cannot be an image reference.
    public init(_ text: String) throws {
        guard !text.isEmpty, !text.contains(where: { $0.isWhitespace }) else {
            throw DockerError(.badRequest, "\"\(text)\" is not an image reference")
        }
        var rest = Substring(text)
        if let at = rest.lastIndex(of: "@") {
            digest = String(rest[rest.index(after: at)...])
            rest = rest[..<at]
        }
        let lastSlash = rest.lastIndex(of: "/")
        if let colon = rest.lastIndex(of: ":"), lastSlash.map({ colon > $0 }) ?? true {
            tag = String(rest[rest.index(after: colon)...])
            rest = rest[..<colon]
        }
        name = String(rest)
        guard !name.isEmpty, !name.hasPrefix("/"), !name.hasSuffix("/"), tag?.isEmpty != true, digest?.isEmpty != true
        else {
            throw DockerError(.badRequest, "\"\(text)\" is not an image reference")
        }
    }

    /// The registry host given in the reference (`127.0.0.1:5000`, `localhost`,
    /// `ghcr.io`), or `nil` when the reference names none (Docker Hub).
    ///
    /// As in Docker (`splitDockerDomain`), the first path component is a registry when it has
    /// a `.` or a `:`, is `localhost`, or has an upper-case letter (repository names have none):
    /// `user/web` and `library/web` are on Docker Hub, `localhost:5000/web` is not.
    public var registryHost: String? {
        guard let slash = name.firstIndex(of: "/") else { return nil }
        let first = name[..<slash]
        guard first.contains(".") || first.contains(":") || first == "localhost" || first.lowercased() != first else {
            return nil
        }
        return String(first)
    }

    /// The registry the image comes from, as credentials are matched: ``registryHost``
    /// lower-cased, and `docker.io` for Docker Hub under any of its names (`index.docker.io`,
    /// `registry-1.docker.io`, or none).
    public var registry: String { RegistryAddress.canonical(registryHost ?? RegistryAddress.dockerHub) }

    /// Whether the image comes from Docker Hub.
    public var isDockerHub: Bool { registry == RegistryAddress.dockerHub }

    /// The server address the Docker CLI files this image's credentials under, and asks a
    /// credential helper for: `https://index.docker.io/v1/` for Docker Hub, else the registry
    /// host as written (`10.0.0.2:5000`).
    public var credentialKey: String { isDockerHub ? RegistryAddress.dockerHubKey : registryHost ?? RegistryAddress.dockerHubKey }

    /// The `tag` query parameter of a pull: the digest when there is one (it wins over a
    /// tag), else the tag, else `latest` — never nothing, which would pull every tag.
    public var pullTag: String { digest ?? tag ?? "latest" }

    /// The reference as written, `latest` left implicit.
    public var description: String {
        name + (tag.map { ":" + $0 } ?? "") + (digest.map { "@" + $0 } ?? "")
    }
}
