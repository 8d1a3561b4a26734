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

    /// Given the tar stream the archive API returned for one of ``locations``, the packages in it.
    ///
    /// For dpkg, a member named `status` is read as a status file and every file in a
    /// `status.d` directory as one package's stanza (its `*.md5sums` companions are skipped);
    /// for apk, a member named `installed`. Hard links to an earlier member are read as that
    /// member. Throws a ``TarError`` for a broken archive, or a ``PackageDatabaseError`` naming
    /// the member and line for a broken database, for a database that is a symbolic link
    /// (ask the archive API for its target), or for an archive that holds no database at all.
    public static func packages(fromArchive bytes: [UInt8], format: PackageFormat) throws -> [InstalledPackage] {
        var packages: [InstalledPackage] = []
        var foundDatabase = false
        let entries = try TarArchive.entries(bytes)
        var contents: [String: [UInt8]] = [:]
        for entry in entries {
            let components = entry.path.split(separator: "/").filter { $0 != "." }
            guard let name = components.last else { continue }
            let inStatusDirectory = components.dropLast().last == "status.d"
            let role: Role? =
                switch format {
                case .dpkg where inStatusDirectory: .statusDirectoryFile
                case .dpkg where name == "status": .statusFile
                case .dpkg where name == "status.d" && entry.kind == .directory: .statusDirectory
                case .apk where name == "installed": .apkInstalled
                default: nil
                }
            if entry.kind == .file { contents[components.joined(separator: "/")] = entry.contents }
            guard let role else { continue }
            foundDatabase = true
            if role == .statusDirectory { continue }
            if role == .statusDirectoryFile && (name.hasSuffix(".md5sums") || name.hasPrefix(".")) { continue }

            let text: [UInt8]
            switch entry.kind {
            case .file:
                text = entry.contents
            case .hardlink:
                let target = (entry.linkTarget ?? "").split(separator: "/").filter { $0 != "." }.joined(separator: "/")
                guard let earlier = contents[target] else {
                    throw PackageDatabaseError(
                        file: entry.path, line: nil,
                        reason: "is a hard link to '\(entry.linkTarget ?? "")', which the archive does not hold")
                }
                text = earlier
            case .symlink:
                if role == .statusDirectoryFile { continue }
                throw PackageDatabaseError(
                    file: entry.path, line: nil,
                    reason: "is a symbolic link to '\(entry.linkTarget ?? "")'; read the database at its target")
            case .directory, .other:
                if role == .statusDirectoryFile { continue }
                throw PackageDatabaseError(file: entry.path, line: nil, reason: "is not a regular file")
            }
            switch role {
            case .statusFile: packages += try parseDpkgStatus(text, file: entry.path, assumeInstalled: false)
            case .statusDirectoryFile: packages += try parseDpkgStatus(text, file: entry.path, assumeInstalled: true)
            case .apkInstalled: packages += try parseAPKInstalled(text, file: entry.path)
            case .statusDirectory: break
            }
        }
        guard foundDatabase else {
            let expected = format == .dpkg ? "a dpkg 'status' file or 'status.d' directory" : "an apk 'installed' file"
            let members = entries.prefix(5).map { "'\($0.path)'" }.joined(separator: ", ")
            throw PackageDatabaseError(
                file: "archive", line: nil,
                reason: "expected \(expected), found "
                    + (entries.isEmpty ? "no members" : "\(members)\(entries.count > 5 ? ", …" : "")"))
        }
        return packages
    }

    /// What a member of a fetched archive is to the database reader.
    private enum Role {
        case statusFile, statusDirectory, statusDirectoryFile, apkInstalled
    }
}
