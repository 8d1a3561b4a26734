/// A problem reading or writing the journal, naming the journal file and what to do.
public struct JournalError: Error, CustomStringConvertible, Sendable, Hashable {
    /// What kind of problem this is, for callers that react differently to each.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// A short stable name, e.g. `ambiguous-run-id`.
        public let name: String

        /// The journal file or its directory cannot be created, opened or migrated.
        public static let unopenable = Code(name: "unopenable")
        /// SQLite refused a read or a write (disk full, locked for too long, corrupt file).
        public static let storage = Code(name: "storage")
        /// A run ID prefix matches more than one run.
        public static let ambiguousRunID = Code(name: "ambiguous-run-id")
        /// The file is an SQLite database that molt did not make (another program's data).
        public static let notJournal = Code(name: "not-a-journal")
        /// A row holds a NULL or a value of the wrong type where molt wrote a value.
        public static let damaged = Code(name: "damaged")
        /// A write names a run, batch or step the journal does not hold.
        public static let unknownRecord = Code(name: "unknown-record")

        /// The short stable name.
        public var description: String { name }
    }

    /// The journal file concerned.
    public var path: String
    /// The kind of problem.
    public var code: Code
    /// What is wrong and what to do, in the operator's words.
    public var message: String

    /// Creates an error about the journal at `path`.
    public init(path: String, code: Code, message: String) {
        self.path = path
        self.code = code
        self.message = message
    }

    /// `journal PATH: message`.
    public var description: String { "journal \(path): \(message)" }
}
