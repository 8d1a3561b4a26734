import BoundedYAML
import Testing

@Suite("YAML bounds")
struct YAMLBoundsTests {
    /// Nine levels of nine aliases: a few hundred bytes that stand for 9^9 (387,420,489) strings.
    static let billionLaughs = """
        a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]
        b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]
        c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]
        d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]
        e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]
        f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]
        g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]
        h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]
        i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]
        """

    let bounds = YAMLBounds(nodes: 1_000_000, depth: 100)

    @Test("an alias bomb is refused at the alias that crosses the node limit, naming the limit")
    func aliasBomb() throws {
        let refusal = try #require(throws: YAMLBounds.Exceeded.self) { try bounds.check(Self.billionLaughs) }
        #expect(refusal.line == 7)
        #expect(refusal.message.hasPrefix("YAML aliases expand this document past 1,000,000 nodes, the most molt reads (here '*f' repeats 597,871 nodes)"))
        #expect(refusal.message.contains("alias bomb"))
    }

    @Test("an alias to a large list used as a mapping key is refused before anything hashes it")
    func aliasAsKey() throws {
        let text = "a: &a [1, 2, 3]\n? *a\n: x\n"
        let refusal = try #require(throws: YAMLBounds.Exceeded.self) { try bounds.check(text) }
        #expect(refusal.line == 2)
        #expect(refusal.message == "a mapping key here is an alias to a list or mapping ('*a'); keys must be plain text such as a name")
    }

    @Test("a list or mapping as a key is refused; an alias to a scalar is a fine key")
    func complexKeys() throws {
        let list = try #require(throws: YAMLBounds.Exceeded.self) { try bounds.check("{[a, b]: c}") }
        #expect(list.message.hasPrefix("a mapping key here is a list;"))
        let mapping = try #require(throws: YAMLBounds.Exceeded.self) { try bounds.check("x:\n  ? {a: b}\n  : c\n") }
        #expect(mapping.line == 2)
        try bounds.check("name: &n web\n*n : 1\nlist: [*n, *n]\n")
    }

    @Test("nesting deeper than the limit is refused at the line that goes too deep")
    func deepNesting() throws {
        let text = String(repeating: "[", count: 150) + String(repeating: "]", count: 150)
        let refusal = try #require(throws: YAMLBounds.Exceeded.self) { try bounds.check(text) }
        #expect(refusal.line == 1)
        #expect(refusal.message.hasPrefix("lists and mappings are nested more than 100 deep here"))
        let shallow = String(repeating: "[", count: 100) + String(repeating: "]", count: 100)
        try bounds.check(shallow)
        // Past libyaml's own limit of 1000, its look-ahead fails first; the words are the same.
        let deeper = "a:\n  b: " + String(repeating: "[", count: 5000) + String(repeating: "]", count: 5000)
        let libyaml = try #require(throws: YAMLBounds.Exceeded.self) { try bounds.check(deeper) }
        #expect(libyaml.line == 2)
        #expect(libyaml.kind == .depth)
        #expect(libyaml.message == refusal.message)
    }

    @Test("a document with more nodes than the limit is refused even without aliases")
    func tooManyNodes() throws {
        let small = YAMLBounds(nodes: 10, depth: 10)
        let refusal = try #require(throws: YAMLBounds.Exceeded.self) {
            try small.check("- 1\n- 2\n- 3\n- 4\n- 5\n- 6\n- 7\n- 8\n- 9\n- 10\n- 11\n")
        }
        #expect(refusal.line == 10)
        #expect(refusal.message.hasPrefix("the document has more than 10 YAML nodes"))
    }

    @Test("ordinary anchors, merge keys and aliases pass, and syntax errors are left to the composer")
    func ordinaryInput() throws {
        let inventory = """
            all:
              vars: &defaults
                ansible_user: deploy
                ansible_port: 22
              children:
                web:
                  hosts:
                    web1: {<<: *defaults, ansible_host: 10.0.0.1}
                    web2: {<<: *defaults, ansible_host: 10.0.0.2}
            """
        try bounds.check(inventory)
        try bounds.check("all:\n  hosts:\n    web1:\n   bad: [\n")
        try bounds.check("")
        try bounds.check("a: *undefined\n")
    }
}
