#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import FuzzSupport

@testable import SSHConfig

/// An Ansible host's ssh arguments and the ssh configuration they meet: the input's first line
/// is an argument string (`ansible_ssh_common_args`, or `_args` or `_extra_args`, by length),
/// split as Ansible splits it; the rest is `~/.ssh/config` under a temporary home, and what
/// follows a NUL in it is `~/.ssh/included.conf`, which the first file can `Include`. The
/// host is resolved as `ssh -G` would, with a second pass when a `Match final` asks for it.
///
/// Nothing outside the temporary home is read: an input whose `Include` or `-F` could reach
/// out of it (an absolute path, `~user`, a component that could match `..`) is split and
/// parsed but not resolved. `Match exec` is never run by the module; nothing here runs either.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSSHConfig(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let input = FuzzInput(data, size)
    let bytes = input.bytes
    let newline = bytes.firstIndex(of: UInt8(ascii: "\n")) ?? bytes.count
    let arguments = String(decoding: bytes[..<newline], as: UTF8.self)
    let rest = newline < bytes.count ? Array(bytes[(newline + 1)...]) : []
    let nul = rest.firstIndex(of: 0) ?? rest.count
    let config = Array(rest[..<nul])
    let included = nul < rest.count ? Array(rest[(nul + 1)...]) : []

    var variables = AnsibleConnectionVariables(host: "web1")
    switch input.pick([0, 1, 2]) {
    case 0: variables.sshCommonArgs = arguments
    case 1: variables.sshArgs = arguments
    default: variables.sshExtraArgs = arguments
    }
    if input.pick([false, true], salt: 1) {
        variables.port = 2222
        variables.user = "deploy"
        variables.privateKeyFile = "~/.ssh/id_ed25519"
        variables.connectTimeout = 10
        variables.hostKeyChecking = false
    }
    let commandLine: SSHCommandLine
    do {
        commandLine = try variables.sshCommandLine()
    } catch {
        return 0
    }

    guard confined(config), confined(included) else { return 0 }
    // `-F none` reads nothing; any other `-F` would name a file outside the home: the one
    // written here stands for it.
    let options = commandLine.options.filter { option in
        if case let .configFile(path) = option.kind { return path.lowercased() == "none" }
        return true
    }
    home.store(config, as: "config")
    home.store(included, as: "included.conf")
    let host = input.pick(["web1", "web1.example.internal", "10.0.0.7", "Bastion", "db-2.prod"], salt: 2)
    _ = try? SSHConfiguration.resolve(host: host, commandLine: options, context: home.context)
    return 0
}

/// Whether every `Include` in `file` stays within `~/.ssh` of the temporary home: relative,
/// or `~/`, and no path component that starts with `.` (which `..`, `.?` or `.*` could be) or
/// with `[` or `\` (which could match or escape a dot). A line that does not parse stops the
/// reader there, so what follows it is never included.
private func confined(_ file: [UInt8]) -> Bool {
    for raw in file.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false) {
        let parsed: ConfigLine?
        do {
            parsed = try ConfigLine.parse(raw)
        } catch {
            return true
        }
        guard let line = parsed, line.keyword == "include" else { continue }
        guard let arguments = try? line.arguments() else { return true }
        for argument in arguments {
            var path = Substring(argument)
            if path.hasPrefix("~/.ssh/") {
                path = path.dropFirst("~/.ssh/".count)
            } else if path.hasPrefix("~/") {
                path = path.dropFirst(2)
            } else if path.hasPrefix("~") || path.hasPrefix("/") {
                return false
            }
            for component in path.split(separator: "/") where component.first.map({ ".[\\".contains($0) }) ?? false {
                return false
            }
        }
    }
    return true
}

/// A home directory of this process's own under the temporary directory, made once, with the
/// two configuration files rewritten for each input.
private struct TemporaryHome: Sendable {
    let path: String
    let context: ResolutionContext

    init() {
        var template = Array("\(ProcessInfoLite.temporaryDirectory)/fuzz-ssh-config.XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else { fatalError("mkdtemp: \(String(cString: strerror(errno)))") }
        path = String(cString: made)
        guard mkdir(path + "/.ssh", 0o700) == 0 else { fatalError("mkdir: \(String(cString: strerror(errno)))") }
        context = ResolutionContext(
            homeDirectory: path, localUser: "fuzz", localUserID: 1000, localHostName: "control.example.internal",
            environment: ["SSH_AUTH_SOCK": "/run/agent.sock", "HOME": path], configFile: path + "/.ssh/config", systemConfigFile: nil)
        atexit { home.remove() }
    }

    func remove() {
        for name in ["/.ssh/config", "/.ssh/included.conf"] { unlink(path + name) }
        rmdir(path + "/.ssh")
        rmdir(path)
    }

    func store(_ bytes: [UInt8], as name: String) {
        let descriptor = open(path + "/.ssh/" + name, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        guard descriptor >= 0 else { fatalError("open \(name): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var written = 0
        while written < bytes.count {
            let count = bytes[written...].withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
            guard count > 0 else { fatalError("write \(name): \(String(cString: strerror(errno)))") }
            written += count
        }
    }
}

private enum ProcessInfoLite {
    static var temporaryDirectory: String {
        getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    }
}

private let home = TemporaryHome()
