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
        // A host whose route cannot be worked out fails when it is reached, with that error.
        for host in hosts {
            guard let route = try? settings.route(for: host) else { continue }
            for path in ([route.endpoint] + route.endpoint.jumpHosts).flatMap(\.knownHostsFiles) where !paths.contains(path) {
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
