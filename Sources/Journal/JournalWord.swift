/// A value the journal stores as a word of text (a step's kind, a step's outcome, a run's
/// result): what this molt writes is a case, and text it does not know (a newer molt's, or a
/// row edited by hand) reads back as an `other` case that keeps the text, so a journal reads
/// and copies the same whichever molt wrote it.
///
/// Two values are the same when their text is: `.other("ok")` is `.ok`. A value encodes as its text.
public protocol JournalWord: Sendable, Hashable, CustomStringConvertible, Encodable {
    /// The value `text` names; never fails: unknown text is kept as it was read.
    init(rawValue text: String)
    /// The text the journal stores.
    var rawValue: String { get }
}

extension JournalWord {
    public var description: String { rawValue }

    public static func == (lhs: Self, rhs: Self) -> Bool { lhs.rawValue == rhs.rawValue }

    public func hash(into hasher: inout Hasher) { hasher.combine(rawValue) }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(rawValue)
    }
}

extension JournalWord where Self: CaseIterable, AllCases == [Self] {
    /// The case of `allCases` whose text is `text`, else `other(text)`.
    static func reading(_ text: String, else other: (String) -> Self) -> Self {
        allCases.first { $0.rawValue == text } ?? other(text)
    }
}
