import Playbook
import Testing

@Suite("Value selectors")
struct ValueSelectorTests {
    @Test("selectors read into steps and write back in the shortest form", arguments: [
        ("$", [], "$"),
        ("$.data.result[0].value[1]", [.key("data"), .key("result"), .index(0), .key("value"), .index(1)], "$.data.result[0].value[1]"),
        ("$[\"key with.dot\"]", [.key("key with.dot")], "$[\"key with.dot\"]"),
        ("$['single'][\"a\\\"b\"]", [.key("single"), .key("a\"b")], "$.single[\"a\\\"b\"]"),
        ("$.items[-1]", [.key("items"), .index(-1)], "$.items[-1]"),
        ("$.a-b_c.D9", [.key("a-b_c"), .key("D9")], "$.a-b_c.D9"),
        ("$[0][\"\"]", [.index(0), .key("")], "$[0][\"\"]"),
    ] as [(String, [ValueSelector.Step], String)])
    func reads(_ text: String, _ steps: [ValueSelector.Step], _ canonical: String) throws {
        let selector = try ValueSelector(parsing: text)
        #expect(selector.steps == steps)
        #expect(selector.description == canonical)
        #expect(try ValueSelector(parsing: selector.description) == selector)
    }

    @Test("malformed selectors say what is wrong and where", arguments: [
        ("", "starts with $", 1),
        ("data.result", "starts with $", 1),
        ("$.", "a member name must follow '.'", 3),
        ("$..a", "(wildcards and recursive descent) is not supported", 3),
        ("$.a.*", "(wildcards and recursive descent) is not supported", 5),
        ("$[", "'[' is not closed", 2),
        ("$[0", "']' expected", 4),
        ("$[\"a]", "the quoted name is not closed", 3),
        ("$[a]", "must hold a list index such as [0] or a quoted name", 3),
        ("$[*]", "(wildcards, slices and filters) is not supported", 3),
        ("$[1:2]", "']' expected", 4),
        ("$[\"a\\n\"]", "only \\\\, \\\" and \\' escapes", 5),
        ("$.a b", "unexpected ' ': write .name, [\"name\"] or [index] after '$.a'", 4),
        ("$[99999999999999999999]", "must hold a list index", 3),
    ])
    func refuses(_ text: String, _ words: String, _ position: Int) {
        do {
            _ = try ValueSelector(parsing: text)
            Issue.record("'\(text)' was accepted")
        } catch {
            #expect(error.message.contains(words), "\(error)")
            #expect(error.message.hasPrefix("'\(text)' is not a value selector: "), "\(error)")
            #expect(error.position == position, "\(error)")
        }
    }
}
