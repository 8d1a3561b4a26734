import DockerEngine
import Foundation
import Playbook

/// The registry credentials of a command that pulls, found before it touches a host.
enum RegistryLogin {
    /// Reads `MOLT_REGISTRY_AUTH` and the Docker CLI's `config.json`, and finds the credentials
    /// of every image in `images` now (running their credential helpers), so that a broken
    /// configuration is bad input (exit 2) with nothing done, never an anonymous pull.
    static func checked(images: [String], homeDirectory: String) async throws -> RegistryCredentials {
        do {
            let credentials = try RegistryCredentials(environment: ProcessInfo.processInfo.environment, homeDirectory: homeDirectory)
            try await credentials.check(images: images)
            return credentials
        } catch {
            throw BadInput("\(error); nothing was done")
        }
    }

    /// The images a playbook's rollout or trial may pull.
    static func images(_ playbook: Playbook, trial: Bool = false) -> [String] {
        guard playbook.pull != .never else { return [] }
        var images = playbook.services.map(\.image)
        if trial { images += playbook.services.compactMap { $0.trial?.helperImage } }
        var seen = Set<String>()
        return images.filter { seen.insert($0).inserted }
    }
}
