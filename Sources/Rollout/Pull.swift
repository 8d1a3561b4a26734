import DockerEngine

/// Pulling an image on a host, with progress condensed into steps.
enum Pull {
    static func image(_ reference: String, on engine: any ContainerEngine, auth: RegistryAuth?, step: @escaping @Sendable (String) -> Void) async throws {
        try await engine.pullImage(reference, auth: auth) { progress in
            // Layer-level lines are too many for a fleet; report the ones that matter.
            if progress.status.hasPrefix("Digest:") || progress.status.hasPrefix("Status:") {
                step("pull \(reference): \(progress.status)")
            }
        }
    }
}
