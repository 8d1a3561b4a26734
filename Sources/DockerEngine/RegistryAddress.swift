import Foundation

/// Registry names as the Docker CLI compares them: Docker Hub's several names, and the
/// `config.json` keys that may be URLs (`https://reg:5000/v1/`) or bare hosts (`reg:5000`).
public enum RegistryAddress {
    /// Docker Hub's canonical name.
    public static let dockerHub = "docker.io"
    /// The key Docker Hub's credentials are filed under in `config.json`, and the server
    /// address a credential helper is asked for.
    public static let dockerHubKey = "https://index.docker.io/v1/"

    /// The registry a host name stands for: lower-cased, Docker Hub's names as `docker.io`.
    public static func canonical(_ host: String) -> String {
        let lowered = host.lowercased()
        return ["docker.io", "index.docker.io", "registry-1.docker.io", "registry.hub.docker.com"].contains(lowered)
            ? dockerHub : lowered
    }

    /// The registry a server address or `config.json` key names: `https://reg.example:5000/v1/`
    /// → `reg.example:5000`; Docker Hub's key → `docker.io`. (The CLI's `ConvertToHostname`.)
    public static func registry(ofServerAddress address: String) -> String {
        var host = Substring(address.trimmingWhitespace())
        if let scheme = host.range(of: "://") { host = host[scheme.upperBound...] }
        if let slash = host.firstIndex(of: "/") { host = host[..<slash] }
        return canonical(String(host))
    }
}
