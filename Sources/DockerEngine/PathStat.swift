/// What the engine says about a path inside a container (`X-Docker-Container-Path-Stat`).
public struct PathStat: Sendable, Hashable {
    /// The last path component.
    public var name: String
    /// The size in bytes.
    public var size: Int64
    /// Go's `os.FileMode`: permission bits, plus type bits in the high bits.
    public var mode: UInt32
    /// RFC 3339 modification time.
    public var modificationTime: String
    /// The target when the path is a symbolic link, else empty.
    public var linkTarget: String

    /// A path stat given field by field.
    public init(name: String, size: Int64, mode: UInt32, modificationTime: String = "", linkTarget: String = "") {
        self.name = name
        self.size = size
        self.mode = mode
        self.modificationTime = modificationTime
        self.linkTarget = linkTarget
    }

    /// Reads the decoded header document.
    public init(raw: JSONValue) throws {
        _ = try raw.requireObject("path stat")
        self.init(
            name: raw.string("name"),
            size: raw.integer("size"),
            mode: UInt32(truncatingIfNeeded: raw.integer("mode")),
            modificationTime: raw.string("mtime"),
            linkTarget: raw.string("linkTarget")
        )
    }

    /// Whether the path is a directory (Go's `ModeDir`).
    public var isDirectory: Bool { mode & (1 << 31) != 0 }

    /// Whether the path is a symbolic link (Go's `ModeSymlink`).
    public var isSymbolicLink: Bool { mode & (1 << 27) != 0 }

    /// The Unix permission bits.
    public var permissions: UInt32 { mode & 0o777 }
}
