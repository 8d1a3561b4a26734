/// Reads the packages of one database location out of the tar stream the archive API returns,
/// as its bytes arrive.
///
/// Only the members that make up the database (a dpkg `status` file, the package files of a
/// `status.d` directory, apk's `installed`) are kept, each until the archive ends so that a
/// later hard link can name it; the data of every other member (`*.md5sums` companions
/// included) is dropped as it arrives. So memory stays within
/// ``limit`` plus one chunk however large the archive, and a database larger than ``limit`` is
/// an error naming its path, not a crash.
///
/// ```swift
/// var reader = PackageDatabaseReader(format: .dpkg, location: "/var/lib/dpkg/status")
/// for try await chunk in body { try reader.append(chunk) }
/// let packages = try reader.finish()
/// ```
public struct PackageDatabaseReader: Sendable {
    /// The most database bytes a reader keeps unless told otherwise: a Debian status file of
    /// thousands of packages is a few MiB.
    public static let defaultLimit = 64 << 20

    /// The format of the database read.
    public let format: PackageFormat
    /// The path the archive was asked for (`/var/lib/dpkg/status.d`), which errors name members
    /// by; `nil` names them as the archive does (`status.d/libssl3`).
    public let location: String?
    /// The most bytes of database members kept, all members together.
    public let limit: Int

    /// Whether the end of the archive has been read: later bytes are ignored, so a caller may
    /// stop reading.
    public var isAtEnd: Bool { tar.isAtEnd }
    /// The most bytes held at once: the tar reader's buffer at its peak plus the database
    /// members kept.
    public private(set) var peakHeldBytes = 0

    private var tar = TarReader()
    private var packages: [InstalledPackage] = []
    private var foundDatabase = false
    /// The bytes of the database members read so far, by normalized path, for hard links.
    private var kept: [String: [UInt8]] = [:]
    private var keptBytes = 0
    /// The first few members, to say what the archive held instead of a database.
    private var firstMembers: [String] = []
    private var memberCount = 0
    private var failure: PackageDatabaseError?

    /// A reader with no bytes yet.
    public init(format: PackageFormat, location: String? = nil, limit: Int = Self.defaultLimit) {
        self.format = format
        self.location = location
        self.limit = limit
    }

    /// Reads the next bytes of the archive, and every database member they complete.
    ///
    /// Throws a ``TarError`` for a broken archive, or a ``PackageDatabaseError`` naming the
    /// member (and line) for a broken or oversized database; after an error it keeps throwing it.
    public mutating func append(_ bytes: some Collection<UInt8>) throws {
        if let failure { throw failure }
        tar.append(bytes)
        do {
            while let entry = try nextEntry() { try read(entry) }
        } catch let error as PackageDatabaseError {
            failure = error
            throw error
        }
        peakHeldBytes = max(peakHeldBytes, tar.peakBufferCapacity + keptBytes)
    }

    /// Declares the archive complete and returns the packages of the database.
    ///
    /// Throws a ``TarError`` for an archive that stops inside a header or a member, and a
    /// ``PackageDatabaseError`` for an archive that holds no database at all.
    public func finish() throws -> [InstalledPackage] {
        if let failure { throw failure }
        try tar.finish()
        guard foundDatabase else {
            let expected = format == .dpkg ? "a dpkg 'status' file or 'status.d' directory" : "an apk 'installed' file"
            let members = firstMembers.map { "'\($0)'" }.joined(separator: ", ")
            throw PackageDatabaseError(
                file: "archive", line: nil,
                reason: "expected \(expected), found "
                    + (memberCount == 0 ? "no members" : "\(members)\(memberCount > firstMembers.count ? ", …" : "")"))
        }
        return packages
    }

    // MARK: - Reading

    /// What a member of a fetched archive is to the database reader.
    private enum Role {
        case statusFile, statusDirectory, statusDirectoryFile, apkInstalled
    }

    /// The next member, keeping the data of database members only, within the limit.
    private mutating func nextEntry() throws -> TarEntry? {
        let format = self.format
        let room = limit - keptBytes
        var oversized: TarEntry?
        let entry = try tar.nextEntry(keeping: { entry in
            let components = Self.components(entry.path)
            guard let role = Self.role(of: components, kind: entry.kind, format: format),
                !Self.isCompanion(components, role: role)
            else { return false }
            guard entry.size <= room else {
                oversized = entry
                return false
            }
            return true
        })
        if let oversized {
            throw PackageDatabaseError(
                file: displayPath(oversized.path), line: nil,
                reason: "is \(oversized.size) bytes, and molt reads at most \(limit) bytes of package database"
                    + (keptBytes > 0 ? " (\(keptBytes) already read from this archive)" : ""))
        }
        return entry
    }

    private mutating func read(_ entry: TarEntry) throws {
        memberCount += 1
        if firstMembers.count < 5 { firstMembers.append(entry.path) }
        let components = Self.components(entry.path)
        guard let role = Self.role(of: components, kind: entry.kind, format: format) else { return }
        foundDatabase = true
        if role == .statusDirectory || Self.isCompanion(components, role: role) { return }
        if entry.kind == .file {
            kept[components.joined(separator: "/")] = entry.contents
            keptBytes += entry.contents.count
        }

        let text: [UInt8]
        switch entry.kind {
        case .file:
            text = entry.contents
        case .hardlink:
            let target = Self.components(entry.linkTarget ?? "").joined(separator: "/")
            guard let earlier = kept[target] else {
                throw PackageDatabaseError(
                    file: entry.path, line: nil,
                    reason: "is a hard link to '\(entry.linkTarget ?? "")', which is not a database member earlier in the archive")
            }
            text = earlier
        case .symlink:
            if role == .statusDirectoryFile { return }
            throw PackageDatabaseError(
                file: entry.path, line: nil,
                reason: "is a symbolic link to '\(entry.linkTarget ?? "")'; read the database at its target")
        case .directory, .other:
            if role == .statusDirectoryFile { return }
            throw PackageDatabaseError(file: entry.path, line: nil, reason: "is not a regular file")
        }
        switch role {
        case .statusFile:
            packages += try PackageDatabase.parseDpkgStatus(text, file: entry.path, assumeInstalled: false)
        case .statusDirectoryFile:
            packages += try PackageDatabase.parseDpkgStatus(text, file: entry.path, assumeInstalled: true)
        case .apkInstalled:
            packages += try PackageDatabase.parseAPKInstalled(text, file: entry.path)
        case .statusDirectory: break
        }
    }

    /// A member path's components, without empty and `.` ones.
    private static func components(_ path: String) -> [Substring] {
        path.split(separator: "/").filter { $0 != "." }
    }

    /// What a member is to the database: `nil` for members that are none of it.
    private static func role(of components: [Substring], kind: TarEntry.Kind, format: PackageFormat) -> Role? {
        guard let name = components.last else { return nil }
        let inStatusDirectory = components.dropLast().last == "status.d"
        return switch format {
        case .dpkg where inStatusDirectory: .statusDirectoryFile
        case .dpkg where name == "status": .statusFile
        case .dpkg where name == "status.d" && kind == .directory: .statusDirectory
        case .apk where name == "installed": .apkInstalled
        default: nil
        }
    }

    /// Whether a member of a `status.d` directory is no package's stanza but a companion file
    /// (`libssl3.md5sums`) or a hidden one, which is not read.
    private static func isCompanion(_ components: [Substring], role: Role) -> Bool {
        guard role == .statusDirectoryFile, let name = components.last else { return false }
        return name.hasSuffix(".md5sums") || name.hasPrefix(".")
    }

    /// A member's path in the container, when the location asked for is known: the archive
    /// names members from the last component of that location (`status.d/libssl3`).
    private func displayPath(_ member: String) -> String {
        guard let location else { return member }
        let parent = location.split(separator: "/").dropLast().joined(separator: "/")
        return "/" + (parent.isEmpty ? "" : parent + "/") + Self.components(member).joined(separator: "/")
    }
}
