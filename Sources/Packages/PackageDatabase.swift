/// The installed-package databases of container images: where they live, how to read them.
///
/// molt reads a container's own database through the Docker archive API, so it sees what is
/// installed in the image the container runs, whatever tools the image lacks.
public enum PackageDatabase {
    /// Where each format keeps its database inside a container filesystem: the paths molt asks
    /// the archive API for, in the order to try them. Distroless Debian images have no `status`
    /// file but one file per package in `status.d`.
    public static let locations: [(path: String, format: PackageFormat)] = [
        ("/var/lib/dpkg/status", .dpkg),
        ("/var/lib/dpkg/status.d", .dpkg),
        ("/lib/apk/db/installed", .apk),
    ]

    /// Given the tar archive the archive API returned for one of ``locations``, the packages in it.
    ///
    /// For dpkg, a member named `status` is read as a status file and every file in a
    /// `status.d` directory as one package's stanza (its `*.md5sums` companions are skipped);
    /// for apk, a member named `installed`. Hard links to an earlier database member are read
    /// as that member. Throws a ``TarError`` for a broken archive, or a ``PackageDatabaseError``
    /// naming the member and line for a broken database, for a database that is a symbolic link
    /// (ask the archive API for its target), for one larger than `limit`, or for an archive that
    /// holds no database at all. ``PackageDatabaseReader`` reads the same as the bytes arrive.
    public static func packages(
        fromArchive bytes: [UInt8], format: PackageFormat, limit: Int = PackageDatabaseReader.defaultLimit
    ) throws -> [InstalledPackage] {
        var reader = PackageDatabaseReader(format: format, limit: limit)
        try reader.append(bytes)
        return try reader.finish()
    }

    /// The packages in a tar stream the archive API returns for `location`, read chunk by chunk
    /// with a ``PackageDatabaseReader``: only the database's own bytes are held, never the
    /// archive. Reading stops at the archive's end marker; errors name members by their path
    /// under `location`.
    public static func packages<Chunks: AsyncSequence>(
        fromArchive chunks: Chunks, location: String, format: PackageFormat,
        limit: Int = PackageDatabaseReader.defaultLimit
    ) async throws -> [InstalledPackage] where Chunks.Element == [UInt8] {
        var reader = PackageDatabaseReader(format: format, location: location, limit: limit)
        for try await chunk in chunks {
            try reader.append(chunk)
            if reader.isAtEnd { break }
        }
        return try reader.finish()
    }
}
