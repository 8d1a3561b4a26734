/// One package installed in a container image, as its package database records it.
public struct InstalledPackage: Sendable, Hashable, Codable {
    /// The binary package name (`libssl3`).
    public var name: String
    /// The installed version, exactly as the database writes it.
    public var version: String
    /// The architecture (`amd64`, `all`, `x86_64`), when the database records one.
    public var architecture: String?
    /// The database the package was read from; it decides how versions are ordered.
    public var format: PackageFormat
    /// The source package (dpkg `Source`) or origin (apk `o:`) it was built from, when the
    /// database records one; for dpkg, a missing `Source` means the source has the package's name.
    public var source: String?
    /// The source package's version when dpkg records one that differs from ``version``
    /// (`Source: openssl (3.0.15-1)`).
    public var sourceVersion: String?

    /// A package as a database records it; `source` and `sourceVersion` only where it says.
    public init(
        name: String,
        version: String,
        architecture: String? = nil,
        format: PackageFormat,
        source: String? = nil,
        sourceVersion: String? = nil
    ) {
        self.name = name
        self.version = version
        self.architecture = architecture
        self.format = format
        self.source = source
        self.sourceVersion = sourceVersion
    }

    /// The installed version, read as the package manager reads its own database (see
    /// ``PackageVersion/init(installed:format:)``).
    public var parsedVersion: PackageVersion {
        get throws(VersionError) { try PackageVersion(installed: version, format: format) }
    }

    /// Whether the installed version sorts before `bound` in this package's format: the test
    /// behind `molt find --package NAME --below VERSION`.
    ///
    /// Throws when either version cannot be read in that format: the installed one as the
    /// package manager reads it, `bound` strictly (see ``PackageVersion/init(_:format:)``).
    public func isVersion(below bound: String) throws(VersionError) -> Bool {
        try parsedVersion < PackageVersion(bound, format: format)
    }
}
