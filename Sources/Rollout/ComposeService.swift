import DockerEngine
import Foundation
import MoltNames
import Playbook

/// A container that Docker Compose manages, and what its replacement must carry so that
/// `docker-compose up -d` still takes the new container for its own and leaves it be (SPEC §1a).
///
/// How Compose decides, read in its sources:
/// - **v1** (Python, `com.docker.compose.version` 1.x; `compose/service.py`): a service's
///   containers are those labelled with its project, service and `oneoff=False`, stopped ones
///   too. `up` recreates every one whose `com.docker.compose.config-hash` differs from
///   `config_hash`, a hash over the service's options *and the ID of the image its `image:` tag
///   names on the host*. So after a pull moves the tag, only Compose can say the new hash: molt
///   asks it (`docker-compose config --hash=SERVICE`) over SSH, after checking that it gives the
///   old container's hash when the tag names the old image. Were it not so, Compose's view
///   (files, `.env`, the environment) is not the one that made the container, and molt refuses.
/// - **v2** (Go; `pkg/compose`): `mustRecreate` compares the config hash, a hash of the service
///   definition without the image ID (`ServiceHash`), and `com.docker.compose.image`, the image
///   ID (classic image store: `inspect.ID`) the tag names on the host. The hash stays; the image
///   label becomes the new image's ID. A label that is not the old image's ID was derived some
///   other way (a containerd store's manifest digest): refused. v2 was not run here, only read.
///
/// Either way the new container keeps the image reference Compose wrote (`Config.Image`), so
/// the playbook must name that reference: with another one, `up` would put the old one back.
struct ComposeService: Sendable {
    /// Which Compose made the container.
    enum Generation: Sendable, Equatable {
        case v1, v2
    }

    let container: String
    let project: String
    let service: String
    let version: String
    let generation: Generation
    /// The reference the container was created with: the service's `image:`.
    let reference: String
    let labels: [String: String]

    /// The Compose service `container` belongs to; nil when Compose does not manage it.
    /// - Throws: ``ComposeRefusal`` when its labels say Compose manages it in a way molt cannot
    ///   keep (a one-off container, no version, no service).
    static func managing(_ container: ContainerDetails, host: String) throws(ComposeRefusal) -> ComposeService? {
        let labels = container.labels
        guard let project = labels[ComposeLabel.project] else { return nil }
        func refuse(_ label: String, _ reason: String) -> ComposeRefusal {
            ComposeRefusal(host: host, container: container.name, label: label, reason: reason)
        }
        guard let service = labels[ComposeLabel.service], !service.isEmpty else {
            throw refuse(ComposeLabel.service, "it belongs to Compose project \(project) but names no service")
        }
        if labels[ComposeLabel.oneOff] == "True" {
            throw refuse(ComposeLabel.oneOff, "it is a one-off container of `docker-compose run`, not a service container")
        }
        guard let version = labels[ComposeLabel.version], let major = Int(version.prefix { $0.isNumber }), major >= 1 else {
            throw refuse(ComposeLabel.version, "molt cannot tell which Compose made it, so not how Compose decides to recreate it")
        }
        return ComposeService(container: container.name, project: project, service: service, version: version,
                              generation: major == 1 ? .v1 : .v2, reference: container.configImage, labels: labels)
    }

    /// What molt can tell without changing anything: whether the playbook's `image` is the
    /// one Compose names, and whether this Compose's labels are ones molt can renew.
    func checkStatically(image: String, live: ContainerDetails, host: String, hasShell: Bool) throws(ComposeRefusal) {
        func refuse(_ label: String, _ reason: String) -> ComposeRefusal {
            ComposeRefusal(host: host, container: container, label: label, reason: reason)
        }
        guard Self.sameReference(image, reference) else {
            throw refuse(ComposeLabel.service, "Compose service \(service) of project \(project) runs \(reference) and the playbook names "
                + "\(image): `docker-compose up` would put \(reference) back; change the compose file's image (and run Compose), or "
                + "point the playbook at \(reference)")
        }
        guard !reference.contains("@"), (try? ImageReference(reference)) != nil else {
            throw refuse(ComposeLabel.service, "Compose service \(service) names its image by digest or ID (\(reference)); a new "
                + "image needs a new compose file, which is Compose's to apply")
        }
        switch generation {
        case .v1:
            guard labels[ComposeLabel.configHash] != nil else {
                throw refuse(ComposeLabel.configHash, "it has no config hash; Compose \(version) would recreate it anyway")
            }
            guard labels[ComposeLabel.configFiles] != nil, labels[ComposeLabel.workingDir] != nil else {
                throw refuse(ComposeLabel.configFiles, "Compose \(version) hashes the image ID into \(ComposeLabel.configHash), and "
                    + "without its compose files (made from standard input?) molt cannot ask Compose for the new hash")
            }
            guard hasShell else {
                throw refuse(ComposeLabel.configHash, "Compose \(version) hashes the image ID into it, and molt cannot run "
                    + "docker-compose on \(host) to ask for the new hash")
            }
        case .v2:
            if let digest = labels[ComposeLabel.image], digest != live.image {
                throw refuse(ComposeLabel.image, "it is \(digest), not the ID of the image the container runs (\(live.image)); "
                    + "molt cannot tell how Compose \(version) derived it, so not what it would expect of a new image")
            }
        }
    }

    /// The Compose labels the replacement carries, on `targetImage`; the reference (the
    /// service's tag) is left naming `targetImage`, from which the replacement is made.
    ///
    /// v1: molt points the tag at the live container's image and checks that Compose gives the
    /// live container's hash, then points it at the target and takes the hash Compose gives.
    func replacementLabels(live: ContainerDetails, targetImage: ImageDetails, on target: ServiceOnHost) async throws -> [String: String] {
        switch generation {
        case .v2:
            // The container is made from the tag, which names the target (a rollback's too).
            if try await target.engine.inspectImage(reference)?.id != targetImage.id {
                try await target.engine.tagImage(targetImage.id, as: reference)
            }
            return labels[ComposeLabel.image] == nil ? [:] : [ComposeLabel.image: targetImage.id]
        case .v1:
            let engine = target.engine
            if try await engine.inspectImage(reference)?.id != live.image {
                try await engine.tagImage(live.image, as: reference)
            }
            let current = try await hash(on: target)
            guard current == labels[ComposeLabel.configHash] else {
                throw ComposeRefusal(
                    host: target.hostName, container: container, label: ComposeLabel.configHash,
                    reason: "it is \(labels[ComposeLabel.configHash] ?? ""), and docker-compose on \(target.hostName) computes \(current) "
                        + "for service \(service) with \(reference) naming the image the container runs: Compose would already "
                        + "recreate this container (its compose file, .env or environment changed, or molt's SSH session sees "
                        + "another environment than yours); run `docker-compose up -d` first")
            }
            if targetImage.id != live.image {
                try await engine.tagImage(targetImage.id, as: reference)
            }
            return [ComposeLabel.configHash: try await hash(on: target)]
        }
    }

    /// v1's hash of the service as Compose on the host computes it now: `docker-compose config
    /// --hash=SERVICE` for the project the labels name.
    func hash(on target: ServiceOnHost) async throws -> String {
        guard let shell = target.host.shell else {
            throw ComposeRefusal(host: target.hostName, container: container, label: ComposeLabel.configHash,
                                 reason: "molt cannot run docker-compose on \(target.hostName) to ask for the config hash")
        }
        let command = ShellQuoting.line(hashCommand)
        let result = try await shell.run(command, timeout: .seconds(60))
        let prefix = service + " "
        guard result.status == 0,
              let line = result.stdout.split(separator: "\n").first(where: { $0.hasPrefix(prefix) }),
              case let hash = line.dropFirst(prefix.count).trimmingCharacters(in: .whitespaces), !hash.isEmpty
        else {
            let said = (result.stderr.isEmpty ? result.stdout : result.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
            throw ComposeRefusal(
                host: target.hostName, container: container, label: ComposeLabel.configHash,
                reason: "molt asked Compose for it and `\(command)` \(result.status == 0 ? "did not print it" : "exited \(result.status)")"
                    + (said.isEmpty ? "" : ": " + said.split(whereSeparator: \.isNewline).joined(separator: " ")))
        }
        return hash
    }

    /// `docker-compose … config --hash=SERVICE`, with the project, directory, files and
    /// environment file the container's labels name.
    var hashCommand: [String] {
        let directory = labels[ComposeLabel.workingDir] ?? "."
        var words = ["docker-compose", "--project-name", project, "--project-directory", directory]
        for file in (labels[ComposeLabel.configFiles] ?? "").split(separator: ",") where !file.isEmpty {
            words += ["--file", file.hasPrefix("/") ? String(file) : directory + "/" + file]
        }
        if let environment = labels[ComposeLabel.environmentFile] {
            words += ["--env-file", environment.hasPrefix("/") ? environment : directory + "/" + environment]
        }
        return words + ["config", "--hash=\(service)"]
    }

    /// Whether two references name the same tag (`web` and `web:latest` do).
    static func sameReference(_ one: String, _ other: String) -> Bool {
        guard one != other else { return true }
        guard let first = try? ImageReference(one), let second = try? ImageReference(other) else { return false }
        return first.name == second.name && (first.tag ?? "latest") == (second.tag ?? "latest") && first.digest == second.digest
    }

    // MARK: molt's copies

    /// Whether a container carries Compose's labels: Compose takes it for one of its own.
    static func isComposeContainer(_ labels: [String: String]) -> Bool {
        labels[ComposeLabel.project] != nil
    }

    /// Whether a container is molt's label-free copy of a Compose container.
    static func isCopy(_ labels: [String: String]) -> Bool {
        labels[MoltLabel.copyOf] != nil
    }

    /// Moves every `com.docker.compose.*` label of a create body under `molt.compose.`, so
    /// that Compose does not count the container as one of its own, and marks what it copies.
    static func moveComposeLabelsAside(in body: inout JSONValue, copyOf original: ContainerDetails?) {
        var labels = body["Labels"]?.objectValue ?? [:]
        for (key, value) in labels where key.hasPrefix(ComposeLabel.prefix) {
            labels[key] = nil
            labels[MoltLabel.composePrefix + key] = value
        }
        if let original {
            labels[MoltLabel.copyOf] = .string(original.id)
            labels[MoltLabel.imageReference] = .string(original.configImage)
        }
        body["Labels"] = .object(labels)
    }
}

/// Why molt will not replace a Compose-managed container: names the host, the container and
/// the label that cannot be kept faithfully.
struct ComposeRefusal: Error, CustomStringConvertible {
    var host: String
    var container: String
    var label: String
    var reason: String

    var description: String {
        "molt refuses to replace \(container) on \(host), which Docker Compose manages (\(label)): \(reason)"
    }
}
