#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A file only its owner may read and write.
enum PrivateFile {
    /// Creates `path` with mode 0600 if nothing is there yet; an existing file is left as it is.
    ///
    /// The journal is created this way before SQLite opens it, because SQLite creates a missing
    /// file with the umask's mode (usually 0644) and gives its `-wal` and `-shm` files the mode
    /// of the database file. Any failure is left for SQLite to report when it opens the path.
    static func create(_ path: String) {
        let descriptor = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o600)
        if descriptor >= 0 { close(descriptor) }
    }
}
