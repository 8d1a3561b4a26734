import Foundation
import Inventory
import Testing

@Suite("The example inventories in inventory/")
struct ExampleInventoryTests {
    /// The repository's `inventory/` directory, found from this file's path.
    static let directory = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("inventory").path

    @Test("example.yml, example.ini and example-dir describe the same fleet")
    func examplesAgree() throws {
        let yaml = try Inventory.load(path: Self.directory + "/example.yml")
        let ini = try Inventory.load(path: Self.directory + "/example.ini")
        let dir = try Inventory.load(path: Self.directory + "/example-dir")
        #expect(yaml.warnings.isEmpty && ini.warnings.isEmpty && dir.warnings.isEmpty)

        let names = ["web01", "web02", "web03", "web04"].map { "\($0).example.internal" } + ["db01.example.internal", "db02.example.internal"]
        #expect(yaml.names == names)
        #expect(yaml.groupNames == ["all", "ungrouped", "web", "canary", "db"])
        for other in [ini, dir] {
            #expect(other.names == yaml.names)
            #expect(other.groupNames == yaml.groupNames)
            for (a, b) in zip(yaml.hosts, other.hosts) {
                #expect(a.vars == b.vars, "\(a.name) in \(other.source)")
                #expect(a.groups == b.groups, "\(a.name) in \(other.source)")
            }
        }

        #expect(try yaml.hosts(matching: "web:!canary").map(\.name) == Array(names[1...3]))
        let web01 = try #require(dir.host(named: "web01.example.internal"))
        #expect(web01.address == "10.0.1.11")
        #expect(web01.user == "deploy")
        #expect(web01.identityFile?.hasSuffix("/.ssh/molt_deploy") == true)
        #expect(dir.host(named: "db01.example.internal")?.port == 2222)
        #expect(dir.host(named: "db01.example.internal")?.identityFile == nil)
        #expect(dir.hosts.allSatisfy { $0.dockerSocket == "/var/run/docker.sock" })
    }

    /// The example command each file's header shows: `molt status 'PATTERN' -i inventory/FILE`.
    @Test("each example's header command names its own file and a pattern that selects the web servers but the canary",
          arguments: ["example.yml", "example.ini", "example-dir/hosts"])
    func headerCommand(file: String) throws {
        let text = try String(contentsOfFile: Self.directory + "/" + file, encoding: .utf8)
        let command = try #require(text.split(separator: "\n").first { $0.hasPrefix("#   molt ") }, "no command in the header")
        let words = command.dropFirst("#   ".count).split(separator: " ").map(String.init)
        let inventoryPath = file == "example-dir/hosts" ? "example-dir" : file
        #expect(words.count == 5 && words[0] == "molt" && words[1] == "status" && words[3] == "-i" && words[4] == "inventory/" + inventoryPath,
                "\(command)")
        let pattern = words[2].trimmingCharacters(in: CharacterSet(charactersIn: "'"))
        let inventory = try Inventory.load(path: Self.directory + "/" + inventoryPath)
        #expect(try inventory.hosts(matching: pattern).map(\.name) == ["web02", "web03", "web04"].map { "\($0).example.internal" })
    }
}
