import Foundation

/// Base64 as the engine and the Docker CLI use it: standard for path stats and `config.json`,
/// URL-safe with padding for `X-Registry-Auth`.
enum Base64 {
    /// Decodes standard or URL-safe base64, with or without padding.
    static func decode(_ text: String) -> [UInt8]? {
        var normalized = text.trimmingWhitespace()
            .replacingOccurrences(of: "-", with: "+")
            .replacingOccurrences(of: "_", with: "/")
        while normalized.count % 4 != 0 { normalized += "=" }
        return Data(base64Encoded: normalized).map(Array.init)
    }

    /// Encodes URL-safe base64 with padding.
    static func encodeURLSafe(_ bytes: [UInt8]) -> String {
        Data(bytes).base64EncodedString()
            .replacingOccurrences(of: "+", with: "-")
            .replacingOccurrences(of: "/", with: "_")
    }
}
