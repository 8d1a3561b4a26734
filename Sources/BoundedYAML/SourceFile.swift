import Foundation

/// Reading the files molt is given to read (inventories, variables files, playbooks): at most a
/// bound of bytes, so that a path to a log or a disk image by mistake is refused at once instead
/// of read whole, with each failure said in the system's words.
public enum SourceFile {
    /// Why a file could not be read.
    public struct Problem: Error, Sendable, Hashable {
        public enum Kind: Sendable, Hashable {
            case missing
            case directory
            /// The system refused: `reason` says why (permission denied, ...).
            case unreadable
            /// More than the bound.
            case tooLarge
        }

        public var kind: Kind
        /// The system's words for an unreadable file.
        public var reason: String

        public init(kind: Kind, reason: String) {
            self.kind = kind
            self.reason = reason
        }
    }

    /// The file's bytes, at most `maxSize` of them.
    public static func read(_ path: String, maxSize: Int) throws(Problem) -> [UInt8] {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw Problem(kind: .missing, reason: "no such file or directory")
        }
        guard !isDirectory.boolValue else { throw Problem(kind: .directory, reason: "is a directory") }
        let data: Data
        do {
            let handle = try FileHandle(forReadingFrom: URL(fileURLWithPath: path))
            defer { try? handle.close() }
            data = try handle.read(upToCount: maxSize + 1) ?? Data()
        } catch {
            throw Problem(kind: .unreadable, reason: reason(error))
        }
        guard data.count <= maxSize else { throw Problem(kind: .tooLarge, reason: "larger than \(maxSize) bytes") }
        return [UInt8](data)
    }

    /// The bytes as UTF-8 text without a byte-order mark; nil when they are not UTF-8.
    public static func text(_ bytes: [UInt8]) -> String? {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        return String(validating: body, as: UTF8.self)
    }

    /// A Foundation file error in the system's words ("permission denied").
    public static func reason(_ error: any Error) -> String {
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
