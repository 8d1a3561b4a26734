import Foundation

/// A PostgreSQL journal's server, as `--journal` or `MOLT_JOURNAL` gives it:
/// `postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=disable|require|verify-full][&sslrootcert=PATH|system]`.
///
/// The password comes from the URL, else `PGPASSWORD`, else `~/.pgpass` (or `PGPASSFILE`) as
/// libpq reads it. It is never part of ``description``, which is what messages show.
struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    /// How the connection is encrypted, libpq's `sslmode`.
    enum TLSMode: String, Sendable, CaseIterable {
        /// Plain TCP.
        case disable
        /// TLS if the server offers it, unverified; libpq's default.
        case prefer
        /// TLS, its certificate not verified.
        case require
        /// TLS, the certificate checked against the system's roots and the host name.
        case verifyFull = "verify-full"
    }

    var user: String
    var password: String?
    var host: String
    var port: Int
    var database: String
    var tls: TLSMode
    /// The certificate authorities `verify-full` trusts: `sslrootcert`'s file, else
    /// `~/.postgresql/root.crt` when it exists (as libpq), else the system's roots.
    var roots: String?

    /// Whether the host is an IPv4 or IPv6 address rather than a name.
    var hostIsAddress: Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// `user@host:port/db`: the server, never the password.
    var description: String { "\(user)@\(host):\(port)/\(database)" }

    /// Whether `--journal`'s value names a PostgreSQL server rather than an SQLite file.
    static func isURL(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses `text`, filling a missing password from the environment or the password file.
    ///
    /// - Throws: ``JournalError/Code/unopenable`` naming what is wrong with the URL, with any
    ///   password it held left out.
    init(_ text: String, environment: [String: String]) throws {
        func refuse(_ problem: String) -> JournalError {
            JournalError(
                path: Self.redacted(text), code: .unopenable,
                message: "\(problem); give postgres://USER[:PASSWORD]@HOST[:PORT]/DB[?sslmode=disable|require|verify-full][&sslrootcert=PATH]")
        }
        guard Self.isURL(text), let components = URLComponents(string: text) else {
            throw refuse("is not a PostgreSQL URL")
        }
        guard let host = components.host, !host.isEmpty else { throw refuse("the URL names no host") }
        guard let user = components.user?.removingPercentEncoding, !user.isEmpty else {
            throw refuse("the URL names no user")
        }
        let database = String(components.path.drop { $0 == "/" }).removingPercentEncoding ?? ""
        guard !database.isEmpty, !database.contains("/") else { throw refuse("the URL names no database") }
        let port = components.port ?? 5432
        guard (1...65535).contains(port) else { throw refuse("the port \(port) is out of range") }
        var tls = TLSMode.prefer
        var roots: String?
        var rootsGiven = false
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let mode = TLSMode(rawValue: value) else {
                    throw refuse("sslmode \(item.value ?? "") is not one of disable, prefer, require, verify-full")
                }
                tls = mode
            case "sslrootcert":
                guard let value = item.value, !value.isEmpty else { throw refuse("sslrootcert names no file") }
                roots = value == "system" ? nil : value
                rootsGiven = true
            default:
                throw refuse("molt does not know the URL parameter \(item.name)")
            }
        }
        self.user = user
        self.host = host.hasPrefix("[") && host.hasSuffix("]") ? String(host.dropFirst().dropLast()) : host
        self.port = port
        self.database = database
        self.tls = tls
        if !rootsGiven, let home = environment["HOME"].flatMap({ $0.isEmpty ? nil : $0 }),
            FileManager.default.fileExists(atPath: home + "/.postgresql/root.crt") {
            roots = home + "/.postgresql/root.crt"
        }
        self.roots = roots
        self.password = components.password?.removingPercentEncoding
            ?? environment["PGPASSWORD"]
            ?? Self.passwordFile(environment).flatMap { Self.password(in: $0, host: self.host, port: port, database: database, user: user) }
    }

    /// `text` with the password of its URL replaced by `***`, for messages about a URL that
    /// could not be parsed.
    static func redacted(_ text: String) -> String {
        withoutPassword(text, replacement: ":***")
    }

    /// `text` with the password of its URL, if any, left out (or replaced by `replacement`).
    static func withoutPassword(_ text: String, replacement: String = "") -> String {
        guard let scheme = text.range(of: "://") else { return text }
        let rest = text[scheme.upperBound...]
        let authority = rest.prefix { $0 != "/" && $0 != "?" }
        guard let at = authority.lastIndex(of: "@"), let colon = authority[..<at].firstIndex(of: ":") else { return text }
        return String(text[..<colon]) + replacement + String(text[at...])
    }

    /// The password file libpq reads: `PGPASSFILE`, else `~/.pgpass`.
    private static func passwordFile(_ environment: [String: String]) -> String? {
        if let file = environment["PGPASSFILE"], !file.isEmpty { return file }
        guard let home = environment["HOME"].flatMap({ $0.isEmpty ? nil : $0 }) else { return nil }
        return home + "/.pgpass"
    }

    /// The password for this server in a `.pgpass` file (`host:port:db:user:password` lines, `*`
    /// matching anything, `\:` and `\\` escaped), or nil. Like libpq, a file that others may read
    /// is ignored.
    static func password(in file: String, host: String, port: Int, database: String, user: String) -> String? {
        guard let attributes = try? FileManager.default.attributesOfItem(atPath: file),
            let mode = attributes[.posixPermissions] as? Int, mode & 0o077 == 0,
            let text = try? String(contentsOfFile: file, encoding: .utf8)
        else { return nil }
        let wanted = [host, String(port), database, user]
        for line in text.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let fields = splitFields(line)
            guard fields.count == 5 else { continue }
            if zip(fields.prefix(4), wanted).allSatisfy({ $0 == "*" || $0 == $1 }) { return fields[4] }
        }
        return nil
    }

    private static func splitFields(_ line: Substring) -> [String] {
        var fields: [String] = []
        var current = ""
        var escaped = false
        for character in line {
            if escaped {
                current.append(character)
                escaped = false
            } else if character == "\\" {
                escaped = true
            } else if character == ":" && fields.count < 4 {
                fields.append(current)
                current = ""
            } else {
                current.append(character)
            }
        }
        fields.append(current)
        return fields
    }
}
