import BoundedYAML

/// Reads a playbook file as UTF-8 text, with failures as errors naming the path.
enum PlaybookFile {
    /// The most bytes molt reads as a playbook: real ones are a few hundred bytes, and a path
    /// to a log or a disk image by mistake must not be read whole.
    static let maxSize = 1 << 20

    static func read(_ path: String) throws(PlaybookError) -> String {
        let bytes: [UInt8]
        do {
            bytes = try SourceFile.read(path, maxSize: maxSize)
        } catch {
            let message = switch error.kind {
            case .missing: "no such playbook file"
            case .directory: "is a directory; give the path of a playbook file (e.g. playbooks/web.yml)"
            case .unreadable: "cannot read the playbook: \(error.reason)"
            case .tooLarge: "the file is larger than \(maxSize >> 20) MiB, the most molt reads as a playbook; check the path"
            }
            throw PlaybookError(file: path, message: message)
        }
        guard let text = SourceFile.text(bytes) else {
            throw PlaybookError(file: path, message: "the playbook is not UTF-8 text")
        }
        return text
    }
}
