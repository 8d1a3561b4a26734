extension PackageDatabase {
    /// The installed packages in the text of a dpkg status file (`/var/lib/dpkg/status`).
    ///
    /// Stanzas are separated by blank lines; fields are `Name: value`, continued on lines that
    /// start with a space or tab; field names are case-insensitive. A package counts when the
    /// third word of its `Status` is `installed` (whatever was wanted: `install`, `hold`,
    /// `deinstall`) or `triggers-pending` / `triggers-awaited` (configured, with triggers still
    /// to run). So `install ok installed` and `hold ok installed` count, and so does
    /// `deinstall ok installed`, a removal chosen but not yet done: its files are still on disk,
    /// which is what a search for a vulnerable library must see. Packages only unpacked,
    /// half-configured, half-installed, or reduced to `config-files` do not count, and neither
    /// do stanzas without a `Status`.
    ///
    /// Throws a ``PackageDatabaseError`` with the line for text that is not a status file: a
    /// continuation line before any field, a line that is not `Name: value`, a `Status` that is
    /// not three words, or an installed package without `Package` or `Version`.
    public static func parseDpkgStatus(_ text: String, file: String = "dpkg status") throws -> [InstalledPackage] {
        try parseDpkgStatus(Array(text.utf8), file: file, assumeInstalled: false)
    }

    /// The package described by one file of a distroless `/var/lib/dpkg/status.d/` directory.
    ///
    /// The format is a status file's, but such files usually carry no `Status` field: a
    /// stanza without one counts as installed.
    public static func parseDpkgStatusDirectoryFile(_ text: String, file: String) throws -> [InstalledPackage] {
        try parseDpkgStatus(Array(text.utf8), file: file, assumeInstalled: true)
    }

    // MARK: - Details

    private enum DpkgField: CaseIterable {
        case package, status, version, architecture, source

        var name: [UInt8] {
            switch self {
            case .package: Array("package".utf8)
            case .status: Array("status".utf8)
            case .version: Array("version".utf8)
            case .architecture: Array("architecture".utf8)
            case .source: Array("source".utf8)
            }
        }

        static let names = allCases.map { ($0, $0.name) }

        /// The field a name denotes, ignoring case; `nil` for fields molt does not read.
        static func named(_ bytes: ArraySlice<UInt8>) -> DpkgField? {
            names.first { _, name in
                name.count == bytes.count && zip(name, bytes).allSatisfy { $0 == $1.lowercasedASCII }
            }?.0
        }
    }

    /// States in which a package's files are on disk and configured.
    private static let installedStates: Set<Substring> = ["installed", "triggers-pending", "triggers-awaited"]

    static func parseDpkgStatus(_ bytes: [UInt8], file: String, assumeInstalled: Bool) throws -> [InstalledPackage] {
        var packages: [InstalledPackage] = []
        var fields: [DpkgField: String] = [:]
        var stanzaLine = 0
        var inStanza = false
        var current: DpkgField?

        func finishStanza() throws {
            defer {
                fields = [:]
                inStanza = false
                current = nil
            }
            guard inStanza else { return }
            func fail(_ reason: String) -> PackageDatabaseError {
                PackageDatabaseError(file: file, line: stanzaLine, reason: reason)
            }
            if let status = fields[.status] {
                let words = status.split(whereSeparator: { $0 == " " || $0 == "\t" })
                guard words.count == 3 else {
                    throw fail("Status '\(status)' should be three words (want, flag, state)")
                }
                guard installedStates.contains(words[2]) else { return }
            } else if !assumeInstalled {
                return
            }
            guard let name = fields[.package], !name.isEmpty else {
                throw fail("the stanza of an installed package has no Package field")
            }
            guard let version = fields[.version], !version.isEmpty else {
                throw fail("installed package '\(name)' has no Version field")
            }
            var source: String?
            var sourceVersion: String?
            if let field = fields[.source], !field.isEmpty {
                // `Source: openssl (3.0.15-1~deb12u1)` when the source version differs.
                if let open = field.firstIndex(of: "("), field.hasSuffix(")") {
                    source = String(field[..<open]).trimmingBlanks
                    sourceVersion = String(field[field.index(after: open)..<field.index(before: field.endIndex)])
                        .trimmingBlanks
                } else {
                    source = field
                }
            }
            packages.append(
                InstalledPackage(
                    name: name, version: version, architecture: fields[.architecture], format: .dpkg,
                    source: source, sourceVersion: sourceVersion))
        }

        for line in Lines(bytes) {
            let content = bytes.trimmingBlanks(line.range)
            if content.isEmpty {
                try finishStanza()
                continue
            }
            let first = bytes[line.range.lowerBound]
            if first.isBlank {
                guard inStanza else {
                    throw PackageDatabaseError(
                        file: file, line: line.number, reason: "continuation line before any field")
                }
                // Folded values of the fields molt reads are joined with a space.
                if let current {
                    let previous = fields[current] ?? ""
                    fields[current] = previous.isEmpty ? bytes.text(content) : previous + " " + bytes.text(content)
                }
                continue
            }
            if first == UInt8(ascii: "#") { continue }
            guard let colon = bytes[line.range].firstIndex(of: UInt8(ascii: ":")) else {
                throw PackageDatabaseError(
                    file: file, line: line.number,
                    reason: "expected 'Field: value', found '\(bytes.excerpt(line.range))'")
            }
            let name = bytes.trimmingBlanks(line.range.lowerBound..<colon)
            guard !name.isEmpty, !bytes[name].contains(where: \.isBlank) else {
                throw PackageDatabaseError(
                    file: file, line: line.number, reason: "'\(bytes.excerpt(line.range))' has no field name before ':'")
            }
            if !inStanza {
                inStanza = true
                stanzaLine = line.number
            }
            current = DpkgField.named(bytes[name])
            if let current, fields[current] == nil {
                fields[current] = bytes.text(bytes.trimmingBlanks((colon + 1)..<line.range.upperBound))
            } else {
                current = nil
            }
        }
        try finishStanza()
        return packages
    }
}

extension String {
    /// Without leading and trailing spaces and tabs.
    var trimmingBlanks: String {
        let bytes = Array(utf8)
        return bytes.text(bytes.trimmingBlanks(0..<bytes.count))
    }
}
