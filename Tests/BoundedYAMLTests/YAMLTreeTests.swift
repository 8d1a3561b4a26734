import BoundedYAML
import Testing
import Yams

/// The one YAML reader inventories and playbooks share: typing, merge keys, and where problems are.
struct YAMLTreeTests {
    static let bounds = YAMLBounds(nodes: 1000, depth: 20)

    func tree(_ text: String, typing: YAMLTree.Typing = .pyYAML) throws(YAMLTree.Problem) -> YAMLTree {
        try YAMLTree(text: text, file: "f.yml", bounds: Self.bounds, typing: typing)
    }

    func values(_ tree: YAMLTree) throws -> [String: YAMLTree.Scalar] {
        guard case let .mapping(mapping)? = tree.root else { Issue.record("not a mapping"); return [:] }
        var found: [String: YAMLTree.Scalar] = [:]
        for (key, value) in try tree.pairs(of: mapping) { found[tree.text(of: key)] = try tree.scalar(value) }
        return found
    }

    @Test("YAML 1.1 as PyYAML types it; base-60 numbers only when the typing says so")
    func typing() throws {
        let text = "a: yes\nb: 0755\nc: 1e5\nd: 1.5e+3\ne: '1'\nf: 1:30\ng: 190:20:30.15\nh: ~\ni: 0x1F\nj: -.5\n"
        let py = try values(tree(text))
        #expect(py["a"] == .bool(true))
        #expect(py["b"] == .int(0o755))
        #expect(py["c"] == .string("1e5"))
        #expect(py["d"] == .double(1500))
        #expect(py["e"] == .string("1"))
        #expect(py["f"] == .int(90))
        #expect(py["g"] == .double(685_230.15))  // 190 × 3600 + 20 × 60 + 30.15
        #expect(py["h"] == .null)
        #expect(py["i"] == .int(31))
        #expect(py["j"] == .string("-.5"))
        let plain = try values(tree(text, typing: YAMLTree.Typing(sexagesimal: false)))
        #expect(plain["f"] == .string("1:30"))
        #expect(plain["g"] == .string("190:20:30.15"))
        #expect(plain["b"] == .int(0o755))
    }

    @Test("merge keys: merged first, earlier sources win over later ones, own keys win over all")
    func merges() throws {
        let text = """
            one: &one {a: 1, b: 1}
            two: &two {b: 2, c: 2}
            both:
              <<: [*one, *two]
              c: 3
            """
        let tree = try tree(text)
        guard case let .mapping(root)? = tree.root else { Issue.record("not a mapping"); return }
        let both = try #require(try tree.pairs(of: root).first { tree.text(of: $0.key) == "both" }?.value)
        guard case let .mapping(mapping) = both else { Issue.record("not a mapping"); return }
        let pairs = try tree.pairs(of: mapping).map { (tree.text(of: $0.key), try tree.scalar($0.value)) }
        // As PyYAML orders a merged mapping: the sources' keys last source first, each key where
        // it first appears, with the value of the source written first, or the mapping's own.
        #expect(pairs.map(\.0) == ["b", "c", "a"])
        #expect(pairs.map(\.1) == [.int(1), .int(3), .int(1)])
    }

    @Test("problems carry the file, the line and their kind")
    func problems() throws {
        let tagged = try tree("a: 1\nb: !!int abc\n")
        guard case let .mapping(root)? = tagged.root else { Issue.record("not a mapping"); return }
        let value = try #require(try tagged.pairs(of: root).last?.value)
        #expect(throws: YAMLTree.Problem(kind: .structure, file: "f.yml", line: 2, message: "'abc' is tagged !!int but is not an integer")) {
            try tagged.scalar(value)
        }
        do throws(YAMLTree.Problem) {
            _ = try tree("a: [1, 2\nb: 3\n")
            Issue.record("a syntax error was read")
        } catch {
            #expect(error.kind == .syntax && error.file == "f.yml" && error.line != nil)
        }
        let bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\nb: &b [*a, *a, *a, *a, *a, *a, *a, *a, *a, *a]\nc: [*b, *b, *b, *b, *b, *b, *b, *b, *b, *b]\n"
        do throws(YAMLTree.Problem) {
            _ = try tree(bomb)
            Issue.record("an alias bomb was composed")
        } catch {
            #expect(error.kind == .tooLarge && error.line == 3)
        }
        let badMerge = try tree("a:\n  <<: 3\n")
        guard case let .mapping(top)? = badMerge.root, case let .mapping(inner)? = try badMerge.pairs(of: top).first?.value else {
            Issue.record("not a mapping"); return
        }
        #expect(throws: YAMLTree.Problem.self) { try badMerge.pairs(of: inner) }
    }

    @Test("a file is read up to its bound; missing, a directory or too large are told apart")
    func sourceFile() throws {
        #expect(throws: SourceFile.Problem(kind: .missing, reason: "no such file or directory")) {
            try SourceFile.read("/nonexistent/molt-\(UInt64.random(in: 0...UInt64.max))", maxSize: 10)
        }
        #expect(throws: SourceFile.Problem(kind: .directory, reason: "is a directory")) { try SourceFile.read("/", maxSize: 10) }
        #expect(throws: SourceFile.Problem(kind: .tooLarge, reason: "larger than 10 bytes")) { try SourceFile.read("/dev/zero", maxSize: 10) }
        #expect(SourceFile.text([0xEF, 0xBB, 0xBF, 0x61]) == "a")
        #expect(SourceFile.text([0xFF]) == nil)
    }
}
