import CYaml

/// Limits a YAML text must keep before it is composed into a tree: how many nodes it stands for
/// once its aliases are expanded, how deeply it nests, and that every mapping key is text.
///
/// Yams composes whatever it is given: an alias bomb ("billion laughs", a few lines of nested
/// anchors and aliases that stand for billions of nodes) composes in a blink, and then hangs or
/// exhausts memory in whatever walks the tree, or in Yams itself when such an alias is a mapping
/// key (keys are hashed). `check` reads the same text as a stream of libyaml events, which costs
/// memory only for the open collections and the anchors, and counts what each alias repeats, so
/// hostile input is refused at its line before anything large is built.
public struct YAMLBounds: Sendable, Hashable {
    /// The most nodes (scalars, lists and mappings) the document may stand for, every alias
    /// counted as the nodes it repeats.
    public var nodes: Int
    /// The most lists and mappings that may be open inside one another.
    public var depth: Int

    /// Creates bounds.
    public init(nodes: Int, depth: Int) {
        self.nodes = nodes
        self.depth = depth
    }

    /// Why a text is refused, and the 1-based line where the limit was crossed.
    public struct Exceeded: Error, Sendable, Hashable {
        /// Which rule the text broke.
        public enum Kind: Sendable, Hashable {
            /// Aliases expand the document past `nodes`.
            case aliases
            /// The document itself has more than `nodes` nodes.
            case nodes
            /// Lists and mappings nest deeper than `depth`.
            case depth
            /// A mapping key is a list, a mapping or an alias to one.
            case complexKey
        }

        /// Which rule the text broke.
        public var kind: Kind
        /// The line of the alias, node or key that crossed the limit.
        public var line: Int?
        /// What was refused and what to do, in the operator's words.
        public var message: String
    }

    /// Checks the first document of `text` against these bounds.
    ///
    /// A YAML syntax error ends the check without an error: the events before it kept the
    /// bounds, and the composer that reads the text next reports the error in its own words.
    public func check(_ text: String) throws(Exceeded) {
        var text = text
        let problem = text.withUTF8 { walk($0) }
        if let problem { throw problem }
    }

    /// A list or mapping whose end has not been read yet.
    private struct Frame {
        var anchor: String?
        /// The nodes it stands for so far, itself included.
        var size = 1
        var isMapping: Bool
        /// In a mapping, whether the next node is a key.
        var expectsKey = true
    }

    /// What an anchor stands for: the number of nodes, and whether it is a list or mapping.
    private struct Anchored {
        var size: Int
        var isCollection: Bool
    }

    private func walk(_ bytes: UnsafeBufferPointer<UInt8>) -> Exceeded? {
        let parser = UnsafeMutablePointer<yaml_parser_t>.allocate(capacity: 1)
        let event = UnsafeMutablePointer<yaml_event_t>.allocate(capacity: 1)
        defer {
            parser.deallocate()
            event.deallocate()
        }
        guard yaml_parser_initialize(parser) == 1 else { return nil }
        defer { yaml_parser_delete(parser) }
        yaml_parser_set_encoding(parser, YAML_UTF8_ENCODING)
        yaml_parser_set_input_string(parser, bytes.baseAddress, bytes.count)

        var frames: [Frame] = []
        var anchors: [String: Anchored] = [:]
        var total = 0
        while true {
            guard yaml_parser_parse(parser, event) == 1 else {
                // libyaml has a nesting limit of its own (1000), which its look-ahead can reach
                // before this walk sees the hundredth level: say it in the same words.
                guard let problem = parser.pointee.problem, String(cString: problem).hasPrefix("Maximum nesting level") else {
                    return nil
                }
                return tooDeep(Int(parser.pointee.problem_mark.line) + 1)
            }
            defer { yaml_event_delete(event) }
            let line = Int(event.pointee.start_mark.line) + 1
            let isKey = frames.last.map { $0.isMapping && $0.expectsKey } ?? false

            switch event.pointee.type {
            case YAML_STREAM_END_EVENT, YAML_DOCUMENT_END_EVENT:
                return nil
            case YAML_SCALAR_EVENT:
                total += 1
                if total > nodes { return tooManyNodes(line) }
                Self.add(1, to: &frames)
                if let anchor = Self.text(event.pointee.data.scalar.anchor) {
                    anchors[anchor] = Anchored(size: 1, isCollection: false)
                }
            case YAML_ALIAS_EVENT:
                let name = Self.text(event.pointee.data.alias.anchor) ?? ""
                // An undefined alias is the composer's error to report; count it as one node.
                let target = anchors[name] ?? Anchored(size: 1, isCollection: false)
                if isKey && target.isCollection {
                    return complexKey(line, found: "an alias to a list or mapping ('*\(name)')")
                }
                total += target.size
                if total > nodes {
                    return Exceeded(
                        kind: .aliases, line: line,
                        message: "YAML aliases expand this document past \(Self.grouped(nodes)) nodes, the most molt reads "
                            + "(here '*\(name)' repeats \(Self.grouped(target.size)) nodes); nested aliases that multiply "
                            + "like this are an alias bomb: write the values out, or alias only small values")
                }
                Self.add(target.size, to: &frames)
            case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
                let isMapping = event.pointee.type == YAML_MAPPING_START_EVENT
                if isKey { return complexKey(line, found: isMapping ? "a mapping" : "a list") }
                total += 1
                if total > nodes { return tooManyNodes(line) }
                guard frames.count < depth else { return tooDeep(line) }
                if !frames.isEmpty { frames[frames.count - 1].expectsKey.toggle() }
                let anchor =
                    isMapping
                    ? Self.text(event.pointee.data.mapping_start.anchor) : Self.text(event.pointee.data.sequence_start.anchor)
                frames.append(Frame(anchor: anchor, isMapping: isMapping))
            case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
                guard let closed = frames.popLast() else { return nil }
                if !frames.isEmpty { frames[frames.count - 1].size += closed.size }
                if let anchor = closed.anchor {
                    anchors[anchor] = Anchored(size: closed.size, isCollection: true)
                }
            default:
                continue
            }
        }
    }

    private func tooManyNodes(_ line: Int) -> Exceeded {
        Exceeded(
            kind: .nodes, line: line,
            message: "the document has more than \(Self.grouped(nodes)) YAML nodes (values, lists and mappings), "
                + "the most molt reads from one file; split it into smaller files")
    }

    private func tooDeep(_ line: Int) -> Exceeded {
        Exceeded(
            kind: .depth, line: line,
            message: "lists and mappings are nested more than \(depth) deep here, the most molt reads; flatten the structure")
    }

    private func complexKey(_ line: Int, found: String) -> Exceeded {
        Exceeded(kind: .complexKey, line: line, message: "a mapping key here is \(found); keys must be plain text such as a name")
    }

    /// Counts `size` nodes into the innermost open collection, and moves a mapping on from key to value.
    private static func add(_ size: Int, to frames: inout [Frame]) {
        guard !frames.isEmpty else { return }
        frames[frames.count - 1].size += size
        frames[frames.count - 1].expectsKey.toggle()
    }

    private static func text(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: $0) }
    }

    /// `1000000` as `1,000,000`.
    static func grouped(_ number: Int) -> String {
        let digits = String(number)
        var result = ""
        for (offset, digit) in digits.enumerated() {
            if offset > 0 && (digits.count - offset) % 3 == 0 { result.append(",") }
            result.append(digit)
        }
        return result
    }
}
