extension UInt8 {
    /// `0`–`9`.
    var isASCIIDigit: Bool { self >= UInt8(ascii: "0") && self <= UInt8(ascii: "9") }
    /// `a`–`z`.
    var isASCIILowercase: Bool { self >= UInt8(ascii: "a") && self <= UInt8(ascii: "z") }
    /// `A`–`Z` or `a`–`z`.
    var isASCIILetter: Bool { (self | 0x20).isASCIILowercase }
    /// A letter or a digit.
    var isASCIIAlphanumeric: Bool { isASCIILetter || isASCIIDigit }
    /// A space or a tab: what dpkg calls blank.
    var isBlank: Bool { self == UInt8(ascii: " ") || self == UInt8(ascii: "\t") }
    /// The same byte with `A`–`Z` lowered.
    var lowercasedASCII: UInt8 { self >= UInt8(ascii: "A") && self <= UInt8(ascii: "Z") ? self | 0x20 : self }
}
