#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The value syntaxes of ssh_config, read as OpenSSH 9.2 reads them (`misc.c`, `readconf.c`).
enum ConfigValue {
    /// `a2port`: 0…65535 in decimal, else a TCP service name (`ssh`); nil when neither.
    static func port(_ text: String) -> Int? {
        if let number = decimal(text) { return number <= 65535 ? number : nil }
        guard let entry = getservbyname(text, "tcp") else { return nil }
        return Int(UInt16(bigEndian: UInt16(truncatingIfNeeded: entry.pointee.s_port)))
    }

    /// `convtime`: seconds, or a sum of numbers with `s m h d w` units (`1h30m`); nil when invalid
    /// or beyond `INT_MAX` seconds.
    static func seconds(_ text: String) -> Int? {
        var total = 0
        var rest = Substring(text)
        guard !rest.isEmpty else { return nil }
        while !rest.isEmpty {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            guard !digits.isEmpty, digits.count <= 10, let value = Int(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            var multiplier = 1
            if let unit = rest.first {
                switch unit {
                case "s", "S": multiplier = 1
                case "m", "M": multiplier = 60
                case "h", "H": multiplier = 3600
                case "d", "D": multiplier = 86400
                case "w", "W": multiplier = 604800
                default: return nil
                }
                rest = rest.dropFirst()
            }
            guard value <= Int(Int32.max) / multiplier else { return nil }
            total += value * multiplier
            guard total <= Int(Int32.max) else { return nil }
        }
        return total
    }

    /// `atoi_err`: a decimal 0…INT_MAX.
    static func nonNegativeInteger(_ text: String) -> Int? {
        guard let value = decimal(text), value <= Int(Int32.max) else { return nil }
        return value
    }

    /// `multistate_flag`: yes/true or no/false, case-insensitively.
    static func flag(_ text: String) -> Bool? {
        switch text.lowercased() {
        case "yes", "true": true
        case "no", "false": false
        default: nil
        }
    }

    /// `multistate_strict_hostkey`.
    static func strictHostKeyChecking(_ text: String) -> StrictHostKeyChecking? {
        switch text.lowercased() {
        case "yes", "true": .yes
        case "no", "false", "off": .no
        case "ask": .ask
        case "accept-new": .acceptNew
        default: nil
        }
    }

    /// `valid_env_name`: letters, digits and underscores, at least one.
    static func isEnvironmentName(_ text: some StringProtocol) -> Bool {
        !text.isEmpty && text.utf8.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 >= 0x41 && $0 <= 0x5A) || ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F }
    }

    /// Whether `text` is a numeric IPv4 or IPv6 address (`ssh` does not lowercase those).
    static func isAddress(_ text: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, text, &v4) == 1 || inet_pton(AF_INET6, text, &v6) == 1
    }

    /// `strtonum`-style decimal: an optional `+`, then digits only.
    private static func decimal(_ text: String) -> Int? {
        var digits = Substring(text)
        if digits.first == "+" { digits = digits.dropFirst() }
        guard !digits.isEmpty, digits.count <= 18, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return Int(digits)
    }
}
