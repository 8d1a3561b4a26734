import BoundedYAML
import Foundation

/// The little file access the inventory needs: what a path is, a directory's entries in
/// Ansible's (byte) order, and a file's text, with failures as `file:` errors.
enum FileSystem {
    enum Kind {
        case missing, file, directory
    }

    static func kind(of path: String) -> Kind {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { return .missing }
        return isDirectory.boolValue ? .directory : .file
    }

    static func join(_ directory: String, _ name: String) -> String {
        directory.hasSuffix("/") ? directory + name : directory + "/" + name
    }

    /// The directory part of a path, as Python's `os.path.dirname` (`""` becomes `.`).
    static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let head = path[..<slash]
        return head.isEmpty ? "/" : String(head)
    }

    /// The extension with its dot (`.yml`), or `""`; a leading dot alone is not an extension.
    static func `extension`(of name: String) -> String {
        let base = name.drop { $0 == "." }
        guard let dot = base.lastIndex(of: ".") else { return "" }
        return String(base[dot...])
    }

    /// Entry names, sorted by their UTF-8 bytes as Python sorts `os.listdir` of a bytes path.
    static func entries(of directory: String) throws(InventoryError) -> [String] {
        do {
            return try FileManager.default.contentsOfDirectory(atPath: directory)
                .sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        } catch {
            throw InventoryError(file: directory, code: .unreadable, message: "cannot list the directory: \(SourceFile.reason(error))")
        }
    }

    /// The most bytes molt reads from one inventory or variables file: far more than any real
    /// inventory, and little enough that `-i /dev/zero` or a stray disk image is refused at once.
    static let maxFileSize = 16 << 20

    static func readBytes(_ path: String) throws(InventoryError) -> [UInt8] {
        do {
            return try SourceFile.read(path, maxSize: maxFileSize)
        } catch {
            switch error.kind {
            case .missing:
                throw InventoryError(file: path, code: .unreadable, message: "no such file or directory")
            case .directory:
                throw InventoryError(file: path, code: .unreadable, message: "is a directory, expected a file")
            case .unreadable:
                throw InventoryError(file: path, code: .unreadable, message: "cannot read the file: \(error.reason)")
            case .tooLarge:
                throw InventoryError(
                    file: path, code: .tooLarge,
                    message: "the file is larger than \(maxFileSize >> 20) MiB, the most molt reads from one inventory file; "
                        + "check that -i names the inventory, or split it into a directory of smaller files")
            }
        }
    }

    /// The directory as the system resolves it (symbolic links followed), so that a directory
    /// reached twice through a link that loops can be recognised.
    static func canonical(_ path: String) -> String {
        URL(fileURLWithPath: path).resolvingSymlinksInPath().path
    }

    /// The file as UTF-8 text without a byte-order mark.
    static func readText(_ path: String) throws(InventoryError) -> String {
        let lines = try decodeLines(readBytes(path), file: path, tolerateComments: false)
        return lines.joined(separator: "\n")
    }

    /// The file's lines decoded as UTF-8. With `tolerateComments`, a comment line (`#` or `;`)
    /// that is not valid UTF-8 becomes empty instead of an error, as Ansible's INI reader allows.
    static func decodeLines(_ bytes: [UInt8], file: String, tolerateComments: Bool) throws(InventoryError) -> [String] {
        var body = bytes[...]
        if body.starts(with: [0xEF, 0xBB, 0xBF]) { body = body.dropFirst(3) }
        var lines: [String] = []
        var start = body.startIndex
        var index = body.startIndex
        func finish(_ end: Int) throws(InventoryError) {
            let slice = body[start..<end]
            if let text = String(validating: slice, as: UTF8.self) {
                lines.append(text)
            } else if tolerateComments, let first = slice.first(where: { $0 != 0x20 && $0 != 0x09 }), first == 0x23 || first == 0x3B {
                lines.append("")
            } else {
                throw InventoryError(file: file, line: lines.count + 1, code: .syntax, message: "this line is not valid UTF-8 text")
            }
        }
        while index < body.endIndex {
            let byte = body[index]
            if byte == 0x0A || byte == 0x0D {
                try finish(index)
                if byte == 0x0D, index + 1 < body.endIndex, body[index + 1] == 0x0A { index += 1 }
                start = index + 1
            }
            index += 1
        }
        if start < body.endIndex { try finish(body.endIndex) }
        return lines
    }
}
