import Yams

/// The `group_vars/` and `host_vars/` directories beside an inventory, read the way Ansible's
/// `host_group_vars` plugin reads them.
///
/// For a group or host `NAME`, the first of `NAME`, `NAME.yml`, `NAME.yaml` and `NAME.json` that
/// exists is used; when it is a directory, every file in it (and in its subdirectories) with one
/// of those extensions or none is read in name order, later files overriding earlier ones.
/// Hidden files and files ending in `~` are skipped. Files that apply to nothing are reported as
/// warnings, so a misspelt `group_vars/wbe.yml` does not go unnoticed.
struct VariableFiles {
    /// `group_vars` or `host_vars`.
    let kind: String
    /// The directory holding `kind/`.
    let base: String

    static let extensions = [".yml", ".yaml", ".json"]

    /// Variables for each entity in `names` that has a file, and warnings about everything skipped.
    func load(for names: [String], warnings: inout [InventoryWarning]) throws(InventoryError) -> [String: Variables] {
        let directory = FileSystem.join(base, kind)
        switch FileSystem.kind(of: directory) {
        case .missing:
            return [:]
        case .file:
            warnings.append(InventoryWarning(location: SourceLocation(file: directory), message: "\(kind) is not a directory; skipped"))
            return [:]
        case .directory:
            break
        }

        var result: [String: Variables] = [:]
        var used: Set<String> = []
        for name in names where !name.hasPrefix("/") {
            guard let entry = firstEntry(for: name, in: directory) else { continue }
            used.insert(entry)
            let path = FileSystem.join(directory, entry)
            var variables: Variables = [:]
            var visited: Set<String> = []
            for file in try files(at: path, visited: &visited) {
                for (key, assignment) in try read(file, warnings: &warnings) {
                    variables[key] = assignment
                }
            }
            result[name] = variables
        }

        let known = Set(names)
        for entry in try FileSystem.entries(of: directory) where !used.contains(entry) && !Self.isSkipped(entry) {
            let name = Self.entityName(of: entry)
            let location = SourceLocation(file: FileSystem.join(directory, entry))
            let what = kind == "group_vars" ? "group" : "host"
            let reason: String
            if !known.contains(name) {
                reason = "there is no \(what) named '\(name)' in the inventory"
            } else if let winner = firstEntry(for: name, in: directory), winner != entry {
                reason = "\(kind)/\(winner) is read for \(what) '\(name)' instead"
            } else {
                reason = "only NAME, NAME.yml, NAME.yaml and NAME.json are read"
            }
            warnings.append(InventoryWarning(location: location, message: "not read: \(reason)"))
        }
        return result
    }

    /// The name of the first of `NAME`, `NAME.yml`, `NAME.yaml`, `NAME.json` present in `directory`.
    private func firstEntry(for name: String, in directory: String) -> String? {
        ([""] + Self.extensions).map { name + $0 }.first { FileSystem.kind(of: FileSystem.join(directory, $0)) != .missing }
    }

    /// The files to read for one entry: the file itself, or the files in the directory tree.
    ///
    /// `visited` holds the directories already listed, so a symbolic link that loops back is an
    /// error rather than endless recursion.
    private func files(at path: String, visited: inout Set<String>) throws(InventoryError) -> [String] {
        guard FileSystem.kind(of: path) == .directory else { return [path] }
        guard visited.insert(FileSystem.canonical(path)).inserted else {
            throw InventoryError(
                file: path, code: .unreadable,
                message: "this directory was already read through another path (a symbolic link loops back to it); remove the link")
        }
        var found: [String] = []
        for entry in try FileSystem.entries(of: path) where !Self.isSkipped(entry) {
            let full = FileSystem.join(path, entry)
            let ext = FileSystem.extension(of: entry)
            switch FileSystem.kind(of: full) {
            case .directory where ext.isEmpty:
                found += try files(at: full, visited: &visited)
            case .file where ext.isEmpty || Self.extensions.contains(ext):
                found.append(full)
            default:
                continue
            }
        }
        return found
    }

    private func read(_ file: String, warnings: inout [InventoryWarning]) throws(InventoryError) -> Variables {
        let text = try FileSystem.readText(file)
        if text.hasPrefix("$ANSIBLE_VAULT;") {
            warnings.append(InventoryWarning(
                location: SourceLocation(file: file),
                message: "encrypted with Ansible Vault, which molt cannot decrypt; its variables are ignored"))
            return [:]
        }
        let document = try YAMLDocument(text: text, file: file)
        guard let root = document.root, !YAMLDocument.isNull(root) else { return [:] }
        guard case let .mapping(mapping) = root else {
            throw InventoryError(
                at: document.location(of: root), code: .invalidStructure,
                message: "a variables file must be a mapping of variable names to values, found \(YAMLDocument.kind(of: root))")
        }
        var variables: Variables = [:]
        for (key, value) in try document.pairs(of: mapping) {
            variables[YAMLDocument.text(of: key)] = Assignment(value: try document.value(of: value), origin: document.location(of: key))
        }
        return variables
    }

    private static func isSkipped(_ entry: String) -> Bool {
        entry.hasPrefix(".") || entry.hasSuffix("~")
    }

    private static func entityName(of entry: String) -> String {
        let ext = FileSystem.extension(of: entry)
        return extensions.contains(ext) ? String(entry.dropLast(ext.count)) : entry
    }
}
