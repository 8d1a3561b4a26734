public import Packages

/// How a container's installed packages differ from its image's: the `changed-in-place` detail.
public struct PackageDiff: Sendable, Hashable {
    /// A package whose version differs.
    public struct Change: Sendable, Hashable {
        public var name: String
        public var old: String
        public var new: String
    }

    /// Packages installed in both with different versions, by name.
    public var changed: [Change]
    /// Packages in the container but not in the image.
    public var added: [InstalledPackage]
    /// Packages in the image but no longer in the container.
    public var removed: [InstalledPackage]

    /// Compares by format, name and architecture (a multi-arch dpkg database holds one
    /// package under several architectures).
    public init(image: [InstalledPackage], container: [InstalledPackage]) {
        func key(_ package: InstalledPackage) -> String {
            "\(package.format.rawValue) \(package.name) \(package.architecture ?? "")"
        }
        let before = Dictionary(image.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
        let after = Dictionary(container.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
        changed = after.compactMap { key, now in
            guard let was = before[key], was.version != now.version else { return nil }
            return Change(name: now.name, old: was.version, new: now.version)
        }.sorted { $0.name < $1.name }
        added = after.filter { before[$0.key] == nil }.map(\.value).sorted { $0.name < $1.name }
        removed = before.filter { after[$0.key] == nil }.map(\.value).sorted { $0.name < $1.name }
    }

    public var isEmpty: Bool { changed.isEmpty && added.isEmpty && removed.isEmpty }

    /// One line per package: `libssl3 3.0.11-1 → 3.0.15-1`, `+ curl 8.5.0`, `- wget 1.21`.
    public var lines: [String] {
        changed.map { "\($0.name) \($0.old) → \($0.new)" }
            + added.map { "+ \($0.name) \($0.version)" }
            + removed.map { "- \($0.name) \($0.version)" }
    }
}
