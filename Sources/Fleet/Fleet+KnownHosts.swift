public import SSH

extension Fleet {
    /// Reads every known_hosts file the hosts' keys will be checked against, before any host
    /// is reached, and returns the lines molt will skip in them, each file once.
    ///
    /// - Throws: ``KnownHostsError`` when the file of `--known-hosts` cannot be read: a flag
    ///   that names a directory is bad input. A host's own `known_hosts` that cannot be read
    ///   fails that host alone, when it is reached.
    public func knownHostsNotes() throws(KnownHostsError) -> [KnownHostsNote] {
        var paths: [String] = []
        for host in hosts {
            for path in settings.endpoint(for: host).knownHostsFiles where !paths.contains(path) {
                paths.append(path)
            }
        }
        var notes: [KnownHostsNote] = []
        for path in paths {
            do {
                notes += try KnownHostsNote.skippedLines(in: path)
            } catch where settings.knownHostsOverride == nil {
                continue
            }
        }
        return notes
    }
}
