import Testing

@testable import DockerEngine

@Suite("Image references")
struct ImageReferenceTests {
    @Test("references split into repository, tag and digest", arguments: [
        ("127.0.0.1:5000/web:2.0", "127.0.0.1:5000/web", "2.0", nil, "127.0.0.1:5000", "2.0"),
        ("web", "web", nil, nil, "docker.io", "latest"),
        ("web@sha256:0123abcd", "web", nil, "sha256:0123abcd", "docker.io", "sha256:0123abcd"),
        ("localhost:5000/a/b", "localhost:5000/a/b", nil, nil, "localhost:5000", "latest"),
        ("localhost/a:1", "localhost/a", "1", nil, "localhost", "1"),
        ("ghcr.io/team/web:2.0@sha256:ff", "ghcr.io/team/web", "2.0", "sha256:ff", "ghcr.io", "sha256:ff"),
        ("team/web:3", "team/web", "3", nil, "docker.io", "3"),
    ] as [(String, String, String?, String?, String, String)])
    func splitting(text: String, name: String, tag: String?, digest: String?, registry: String, pullTag: String) throws {
        let reference = try ImageReference(text)
        #expect(reference.name == name)
        #expect(reference.tag == tag)
        #expect(reference.digest == digest)
        #expect(reference.registry == registry)
        #expect(reference.pullTag == pullTag)
        #expect(reference.description == text)
    }

    @Test("the registry of a reference is what Docker makes of it, and so is the key its credentials are filed under", arguments: [
        ("busybox", "docker.io", "https://index.docker.io/v1/"),
        ("library/busybox:1.36", "docker.io", "https://index.docker.io/v1/"),
        ("user/web", "docker.io", "https://index.docker.io/v1/"),
        ("docker.io/library/busybox", "docker.io", "https://index.docker.io/v1/"),
        ("index.docker.io/user/web", "docker.io", "https://index.docker.io/v1/"),
        ("registry-1.docker.io/user/web", "docker.io", "https://index.docker.io/v1/"),
        ("localhost:5000/x", "localhost:5000", "localhost:5000"),
        ("localhost/x", "localhost", "localhost"),
        ("10.0.0.2:5000/x", "10.0.0.2:5000", "10.0.0.2:5000"),
        ("10.247.213.2:5001/molt-lab/web:2.0", "10.247.213.2:5001", "10.247.213.2:5001"),
        ("host.tld/x", "host.tld", "host.tld"),
        ("ghcr.io/team/web@sha256:ff", "ghcr.io", "ghcr.io"),
        ("Registry/x", "registry", "Registry"),
        ("docker.io.example/x", "docker.io.example", "docker.io.example"),
    ] as [(String, String, String)])
    func registries(text: String, registry: String, key: String) throws {
        let reference = try ImageReference(text)
        #expect(reference.registry == registry)
        #expect(reference.isDockerHub == (registry == "docker.io"))
        #expect(reference.credentialKey == key)
    }

    @Test("config.json keys name registries as the Docker CLI reads them", arguments: [
        ("https://index.docker.io/v1/", "docker.io"),
        ("index.docker.io", "docker.io"),
        ("https://registry-1.docker.io", "docker.io"),
        ("https://reg.example:5000", "reg.example:5000"),
        ("http://reg.example:5000/v2/", "reg.example:5000"),
        ("reg.example:5000", "reg.example:5000"),
        ("10.0.0.2:5001", "10.0.0.2:5001"),
    ])
    func configKeys(key: String, registry: String) {
        #expect(RegistryAddress.registry(ofServerAddress: key) == registry)
    }

    @Test("text that cannot be a reference is refused", arguments: ["", "web:", "web@", "/web", "we b"])
    func invalid(text: String) {
        #expect(throws: DockerError.self) { try ImageReference(text) }
    }
}
