import Foundation

/// Reads a playbook file as UTF-8 text, with failures as errors naming the path.
enum PlaybookFile {
    /// The most bytes molt reads as a playbook: real ones are a few hundred bytes, and a path
    /// to a log or a disk image by mistake must not be read whole.
    static let maxSize = 1 << 20

    static func read(_ path: String) throws(PlaybookError) -> String {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw PlaybookError(file: path, message: "no such playbook file")
        }
        guard !isDirectory.boolValue else {
            throw PlaybookError(file: path, message: "is a directory; give the path of a playbook file (e.g. playbooks/web.yml)")
        }
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            data = try handle.read(upToCount: maxSize + 1) ?? Data()
        } catch {
            throw PlaybookError(file: path, message: "cannot read the playbook: \(reason(error))")
        }
        guard data.count <= maxSize else {
            throw PlaybookError(file: path, message: "the file is larger than \(maxSize >> 20) MiB, the most molt reads as a playbook; check the path")
        }
        var bytes = data[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        guard let text = String(data: Data(bytes), encoding: .utf8) else {
            throw PlaybookError(file: path, message: "the playbook is not UTF-8 text")
        }
        return text
    }

    private static func reason(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain,
            let message = String(validatingCString: strerror(Int32(underlying.code)))
        {
            return message.lowercased()
        }
        if nsError.domain == NSPOSIXErrorDomain, let message = String(validatingCString: strerror(Int32(nsError.code))) {
            return message.lowercased()
        }
        return nsError.localizedDescription
    }
}
