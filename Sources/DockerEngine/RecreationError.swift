/// Why a container cannot be recreated faithfully with a new image.
///
/// molt refuses rather than guesses: a container recreated from a half-understood
/// configuration can lose settings the operator never sees until the service misbehaves.
public struct RecreationError: Error, CustomStringConvertible, Sendable {
    /// What kind of refusal.
    public var code: Code
    /// The container's name.
    public var container: String
    /// What happened and what to do, in the operator's words; names the container.
    public var message: String

    /// A refusal of kind `code` for `container`.
    public init(_ code: Code, container: String, _ message: String) {
        self.code = code
        self.container = container
        self.message = message
    }

    public var description: String { message }

    /// The kinds of refusal; new kinds may be added, so match with `==` rather than exhaustively.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        private enum Kind: String {
            case oldImageMissing = "old image missing"
            case oldImageMismatch = "old image mismatch"
            case unresolvedNetworkContainer = "unresolved network container"
        }
        private let kind: Kind
        private init(_ kind: Kind) { self.kind = kind }
        public var description: String { kind.rawValue }

        /// The image the container runs is no longer on the host, so its defaults are unknown.
        public static let oldImageMissing = Code(.oldImageMissing)
        /// The image inspect given is not the image the container runs.
        public static let oldImageMismatch = Code(.oldImageMismatch)
        /// The container shares the network namespace of a container known only by its ID.
        public static let unresolvedNetworkContainer = Code(.unresolvedNetworkContainer)
    }
}
