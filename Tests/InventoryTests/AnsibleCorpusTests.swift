import Foundation
import Inventory
import Playbook
import Testing

/// molt against Ansible's own answers for a corpus of real inventories (Corpus/README.md says
/// where each comes from; `scripts/ansible-corpus` records the answers with ansible-core).
/// Ansible is not needed to run these tests.
@Suite("Inventories read as Ansible reads them (the corpus)")
struct AnsibleCorpusTests {
    /// Tests/InventoryTests/Corpus, found from this file's path.
    static let corpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Corpus").path

    /// The inventories of the corpus, as listed in Corpus/inventories.txt.
    static let inventories: [String] = {
        let list = (try? String(contentsOfFile: corpus + "/inventories.txt", encoding: .utf8)) ?? ""
        return list.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty && !$0.hasPrefix("#") }
    }()

    /// Ansible's `serial` the answers were recorded for.
    static let serial: [BatchSize] = [.count(1), .percent(50), .percent(100)]

    @Test("the corpus holds at least 40 inventories, each with Ansible's answers")
    func corpusIsThere() throws {
        #expect(Self.inventories.count >= 40)
        for inventory in Self.inventories {
            #expect(FileManager.default.fileExists(atPath: "\(Self.corpus)/answers/\(inventory).json"), "\(inventory) has no answers")
        }
    }

    @Test("every group lists Ansible's hosts in Ansible's order", arguments: inventories)
    func groups(inventory: String) throws {
        let (molt, answers) = try Self.load(inventory)
        #expect(Set(molt.groupNames) == Set(answers.groups.keys), "\(inventory): groups")
        for (group, answer) in answers.groups.sorted(by: { $0.key < $1.key }) {
            let hosts = molt.hosts(inGroup: group).map(\.name)
            #expect(hosts == answer.hosts, "\(inventory): group \(group)")
            #expect(answer.ansibleOrders.contains(hosts), "\(inventory): group \(group) is in an order Ansible never gives")
        }
    }

    @Test("every pattern selects Ansible's hosts in Ansible's order, and batches as Ansible's serial", arguments: inventories)
    func patterns(inventory: String) throws {
        let (molt, answers) = try Self.load(inventory)
        for (pattern, answer) in answers.patterns.sorted(by: { $0.key < $1.key }) {
            let hosts = try molt.hosts(matching: pattern).map(\.name)
            guard let expected = answer.hosts else {
                // Ansible's inventory refuses a subscript past the end; `ansible --list-hosts`
                // then prints no host, and molt selects none.
                #expect(hosts.isEmpty, "\(inventory): pattern '\(pattern)' that Ansible refuses")
                continue
            }
            #expect(hosts == expected, "\(inventory): pattern '\(pattern)'")
            #expect(answer.ansibleOrders?.contains(hosts) ?? true, "\(inventory): pattern '\(pattern)' in an order Ansible never gives")
            let batches = BatchPlanner.batches(hosts, sizes: Self.serial)
            #expect(batches == answer.batches, "\(inventory): batches for '\(pattern)'")
        }
    }

    @Test("every host connects to Ansible's address, port and user", arguments: inventories)
    func addresses(inventory: String) throws {
        let (molt, answers) = try Self.load(inventory)
        #expect(Set(molt.names) == Set(answers.hosts.keys), "\(inventory): hosts")
        for (name, answer) in answers.hosts.sorted(by: { $0.key < $1.key }) {
            let host = try #require(molt.host(named: name), "\(inventory): host \(name)")
            if let address = answer.address { #expect(host.address == address, "\(inventory): address of \(name)") }
            if let port = answer.port { #expect(host.port == port, "\(inventory): port of \(name)") }
            if answer.userKnown { #expect(host.user == answer.user, "\(inventory): user of \(name)") }
        }
    }

    /// The warnings molt gives in Ansible's words, by how each begins.
    static let warningKinds = [
        "Skipping unexpected key", "Skipping key", "Skipping '", "Found both group and host with same name",
        "Invalid characters were found in group names", "A duplicate localhost-like entry",
    ]

    @Test("molt warns where Ansible warns, and Ansible where molt does, for every kind molt reproduces", arguments: inventories)
    func warnings(inventory: String) throws {
        let (molt, answers) = try Self.load(inventory)
        func kinds(_ messages: [String]) -> Set<String> {
            Set(messages.compactMap { message in Self.warningKinds.first { message.hasPrefix($0) } })
        }
        #expect(kinds(molt.warnings.map(\.message)) == kinds(answers.warnings), "\(inventory): \(molt.warnings) against \(answers.warnings)")
    }

    @Test("molt's canary for the replica-set inventory is Ansible's: the group's own host before its child's")
    func replicaSetCanary() throws {
        let (molt, answers) = try Self.load("inventories/molt/replica-set.ini")
        let hosts = try molt.hosts(matching: "mongo_servers")
        #expect(BatchPlanner.batches(hosts.map(\.name), sizes: Self.serial).first == ["mongo4"])
        #expect(answers.patterns["mongo_servers"]?.batches?.first == ["mongo4"])
    }

    static func load(_ inventory: String) throws -> (Inventory, Answers) {
        let data = try Data(contentsOf: URL(fileURLWithPath: "\(corpus)/answers/\(inventory).json"))
        let answers = try JSONDecoder().decode(Answers.self, from: data)
        return (try Inventory.load(path: "\(corpus)/\(inventory)"), answers)
    }
}

/// One answers file written by `scripts/ansible-corpus`.
struct Answers: Decodable {
    struct Group: Decodable {
        var hosts: [String]
        var ansibleOrders: [[String]]
    }

    struct Pattern: Decodable {
        var hosts: [String]?
        var batches: [[String]]?
        var ansibleOrders: [[String]]?
    }

    struct Host: Decodable {
        var address: String?
        var port: Int?
        var user: String?
        /// False when Ansible could not work the user out (a template it could not evaluate).
        var userKnown: Bool

        enum CodingKeys: String, CodingKey { case address, port, user, userError }

        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: CodingKeys.self)
            address = try? container.decodeIfPresent(String.self, forKey: .address)
            port = (try? container.decodeIfPresent(Int.self, forKey: .port))
                ?? (try? container.decodeIfPresent(String.self, forKey: .port)).flatMap { $0.flatMap { Int($0) } }
            user = try? container.decodeIfPresent(String.self, forKey: .user)
            userKnown = !container.contains(.userError)
        }
    }

    var groups: [String: Group]
    var warnings: [String]
    var patterns: [String: Pattern]
    var hosts: [String: Host]
}
