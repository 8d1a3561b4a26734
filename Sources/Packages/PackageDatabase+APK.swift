extension PackageDatabase {
    /// The installed packages in the text of apk's database (`/lib/apk/db/installed`).
    ///
    /// Records are separated by blank lines (apk takes any line shorter than two characters as
    /// one); every other line is `K:value` with a one-character key. molt reads `P` (name),
    /// `V` (version), `A` (architecture) and `o` (origin, the source package). Every record
    /// in this file is an installed package.
    ///
    /// Throws a ``PackageDatabaseError`` with the line for a line that is not `K:value`, or a
    /// record without a name or a version.
    public static func parseAPKInstalled(_ text: String, file: String = "apk installed") throws -> [InstalledPackage] {
        try parseAPKInstalled(Array(text.utf8), file: file)
    }

    static func parseAPKInstalled(_ bytes: [UInt8], file: String) throws -> [InstalledPackage] {
        var packages: [InstalledPackage] = []
        var name: String?
        var version: String?
        var architecture: String?
        var origin: String?
        var recordLine: Int?

        func finishRecord() throws {
            defer { (name, version, architecture, origin, recordLine) = (nil, nil, nil, nil, nil) }
            guard let recordLine else { return }
            guard let name, !name.isEmpty else {
                throw PackageDatabaseError(file: file, line: recordLine, reason: "the record has no P: (package name) line")
            }
            guard let version, !version.isEmpty else {
                throw PackageDatabaseError(
                    file: file, line: recordLine, reason: "package '\(name)' has no V: (version) line")
            }
            packages.append(
                InstalledPackage(name: name, version: version, architecture: architecture, format: .apk, source: origin))
        }

        for line in Lines(bytes) {
            guard line.range.count >= 2 else {
                try finishRecord()
                continue
            }
            guard bytes[line.range.lowerBound + 1] == UInt8(ascii: ":") else {
                throw PackageDatabaseError(
                    file: file, line: line.number, reason: "expected 'K:value', found '\(bytes.excerpt(line.range))'")
            }
            if recordLine == nil { recordLine = line.number }
            let value = { bytes.text((line.range.lowerBound + 2)..<line.range.upperBound) }
            switch bytes[line.range.lowerBound] {
            case UInt8(ascii: "P"): name = value()
            case UInt8(ascii: "V"): version = value()
            case UInt8(ascii: "A"): architecture = value()
            case UInt8(ascii: "o"): origin = value()
            default: break
            }
        }
        try finishRecord()
        return packages
    }
}
