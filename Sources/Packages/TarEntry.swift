/// One member of a tar archive: a file, a directory or a link, with its metadata.
public struct TarEntry: Sendable, Hashable {
    /// What kind of filesystem object an entry describes.
    public enum Kind: Sendable, Hashable {
        /// A regular file; its bytes are in ``TarEntry/contents``.
        case file
        /// A directory; it has no data.
        case directory
        /// A symbolic link to ``TarEntry/linkTarget``.
        case symlink
        /// A hard link to the earlier member named ``TarEntry/linkTarget``.
        case hardlink
        /// Anything else (device, FIFO, GNU sparse file…), with its tar type flag byte.
        case other(UInt8)
    }

    /// The member's path inside the archive, as stored (often relative, like `status.d/libssl3`);
    /// directories carry no trailing slash.
    public var path: String
    /// Whether it is a file, a directory or a link.
    public var kind: Kind
    /// Permission bits (`0o644`), without the file type.
    public var mode: UInt32
    /// The size the archive records; for regular files, the number of bytes in ``contents``.
    public var size: Int
    /// The target of a symbolic or hard link, `nil` for other kinds.
    public var linkTarget: String?
    /// The file's bytes; empty for every kind but ``Kind/file``.
    public var contents: [UInt8]
    /// Seconds since 1970 of the last modification.
    public var modificationTime: Int
    /// The numeric owner.
    public var userID: Int
    /// The numeric group.
    public var groupID: Int

    /// An entry; `size` is taken from `contents`, and `mode` defaults to `0o644` for files,
    /// `0o755` for directories and `0o777` for links.
    public init(
        path: String,
        kind: Kind,
        mode: UInt32? = nil,
        contents: [UInt8] = [],
        linkTarget: String? = nil,
        modificationTime: Int = 0,
        userID: Int = 0,
        groupID: Int = 0
    ) {
        self.path = path
        self.kind = kind
        self.mode = mode ?? Self.defaultMode(for: kind)
        self.size = contents.count
        self.linkTarget = linkTarget
        self.contents = contents
        self.modificationTime = modificationTime
        self.userID = userID
        self.groupID = groupID
    }

    /// A regular file holding `contents`.
    public static func file(
        _ path: String, contents: [UInt8], mode: UInt32 = 0o644, modificationTime: Int = 0
    ) -> TarEntry {
        TarEntry(path: path, kind: .file, mode: mode, contents: contents, modificationTime: modificationTime)
    }

    /// A directory.
    public static func directory(_ path: String, mode: UInt32 = 0o755, modificationTime: Int = 0) -> TarEntry {
        TarEntry(path: path, kind: .directory, mode: mode, modificationTime: modificationTime)
    }

    /// A symbolic link at `path` pointing to `target`.
    public static func symlink(_ path: String, to target: String) -> TarEntry {
        TarEntry(path: path, kind: .symlink, linkTarget: target)
    }

    private static func defaultMode(for kind: Kind) -> UInt32 {
        switch kind {
        case .file, .other: 0o644
        case .directory: 0o755
        case .symlink, .hardlink: 0o777
        }
    }
}
