import Foundation
import SSHConfig

/// A temporary directory holding ssh_config files for one test, removed when the test ends.
final class ConfigFixture: Sendable {
    let directory: String

    init(_ files: [String: String]) throws {
        directory = NSTemporaryDirectory() + "sshconfig-" + UUID().uuidString
        try FileManager.default.createDirectory(atPath: directory + "/.ssh", withIntermediateDirectories: true)
        for (path, text) in files { try write(path, text) }
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    /// Writes `text` at `path` (relative to the directory), creating folders, mode 0644.
    func write(_ path: String, _ text: String) throws {
        let full = self.path(path)
        try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: full))
    }

    func path(_ relative: String) -> String { directory + "/" + relative }

    /// A context whose home is this directory, so `~/.ssh/…` includes stay inside it.
    func context(environment: [String: String] = [:], configFile: String? = nil) -> ResolutionContext {
        ResolutionContext(
            homeDirectory: directory, localUser: Self.localUser, localUserID: Int(getuid()), localHostName: Self.localHostName,
            environment: environment, configFile: configFile, systemConfigFile: nil)
    }

    static let localUser: String = {
        guard let entry = getpwuid(getuid()), let name = entry.pointee.pw_name else { return "root" }
        return String(cString: name)
    }()

    static let localHostName: String = {
        var buffer = [CChar](repeating: 0, count: 256)
        gethostname(&buffer, buffer.count)
        let bytes = buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }
        return String(decoding: bytes, as: UTF8.self)
    }()

    /// `molt`'s resolution with `config` as `-F` and `arguments` as Ansible's common args.
    func resolve(_ host: String, config: String = "config", arguments: [String] = [], environment: [String: String] = [:]) throws -> ResolvedHost {
        let variables = AnsibleConnectionVariables(host: host, sshCommonArgs: arguments.map(Self.shellQuoted).joined(separator: " "))
        let commandLine = try variables.sshCommandLine()
        return try SSHConfiguration.resolve(host: host, commandLine: commandLine.options, context: context(environment: environment, configFile: path(config)))
    }

    static func shellQuoted(_ word: String) -> String {
        "'" + word.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }
}
