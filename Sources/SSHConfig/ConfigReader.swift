#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Reads `ssh` command-line options and ssh_config files for one host, the way OpenSSH 9.2's
/// `readconf.c` does: blocks switched on and off by `Host` and `Match`, `Include` nested with
/// the including block's state, the first value obtained kept.
///
/// Every line is checked whether or not its block applies, as `ssh` refuses a file with a bad
/// line anywhere. Reading is bounded: include depth (OpenSSH's 16), files, bytes and line length.
struct ConfigReader {
    /// The name being resolved (`ssh`'s `host_arg`): what `Host` patterns match.
    let host: String
    let context: ResolutionContext
    var options = ObtainedOptions()
    /// The second pass OpenSSH makes when some `Match` asks for `final` or `canonical`.
    var finalPass = false
    var wantsFinalPass = false
    private var filesRead = 0
    private var bytesRead = 0

    /// OpenSSH's `READCONF_MAX_DEPTH`.
    static let maximumIncludeDepth = 16
    /// The largest file molt reads: far beyond any real configuration.
    static let maximumFileSize = 4 << 20
    /// The longest line molt reads.
    static let maximumLineLength = 64 << 10
    /// How many files one resolution may read, includes of includes counted every time.
    static let maximumFiles = 1024
    /// How many bytes one resolution may read in all.
    static let maximumTotalBytes = 32 << 20

    /// How a file is read.
    struct FileFlags {
        /// A user configuration (`-F`, `~/.ssh/config`, and what they include): relative includes
        /// are under `~/.ssh`; else under `/etc/ssh`, and `~` is refused.
        var userConfig: Bool
        /// Included from a block that does not apply: parse and check only.
        var neverMatch: Bool
        /// Refuse a file writable by others, as OpenSSH does for `~/.ssh/config` and includes.
        var checkPermissions: Bool
    }

    init(host: String, context: ResolutionContext) {
        self.host = host
        self.context = context
    }

    // MARK: Command line

    /// One `-o` option: a configuration line that always applies; `Host`, `Match` and `Include`
    /// are refused.
    mutating func processCommandLine(_ text: String, source: ConfigLocation) throws(SSHConfigError) {
        let line: ConfigLine?
        do throws(LineProblem) {
            line = try ConfigLine.parse(Array(text.utf8))
        } catch {
            throw SSHConfigError(location: source, code: error.code, message: "-o '\(text)': \(error.message)")
        }
        guard let line else { return }
        var active = true
        try process(line, at: source, active: &active, commandLine: true, flags: FileFlags(userConfig: true, neverMatch: false, checkPermissions: false), depth: 0)
    }

    // MARK: Files

    /// Reads `path`; false when it does not exist. `active` is the state of the including block,
    /// and is what `Host` and `Match` lines switch.
    mutating func readFile(_ path: String, flags: FileFlags, depth: Int, active: inout Bool, includedFrom: ConfigLocation?) throws(SSHConfigError) -> Bool {
        guard depth <= Self.maximumIncludeDepth else {
            throw SSHConfigError(location: includedFrom, code: .tooLarge, message: "too many recursive configuration includes (more than \(Self.maximumIncludeDepth) deep)")
        }
        filesRead += 1
        guard filesRead <= Self.maximumFiles else {
            throw SSHConfigError(location: includedFrom, code: .tooLarge, message: "includes read more than \(Self.maximumFiles) files, the most molt reads for one host")
        }
        guard let data = try Self.contents(of: path, flags: flags, includedFrom: includedFrom) else { return false }
        bytesRead += data.count
        guard bytesRead <= Self.maximumTotalBytes else {
            throw SSHConfigError(location: includedFrom, code: .tooLarge, message: "includes read more than \(Self.maximumTotalBytes >> 20) MiB, the most molt reads for one host")
        }
        var lineNumber = 0
        var start = 0
        while start < data.count {
            let end = data[start...].firstIndex(of: UInt8(ascii: "\n")) ?? data.count
            lineNumber += 1
            let location = ConfigLocation(file: path, line: lineNumber)
            guard end - start <= Self.maximumLineLength else {
                throw SSHConfigError(location: location, code: .tooLarge, message: "line longer than \(Self.maximumLineLength) bytes, the most molt reads")
            }
            let line: ConfigLine?
            do throws(LineProblem) {
                line = try ConfigLine.parse(data[start..<end])
            } catch {
                throw SSHConfigError(location: location, code: error.code, message: error.message)
            }
            if let line {
                try process(line, at: location, active: &active, commandLine: false, flags: flags, depth: depth)
            }
            start = end + 1
        }
        return true
    }

    /// The bytes of a file; nil when it does not exist. A directory reads as empty, as with `ssh`.
    private static func contents(of path: String, flags: FileFlags, includedFrom: ConfigLocation?) throws(SSHConfigError) -> [UInt8]? {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            if code == ENOENT { return nil }
            throw SSHConfigError(location: includedFrom, code: .unreadable, message: "cannot open ssh config file \(path): \(String(cString: strerror(code)))")
        }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            throw SSHConfigError(location: includedFrom, code: .unreadable, message: "cannot read ssh config file \(path): \(String(cString: strerror(errno)))")
        }
        if flags.checkPermissions, (status.st_uid != 0 && status.st_uid != getuid()) || (status.st_mode & 0o022) != 0 {
            throw SSHConfigError(
                location: includedFrom, code: .unreadable,
                message: "bad owner or permissions on \(path): it must belong to you or root and be writable by no one else, as ssh requires")
        }
        if (status.st_mode & S_IFMT) == S_IFDIR { return [] }
        guard Int(status.st_size) <= maximumFileSize else {
            throw SSHConfigError(location: ConfigLocation(file: path, line: nil), code: .tooLarge, message: "file is larger than \(maximumFileSize >> 20) MiB, the most molt reads")
        }
        var bytes: [UInt8] = []
        var buffer = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                // A directory on some systems, or an unreadable device: nothing, as getline gives.
                if errno == EISDIR { return [] }
                throw SSHConfigError(location: includedFrom, code: .unreadable, message: "cannot read ssh config file \(path): \(String(cString: strerror(errno)))")
            }
            if count == 0 { break }
            bytes.append(contentsOf: buffer[..<count])
            guard bytes.count <= maximumFileSize else {
                throw SSHConfigError(location: ConfigLocation(file: path, line: nil), code: .tooLarge, message: "file is larger than \(maximumFileSize >> 20) MiB, the most molt reads")
            }
        }
        return bytes
    }

    // MARK: One line

    private mutating func process(
        _ line: ConfigLine, at location: ConfigLocation, active: inout Bool, commandLine: Bool, flags: FileFlags, depth: Int
    ) throws(SSHConfigError) {
        func failure(_ message: String, _ code: SSHConfigError.Code = .invalidValue) -> SSHConfigError {
            SSHConfigError(location: location, code: code, message: message)
        }
        let keyword = line.keyword
        guard let rule = Keyword.rule(for: keyword) else {
            if let ignored = options.ignoreUnknown,
                HostPatternMatcher.matchList(keyword, patterns: ignored, lowercasePatterns: true) == .match
            {
                return
            }
            throw failure("bad configuration option: \(line.writtenKeyword) (OpenSSH refuses it too; add it to IgnoreUnknown if another ssh needs it)", .unknownKeyword)
        }
        let arguments: [String]
        do throws(LineProblem) {
            arguments = try line.arguments()
        } catch {
            throw failure(error.message, error.code)
        }
        func single() throws(SSHConfigError) -> String {
            guard let first = arguments.first, !first.isEmpty else { throw failure("missing argument to \(line.writtenKeyword)", .syntax) }
            guard arguments.count == 1 else { throw failure("keyword \(line.writtenKeyword) has extra arguments at end of line", .syntax) }
            return first
        }
        func checkArity(_ maximum: Int?) throws(SSHConfigError) {
            guard let first = arguments.first, !first.isEmpty else { throw failure("missing argument to \(line.writtenKeyword)", .syntax) }
            if let maximum, arguments.count > maximum {
                throw failure("keyword \(line.writtenKeyword) has extra arguments at end of line", .syntax)
            }
        }
        func obtained<Value>(_ value: Value) -> ObtainedOptions.Obtained<Value> {
            .init(value: value, location: location)
        }

        switch rule {
        case .ignored:
            return
        case let .harmless(maximum):
            try checkArity(maximum)
        case let .unhonoured(harmlessValues, consequence, maximum):
            try checkArity(maximum)
            if active {
                options.noteUnhonoured(
                    keyword, written: line.writtenKeyword, firstArgument: arguments[0], location: location,
                    harmlessValues: harmlessValues, consequence: consequence)
            }
        case let .honoured(setting):
            switch setting {
            case .host:
                if commandLine { throw failure("Host is not supported as a command-line option", .syntax) }
                active = false
                for argument in arguments {
                    if argument.isEmpty { throw failure("keyword \(line.writtenKeyword) has an empty argument", .syntax) }
                    if flags.neverMatch { break }
                    let negated = argument.hasPrefix("!")
                    if HostPatternMatcher.matches(host, pattern: negated ? String(argument.dropFirst()) : argument) {
                        if negated {
                            active = false
                            break
                        }
                        active = true
                    }
                }
            case .match:
                if commandLine { throw failure("Match is not supported as a command-line option", .syntax) }
                let matched = try evaluateMatch(line.rest, at: location, neverMatch: flags.neverMatch)
                active = flags.neverMatch ? false : matched
            case .include:
                if commandLine { throw failure("Include is not supported as a command-line option", .syntax) }
                try include(arguments, at: location, active: &active, flags: flags, depth: depth)
            case .ignoreUnknown:
                let value = try single()
                if active, options.ignoreUnknown == nil { options.ignoreUnknown = value }
            case .hostName:
                let value = try single()
                if active, options.hostName == nil { options.hostName = obtained(value) }
            case .user:
                let value = try single()
                if active, options.user == nil { options.user = obtained(value) }
            case .hostKeyAlias:
                let value = try single()
                if active, options.hostKeyAlias == nil { options.hostKeyAlias = obtained(value) }
            case .port:
                let value = try single()
                guard let port = ConfigValue.port(value), port > 0 else { throw failure("bad port '\(value)'") }
                if active, options.port == nil { options.port = obtained(port) }
            case .identityFile:
                let value = try single()
                if active {
                    do throws(LineProblem) {
                        try options.addIdentityFile(value, userProvided: flags.userConfig, location: location)
                    } catch {
                        throw failure(error.message, error.code)
                    }
                }
            case .identitiesOnly:
                let value = try single()
                guard let flag = ConfigValue.flag(value) else { throw failure("unsupported \(line.writtenKeyword) value '\(value)' (yes or no)") }
                if active, options.identitiesOnly == nil { options.identitiesOnly = obtained(flag) }
            case .identityAgent:
                let value = try single()
                do throws(LineProblem) {
                    _ = try TokenExpansion.expand(value, tokens: nil, environment: context.environment)
                } catch {
                    throw failure("invalid environment expansion \(value): \(error.message)", .invalidExpansion)
                }
                if value.hasPrefix("$"), !value.hasPrefix("${"), !ConfigValue.isEnvironmentName(value.dropFirst()) {
                    throw failure("invalid environment name \(value)", .invalidExpansion)
                }
                if active, options.identityAgent == nil { options.identityAgent = obtained(value) }
            case .proxyJump:
                let raw = line.rawArgument
                let spec: ProxyJumpSpec
                do throws(LineProblem) {
                    spec = try ProxyJumpSpec.parse(raw)
                } catch {
                    throw failure(error.message, error.code)
                }
                if active, options.proxyCommand == nil, options.proxyJump == nil {
                    options.proxyJump = obtained(spec)
                    if !spec.isNone { options.proxyCommand = obtained("none") }
                }
            case .proxyCommand:
                let raw = line.rawArgument
                if active, options.proxyCommand == nil, options.proxyJump == nil { options.proxyCommand = obtained(raw) }
            case .userKnownHostsFile, .globalKnownHostsFile:
                let isUser = setting == .userKnownHostsFile
                let alreadySet = isUser ? options.userKnownHostsFiles != nil : options.globalKnownHostsFiles != nil
                guard !arguments.isEmpty else { throw failure("missing argument to \(line.writtenKeyword)", .syntax) }
                for (index, argument) in arguments.enumerated() {
                    if argument.isEmpty { throw failure("keyword \(line.writtenKeyword) has an empty argument", .syntax) }
                    if argument.lowercased() == "none", index > 0 || arguments.count > 1 {
                        throw failure("keyword \(line.writtenKeyword) \"none\" argument must appear alone", .syntax)
                    }
                }
                guard arguments.count <= ObtainedOptions.maximumKnownHostsFiles else {
                    throw failure("too many \(line.writtenKeyword) entries (max \(ObtainedOptions.maximumKnownHostsFiles))", .tooLarge)
                }
                if active, !alreadySet {
                    if isUser { options.userKnownHostsFiles = obtained(arguments) } else { options.globalKnownHostsFiles = obtained(arguments) }
                }
            case .strictHostKeyChecking:
                let value = try single()
                guard let mode = ConfigValue.strictHostKeyChecking(value) else {
                    throw failure("unsupported \(line.writtenKeyword) value '\(value)' (yes, no, ask or accept-new)")
                }
                if active, options.strictHostKeyChecking == nil { options.strictHostKeyChecking = obtained(mode) }
            case .connectTimeout, .serverAliveInterval:
                guard let value = arguments.first, !value.isEmpty else { throw failure("missing time value for \(line.writtenKeyword)", .syntax) }
                guard arguments.count == 1 else { throw failure("keyword \(line.writtenKeyword) has extra arguments at end of line", .syntax) }
                var seconds: Int?
                if value != "none" {
                    guard let parsed = ConfigValue.seconds(value) else { throw failure("invalid time value '\(value)' for \(line.writtenKeyword)") }
                    seconds = parsed
                }
                guard active, let seconds else { break }
                if setting == .connectTimeout {
                    if options.connectTimeout == nil { options.connectTimeout = obtained(seconds) }
                } else if options.serverAliveInterval == nil {
                    options.serverAliveInterval = obtained(seconds)
                }
            case .serverAliveCountMax:
                let value = try single()
                guard let count = ConfigValue.nonNegativeInteger(value) else { throw failure("invalid integer value '\(value)' for \(line.writtenKeyword)") }
                if active, options.serverAliveCountMax == nil { options.serverAliveCountMax = obtained(count) }
            }
        }
    }

    // MARK: Match

    /// `match_cfg_line`: whether every criterion holds. `exec` is never run: it counts as not
    /// matching, with a warning.
    private mutating func evaluateMatch(_ rest: [UInt8], at location: ConfigLocation, neverMatch: Bool) throws(SSHConfigError) -> Bool {
        func failure(_ message: String) -> SSHConfigError {
            SSHConfigError(location: location, code: .invalidMatch, message: message)
        }
        let user = options.user?.value ?? context.localUser
        let hostName: String
        if finalPass, let name = options.hostName?.value {
            hostName = name
        } else if let name = options.hostName?.value {
            do throws(LineProblem) {
                hostName = try TokenExpansion.expand(name, tokens: ["h": host], environment: nil)
            } catch {
                throw SSHConfigError(location: options.hostName?.location, code: error.code, message: "HostName \(error.message)")
            }
        } else {
            hostName = host
        }
        var cursor: Int? = 0
        var result = true
        var attributes = 0
        while let word = ConfigLine.strdelim(rest, &cursor, splitEquals: true), !word.isEmpty {
            if word.first == UInt8(ascii: "#") { break }
            var attribute = String(decoding: word, as: UTF8.self)
            let negate = attribute.hasPrefix("!")
            if negate { attribute.removeFirst() }
            let name = attribute.lowercased()
            if name == "all" {
                let next = ConfigLine.strdelim(rest, &cursor, splitEquals: true)
                if attributes > 1 || (next.map { !$0.isEmpty && $0.first != UInt8(ascii: "#") } ?? false) {
                    throw failure("'\(attribute)' cannot be combined with other Match attributes")
                }
                return result ? !negate : false
            }
            attributes += 1
            if name == "canonical" || name == "final" {
                if name == "final" { wantsFinalPass = true }
                if finalPass == negate { result = false }
                continue
            }
            guard let argumentBytes = ConfigLine.strdelim(rest, &cursor, splitEquals: true), !argumentBytes.isEmpty,
                argumentBytes.first != UInt8(ascii: "#")
            else {
                throw failure("missing Match criteria for \(attribute)")
            }
            let argument = String(decoding: argumentBytes, as: UTF8.self)
            let matched: Bool
            switch name {
            case "host":
                matched = HostPatternMatcher.matchHostname(hostName, patterns: argument)
            case "originalhost":
                matched = HostPatternMatcher.matchHostname(host, patterns: argument)
            case "user":
                matched = HostPatternMatcher.matchList(user, patterns: argument, lowercasePatterns: false) == .match
            case "localuser":
                matched = HostPatternMatcher.matchList(context.localUser, patterns: argument, lowercasePatterns: false) == .match
            case "exec":
                if result, !neverMatch {
                    options.warnOnce(
                        SSHConfigWarning(
                            host: host, option: "Match exec", location: location,
                            message: "molt does not run 'Match exec \(argument)'; it counts as not matching, so the block is skipped"))
                }
                // As in OpenSSH, a failed `exec` fails the line whether or not it is negated.
                result = false
                continue
            default:
                throw failure("unsupported Match attribute \(attribute)")
            }
            if matched == negate { result = false }
        }
        guard attributes > 0 else { throw failure("one or more attributes required for Match") }
        return result
    }

    // MARK: Include

    private mutating func include(_ arguments: [String], at location: ConfigLocation, active: inout Bool, flags: FileFlags, depth: Int) throws(SSHConfigError) {
        guard !arguments.isEmpty else { throw SSHConfigError(location: location, code: .syntax, message: "missing argument to Include") }
        for argument in arguments {
            guard !argument.isEmpty else { throw SSHConfigError(location: location, code: .syntax, message: "keyword Include has an empty argument") }
            if argument.hasPrefix("~"), !flags.userConfig {
                throw SSHConfigError(location: location, code: .invalidValue, message: "bad include path \(argument): ~ is only allowed in user configuration files")
            }
            var pattern = argument
            if !argument.hasPrefix("/"), !argument.hasPrefix("~") {
                pattern = (flags.userConfig ? "~/.ssh/" : "/etc/ssh/") + argument
            }
            let expanded: String
            do throws(LineProblem) {
                expanded = try TokenExpansion.expandTilde(pattern, home: context.homeDirectory)
            } catch {
                throw SSHConfigError(location: location, code: error.code, message: "Include \(argument): \(error.message)")
            }
            let paths = try Self.glob(expanded, at: location)
            let outer = active
            for path in paths {
                var nestedFlags = flags
                nestedFlags.checkPermissions = true
                if !outer { nestedFlags.neverMatch = true }
                _ = try readFile(path, flags: nestedFlags, depth: depth + 1, active: &active, includedFrom: location)
                // A Match inside an included file does not change the including file's state.
                active = outer
            }
        }
    }

    /// The paths `pattern` names, sorted, as `glob(3)` gives them; none is not an error.
    private static func glob(_ pattern: String, at location: ConfigLocation) throws(SSHConfigError) -> [String] {
        var matches = glob_t()
        defer { globfree(&matches) }
        #if canImport(Glibc)
        let status = pattern.withCString { Glibc.glob($0, 0, nil, &matches) }
        #else
        let status = pattern.withCString { Darwin.glob($0, 0, nil, &matches) }
        #endif
        if status == GLOB_NOMATCH { return [] }
        guard status == 0 else {
            throw SSHConfigError(location: location, code: .unreadable, message: "glob failed for \(pattern)")
        }
        var paths: [String] = []
        for index in 0..<Int(matches.gl_pathc) {
            if let path = matches.gl_pathv[index] { paths.append(String(cString: path)) }
        }
        return paths
    }
}
