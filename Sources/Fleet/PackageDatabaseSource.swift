public import DockerEngine
public import Packages

/// An engine that can say which packages a container (running or not) has installed, from
/// its own dpkg and apk databases: what `find` and `audit` read.
public protocol PackageDatabaseSource: Sendable {
    /// Every package in every database the container has; a database it lacks is skipped.
    func installedPackages(in container: String) async throws -> [InstalledPackage]
}

extension DockerClient: PackageDatabaseSource {
    /// Each archive is read as it arrives: only the database's own bytes are held (at most
    /// ``PackageDatabaseReader/defaultLimit``), so a container whose database path holds
    /// something huge costs no memory, and many containers can be searched at once.
    public func installedPackages(in container: String) async throws -> [InstalledPackage] {
        var found: [InstalledPackage] = []
        for location in PackageDatabase.locations {
            do {
                found += try await withArchive(of: container, path: location.path) { body in
                    try await PackageDatabase.packages(fromArchive: body, location: location.path, format: location.format)
                }
            } catch let error as DockerError where error.code == .notFound {
                continue
            }
        }
        return found
    }
}
