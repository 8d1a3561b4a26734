import Foundation
import Inventory

/// A directory of inventory files, unique to one test and removed when the test is done, so
/// tests can run in parallel.
final class Fixture {
    let root: String

    /// Writes `files` (relative path → content) into a new temporary directory.
    init(_ files: [String: String] = [:]) throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("molt-inventory-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        for (name, content) in files { try write(name, content) }
    }

    deinit {
        try? FileManager.default.removeItem(atPath: root)
    }

    /// The absolute path of `name` inside the fixture.
    func path(_ name: String) -> String {
        name.isEmpty ? root : root + "/" + name
    }

    func write(_ name: String, _ content: String) throws {
        let url = URL(fileURLWithPath: path(name))
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(content.utf8).write(to: url)
    }

    /// Loads `name` (a file or directory in the fixture; the fixture itself when empty).
    func load(_ name: String = "") throws(InventoryError) -> Inventory {
        try Inventory.load(path: path(name))
    }
}

/// Loads a single inventory file with the given name and content.
func load(_ name: String, _ content: String) throws -> Inventory {
    try Fixture([name: content]).load(name)
}

/// The error loading a single inventory file gives, or nil when it loads.
func loadError(_ name: String, _ content: String) throws -> (error: InventoryError, path: String)? {
    let fixture = try Fixture([name: content])
    do {
        _ = try fixture.load(name)
        return nil
    } catch {
        return (error, fixture.path(name))
    }
}

extension Inventory {
    /// Host names, in inventory order.
    var names: [String] { hosts.map(\.name) }
}
