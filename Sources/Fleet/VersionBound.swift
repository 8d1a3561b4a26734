public import Packages

/// The `--below` of `molt find`: one upper bound per package format.
///
/// `3.0.12` applies to every format; `dpkg:3.0.15-1~deb12u1` and `apk:3.1.7-r1` to one
/// format each, so one search can cover Debian and Alpine images whose patched versions
/// differ. Several are separated by commas (or given as repeated flags).
public struct VersionBounds: Sendable, Hashable {
    /// Bounds for a single format.
    public var byFormat: [PackageFormat: String]
    /// The bound for formats without their own.
    public var unqualified: String?

    static let prefixes: [(String, PackageFormat)] = [("dpkg:", .dpkg), ("deb:", .dpkg), ("apk:", .apk)]

    /// Parses `3.0.12`, `dpkg:V`, `apk:V`, or several joined with commas.
    /// - Throws: a message naming the bound that is not a version of its format.
    public init(_ texts: [String]) throws(VersionBoundError) {
        byFormat = [:]
        unqualified = nil
        for text in texts.flatMap({ $0.split(separator: ",").map { String($0).trimmingSpaces } }) where !text.isEmpty {
            if let (prefix, format) = Self.prefixes.first(where: { text.hasPrefix($0.0) }) {
                let version = String(text.dropFirst(prefix.count))
                do {
                    _ = try PackageVersion(version, format: format)
                } catch {
                    throw VersionBoundError(message: "--below \(text): \(error)")
                }
                byFormat[format] = version
            } else {
                guard [PackageFormat.dpkg, .apk].contains(where: { (try? PackageVersion(text, format: $0)) != nil }) else {
                    throw VersionBoundError(message: "--below \(text) is neither a Debian nor an apk version")
                }
                unqualified = text
            }
        }
    }

    /// True when `package` is installed at a version strictly below its format's bound.
    /// - Throws: `VersionBoundError` when no bound applies to the package's format, so a
    ///   container is never silently left out of an emergency search.
    public func admits(_ package: InstalledPackage) throws(VersionBoundError) -> Bool {
        guard let bound = byFormat[package.format] ?? unqualified else {
            throw VersionBoundError(message: "\(package.name) \(package.version) is a \(package.format) package and no --below bound applies to \(package.format): add \(package.format):VERSION")
        }
        let limit: PackageVersion
        do {
            limit = try PackageVersion(bound, format: package.format)
        } catch {
            throw VersionBoundError(message: "\(package.name) \(package.version) is a \(package.format) package and \(bound) is not a \(package.format) version: add \(package.format):VERSION")
        }
        do {
            return try PackageVersion(installed: package.version, format: package.format) < limit
        } catch {
            throw VersionBoundError(message: "installed \(package.name) has an unreadable version: \(error)")
        }
    }
}

/// A `--below` bound that cannot be used.
public struct VersionBoundError: Error, CustomStringConvertible, Sendable {
    public var message: String
    public var description: String { message }
}

extension String {
    var trimmingSpaces: String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
