/// The options obtained so far while reading the command line and the files, each with where
/// it came from. OpenSSH keeps the first value obtained for most options, so a field once set
/// is never overwritten.
struct ObtainedOptions {
    /// A value and the line it came from.
    struct Obtained<Value> {
        var value: Value
        var location: ConfigLocation
    }

    /// An identity file as written (`-i` files already have `~` expanded), and whether the user
    /// gave it (OpenSSH drops a duplicate only with the same flag).
    struct IdentityFile {
        var path: String
        var userProvided: Bool
        var location: ConfigLocation
    }

    /// A keyword molt does not honour, at its first appearance in a block that applies.
    struct Unhonoured {
        var writtenKeyword: String
        var firstArgument: String
        var location: ConfigLocation
        var harmlessValues: Set<String>
        var consequence: String
    }

    var hostName: Obtained<String>?
    var user: Obtained<String>?
    var port: Obtained<Int>?
    var identityFiles: [IdentityFile] = []
    var identitiesOnly: Obtained<Bool>?
    var identityAgent: Obtained<String>?
    /// `ProxyJump` as `parse_jump` leaves it: the spec, or `none`.
    var proxyJump: Obtained<ProxyJumpSpec>?
    /// `ProxyCommand` as written; `none` is kept, as it blocks a later `ProxyJump`.
    var proxyCommand: Obtained<String>?
    var userKnownHostsFiles: Obtained<[String]>?
    var globalKnownHostsFiles: Obtained<[String]>?
    var strictHostKeyChecking: Obtained<StrictHostKeyChecking>?
    var connectTimeout: Obtained<Int>?
    var serverAliveInterval: Obtained<Int>?
    var serverAliveCountMax: Obtained<Int>?
    var hostKeyAlias: Obtained<String>?
    var ignoreUnknown: String?
    /// Keyed by the lowercased keyword, in the order first seen.
    var unhonoured: [String: Unhonoured] = [:]
    var unhonouredOrder: [String] = []
    /// Warnings found while reading (a `Match exec` not run).
    var warnings: [SSHConfigWarning] = []

    /// OpenSSH's `SSH_MAX_IDENTITY_FILES`.
    static let maximumIdentityFiles = 100
    /// OpenSSH's `SSH_MAX_HOSTS_FILES`.
    static let maximumKnownHostsFiles = 32

    mutating func addIdentityFile(_ path: String, userProvided: Bool, location: ConfigLocation) throws(LineProblem) {
        if identityFiles.contains(where: { $0.path == path && $0.userProvided == userProvided }) { return }
        guard identityFiles.count < Self.maximumIdentityFiles else {
            throw LineProblem(message: "too many identity files specified (max \(Self.maximumIdentityFiles))", code: .tooLarge)
        }
        identityFiles.append(IdentityFile(path: path, userProvided: userProvided, location: location))
    }

    mutating func noteUnhonoured(_ keyword: String, written: String, firstArgument: String, location: ConfigLocation, harmlessValues: Set<String>, consequence: String) {
        guard unhonoured[keyword] == nil else { return }
        unhonoured[keyword] = Unhonoured(
            writtenKeyword: written, firstArgument: firstArgument, location: location, harmlessValues: harmlessValues, consequence: consequence)
        unhonouredOrder.append(keyword)
    }

    mutating func warnOnce(_ warning: SSHConfigWarning) {
        if !warnings.contains(warning) { warnings.append(warning) }
    }
}
