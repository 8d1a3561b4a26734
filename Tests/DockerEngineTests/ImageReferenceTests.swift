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

    @Test("text that cannot be a reference is refused", arguments: ["", "web:", "web@", "/web", "we b"])
    func invalid(text: String) {
        #expect(throws: DockerError.self) { try ImageReference(text) }
    }
}
