/// The package manager whose database a container image carries.
public enum PackageFormat: String, Sendable, Codable, CaseIterable {
    /// Debian and Ubuntu: `/var/lib/dpkg/status`, or `/var/lib/dpkg/status.d/` in distroless images.
    case dpkg
    /// Alpine: `/lib/apk/db/installed`.
    case apk
}
