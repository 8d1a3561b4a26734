public import DockerEngine
import Foundation
import Playbook
import Synchronization

/// Keeps secrets out of everything molt prints or records: output, logs, the journal.
///
/// It learns the values of environment entries whose names look secret (`*PASSWORD*`,
/// `*SECRET*`, `*TOKEN*`, `*KEY*`) from the containers it inspects and the playbook's
/// `trial.env`, and the registry credentials it sends; every text that leaves molt is passed
/// through ``redact(_:)``, which also neutralises terminal escapes, so a container's log
/// line cannot move the cursor, change colours or retitle the operator's terminal.
public final class Redaction: Sendable {
    private let secrets = Mutex<Set<String>>([])

    /// Shorter values are not hidden: redacting "1" or "on" would hide every digit or word.
    static let shortest = 4
    /// What a secret is replaced with.
    public static let mask = "[secret]"

    public init() {}

    /// Whether an environment variable's name says its value is secret.
    public static func isSecretName(_ name: String) -> Bool {
        let upper = name.uppercased()
        return ["PASSWORD", "PASSWD", "SECRET", "TOKEN", "KEY", "CREDENTIAL"].contains { upper.contains($0) }
    }

    /// Learns the secret values among `KEY=VALUE` entries.
    public func learn(environment entries: [String]) {
        learn(entries.compactMap { entry in
            guard let equals = entry.firstIndex(of: "=") else { return nil }
            return Self.isSecretName(String(entry[..<equals])) ? String(entry[entry.index(after: equals)...]) : nil
        })
    }

    /// Learns the secret values of a `KEY: VALUE` map.
    public func learn(environment map: [String: String]) {
        learn(map.filter { Self.isSecretName($0.key) }.map(\.value))
    }

    /// Learns what a container's configuration holds: its environment.
    public func learn(_ container: ContainerDetails) {
        learn(environment: container.config["Env"]?.arrayValue?.compactMap(\.stringValue) ?? [])
    }

    /// Learns registry credentials.
    public func learn(_ auth: RegistryAuth) {
        learn(auth.secrets)
    }

    /// Learns what a playbook holds (`trial.env`), and wraps the registry-credential lookup a
    /// run uses so that the credentials it sends are learnt too.
    func guarding(_ playbook: Playbook, registryAuth: @escaping @Sendable (String) async throws -> RegistryAuth?) -> @Sendable (String) async throws -> RegistryAuth? {
        for service in playbook.services {
            learn(environment: service.trial?.env ?? [:])
        }
        return { [self] image in
            let auth = try await registryAuth(image)
            if let auth { learn(auth) }
            return auth
        }
    }

    /// Learns these values as secrets.
    public func learn(_ values: [String]) {
        let kept = values.filter { $0.utf8.count >= Self.shortest }
        guard !kept.isEmpty else { return }
        secrets.withLock { $0.formUnion(kept) }
    }

    /// `text` with every known secret masked and terminal escapes made visible.
    public func redact(_ text: String) -> String {
        let known = secrets.withLock { $0 }.sorted { $0.utf8.count > $1.utf8.count }
        var result = text
        for secret in known where result.contains(secret) {
            result = result.replacingOccurrences(of: secret, with: Self.mask)
        }
        return TerminalText.neutralized(result)
    }

    public func redact(_ text: String?) -> String? { text.map(redact) }
}

/// Text from outside (container logs, engine messages) made safe to print on a terminal.
public enum TerminalText {
    /// Control characters other than tab shown as `^[`-style or `\u{…}` text, so escape
    /// sequences are printed, never obeyed.
    public static func neutralized(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: isControl) else { return text }
        var result = ""
        for scalar in text.unicodeScalars {
            if !isControl(scalar) {
                result.unicodeScalars.append(scalar)
            } else if scalar.value < 0x20 {
                result += "^" + String(UnicodeScalar(UInt8(scalar.value + 0x40)))
            } else {
                result += "\\u{" + String(scalar.value, radix: 16) + "}"
            }
        }
        return result
    }

    private static func isControl(_ scalar: Unicode.Scalar) -> Bool {
        (scalar.value < 0x20 && scalar != "\t") || (0x7F...0x9F).contains(scalar.value)
    }
}

/// A reporter that hides secrets in every event before passing it on.
struct RedactingReporter: RolloutReporter {
    let base: any RolloutReporter
    let redaction: Redaction

    func report(_ event: RolloutEvent) {
        var event = event
        event.message = redaction.redact(event.message)
        event.error = redaction.redact(event.error)
        event.logs = event.logs?.map(redaction.redact)
        event.from = redaction.redact(event.from)
        event.to = redaction.redact(event.to)
        base.report(event)
    }
}

extension ServiceOutcome {
    /// The outcome with secrets hidden in everything it says.
    func redacted(_ redaction: Redaction) -> ServiceOutcome {
        var copy = self
        copy.message = redaction.redact(message)
        copy.error = redaction.redact(error)
        copy.logs = logs.map(redaction.redact)
        return copy
    }
}
