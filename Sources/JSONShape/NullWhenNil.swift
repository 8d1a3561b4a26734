/// An optional property that encodes as `null` when it is nil, where a synthesized
/// `encode(to:)` would leave its key out: molt's JSON documents (SPEC §5) show every key, so
/// that a reader tells "nothing" from "not said".
@propertyWrapper
public struct NullWhenNil<Value: Encodable & Hashable & Sendable>: Encodable, Hashable, Sendable {
    public var wrappedValue: Value?

    public init(wrappedValue: Value?) {
        self.wrappedValue = wrappedValue
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        if let wrappedValue { try container.encode(wrappedValue) } else { try container.encodeNil() }
    }
}
