#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// `%` tokens, `${VAR}` and `~` in ssh_config values, expanded as OpenSSH 9.2 does
/// (`misc.c` `percent_dollar_expand`, `tilde_expand_filename`).
enum TokenExpansion {
    /// Expands `%x` tokens from `tokens` (`%%` is a percent sign; nil leaves `%` alone) and,
    /// when `environment` is given, `${NAME}` from it. An unknown token, a `%` at the end, an unset or malformed
    /// `${…}` is an error, as it is fatal to `ssh`.
    static func expand(
        _ text: String, tokens: [Character: String]?, environment: [String: String]?
    ) throws(LineProblem) -> String {
        var result = ""
        var characters = Substring(text)
        while let c = characters.first {
            characters = characters.dropFirst()
            if let environment, c == "$", characters.first == "{" {
                characters = characters.dropFirst()
                guard let close = characters.firstIndex(of: "}") else {
                    throw LineProblem(message: "environment variable '\(characters)' is missing its closing '}'", code: .invalidExpansion)
                }
                let name = String(characters[..<close])
                guard !name.isEmpty else {
                    throw LineProblem(message: "zero-length environment variable in '\(text)'", code: .invalidExpansion)
                }
                guard let value = environment[name] else {
                    throw LineProblem(message: "environment variable ${\(name)} in '\(text)' has no value", code: .invalidExpansion)
                }
                result += value
                characters = characters[characters.index(after: close)...]
                continue
            }
            guard c == "%", let tokens else {
                result.append(c)
                continue
            }
            guard let token = characters.first else {
                throw LineProblem(message: "'\(text)' ends with a lone '%'", code: .invalidExpansion)
            }
            characters = characters.dropFirst()
            if token == "%" {
                result.append("%")
            } else if let value = tokens[token] {
                result += value
            } else if token == "C" {
                throw LineProblem(message: "'\(text)': molt does not expand %C (the connection hash)", code: .invalidExpansion)
            } else {
                throw LineProblem(message: "'\(text)' uses the unknown token %\(token)", code: .invalidExpansion)
            }
        }
        return result
    }

    /// `tilde_expand_filename`: `~/…` from `home`, `~user/…` from that account. Like OpenSSH,
    /// `~` alone is `home/`, and `~name` without a slash is `home/name`.
    static func expandTilde(_ path: String, home: String) throws(LineProblem) -> String {
        guard path.hasPrefix("~") else { return path }
        let afterTilde = path.dropFirst()
        let slash = afterTilde.firstIndex(of: "/")
        var base = home
        var rest = afterTilde
        if let slash, slash > afterTilde.startIndex {
            let userName = String(afterTilde[..<slash])
            guard let account = getpwnam(userName), let directory = account.pointee.pw_dir else {
                throw LineProblem(message: "no such user '\(userName)' in '\(path)'", code: .invalidExpansion)
            }
            base = String(cString: directory)
        }
        if let slash { rest = afterTilde[afterTilde.index(after: slash)...] }
        return base + (base.hasSuffix("/") ? "" : "/") + rest
    }
}
