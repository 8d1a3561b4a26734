/// The 512-byte header block of a tar member, in the ustar, GNU and old v7 layouts.
///
/// Field offsets are POSIX ustar's; v7 headers are ustar headers with no magic, and GNU headers
/// use the ustar prefix area for other purposes, so only POSIX ustar headers join `prefix/name`.
struct TarHeader {
    static let blockSize = 512

    /// The member name, with the ustar prefix joined on; raw bytes as stored.
    var name: [UInt8]
    var mode: Int
    var userID: Int
    var groupID: Int
    var size: Int
    var modificationTime: Int
    var typeFlag: UInt8
    var linkName: [UInt8]

    /// Type flags with a meaning of their own in this reader and writer.
    enum TypeFlag {
        static let regular = UInt8(ascii: "0")
        static let regularOld: UInt8 = 0
        static let hardlink = UInt8(ascii: "1")
        static let symlink = UInt8(ascii: "2")
        static let directory = UInt8(ascii: "5")
        static let contiguous = UInt8(ascii: "7")
        static let paxExtended = UInt8(ascii: "x")
        static let paxGlobal = UInt8(ascii: "g")
        static let gnuLongName = UInt8(ascii: "L")
        static let gnuLongLink = UInt8(ascii: "K")
    }

    private enum Field {
        static let name = 0..<100
        static let mode = 100..<108
        static let userID = 108..<116
        static let groupID = 116..<124
        static let size = 124..<136
        static let modificationTime = 136..<148
        static let checksum = 148..<156
        static let typeFlag = 156
        static let linkName = 157..<257
        static let magic = 257..<263
        static let version = 263..<265
        static let prefix = 345..<500
    }

    private static let posixMagic: [UInt8] = Array("ustar\0".utf8)

    /// Whether the block at `start` is all zeros: the end-of-archive marker.
    static func isEndMarker(_ bytes: [UInt8], at start: Int) -> Bool {
        bytes[start..<start + blockSize].allSatisfy { $0 == 0 }
    }

    /// Decodes the header block at `start` of `bytes`; `offset` is its position in the archive,
    /// for errors.
    init(decoding bytes: [UInt8], at start: Int, offset: Int) throws {
        func field(_ range: Range<Int>) -> ArraySlice<UInt8> {
            bytes[(start + range.lowerBound)..<(start + range.upperBound)]
        }
        func text(_ range: Range<Int>) -> ArraySlice<UInt8> {
            let slice = field(range)
            return slice.prefix(while: { $0 != 0 })
        }
        func number(_ range: Range<Int>, _ label: String) throws -> Int {
            guard let value = Self.number(field(range)) else {
                throw TarError(
                    offset: offset, path: String(decoding: text(Field.name), as: UTF8.self),
                    reason: "the header's \(label) field is not a number (\(Self.show(field(range))))")
            }
            return value
        }

        guard let stored = Self.number(field(Field.checksum)) else {
            throw TarError(
                offset: offset,
                reason: "not a tar header: the checksum field holds \(Self.show(field(Field.checksum)))")
        }
        var unsigned = 0
        var signed = 0
        for index in 0..<Self.blockSize {
            let byte = Field.checksum.contains(index) ? UInt8(ascii: " ") : bytes[start + index]
            unsigned += Int(byte)
            signed += Int(Int8(bitPattern: byte))
        }
        guard stored == unsigned || stored == signed else {
            throw TarError(
                offset: offset,
                reason: "header checksum is \(stored) but the header's bytes sum to \(unsigned):"
                    + " the archive is corrupt or not a tar archive")
        }

        var name = Array(text(Field.name))
        if field(Field.magic).elementsEqual(Self.posixMagic) {
            let prefix = text(Field.prefix)
            if !prefix.isEmpty { name = Array(prefix) + [UInt8(ascii: "/")] + name }
        }
        self.name = name
        self.typeFlag = bytes[start + Field.typeFlag]
        self.linkName = Array(text(Field.linkName))
        self.mode = try number(Field.mode, "mode")
        self.userID = try number(Field.userID, "uid")
        self.groupID = try number(Field.groupID, "gid")
        self.size = try number(Field.size, "size")
        self.modificationTime = try number(Field.modificationTime, "mtime")
        guard size >= 0 else {
            throw TarError(
                offset: offset, path: String(decoding: name, as: UTF8.self), reason: "the header's size is negative")
        }
    }

    /// A header block; every field must fit (the writer moves what does not into PAX records).
    static func encode(
        name: [UInt8], mode: Int, userID: Int, groupID: Int, size: Int, modificationTime: Int,
        typeFlag: UInt8, linkName: [UInt8]
    ) -> [UInt8] {
        var block = [UInt8](repeating: 0, count: blockSize)
        func put(_ bytes: some Collection<UInt8>, _ range: Range<Int>) {
            for (index, byte) in zip(range, bytes) { block[index] = byte }
        }
        func putOctal(_ value: Int, _ range: Range<Int>) {
            let digits = Array(String(value, radix: 8).utf8)
            let width = range.count - 1
            put(Array(repeating: UInt8(ascii: "0"), count: max(0, width - digits.count)) + digits.suffix(width), range)
        }
        put(name.prefix(Field.name.count), Field.name)
        putOctal(mode, Field.mode)
        putOctal(userID, Field.userID)
        putOctal(groupID, Field.groupID)
        putOctal(size, Field.size)
        putOctal(modificationTime, Field.modificationTime)
        block[Field.typeFlag] = typeFlag
        put(linkName.prefix(Field.linkName.count), Field.linkName)
        put(posixMagic, Field.magic)
        put(Array("00".utf8), Field.version)
        put(Array(repeating: UInt8(ascii: " "), count: 8), Field.checksum)
        let checksum = block.reduce(0) { $0 + Int($1) }
        putOctal(checksum, 148..<155)
        block[155] = UInt8(ascii: " ")
        return block
    }

    /// The largest value an octal field of `width` bytes holds (one byte goes to the terminator).
    static func octalLimit(width: Int) -> Int { (1 << (3 * (width - 1))) - 1 }
    static let sizeLimit = octalLimit(width: 12)
    static let timeLimit = octalLimit(width: 12)
    static let idLimit = octalLimit(width: 8)
    static let nameLimit = 100

    /// A numeric field: octal text (blanks and NULs allowed around it), or GNU
    /// base-256 when the high bit of the first byte is set. `nil` when it is neither or
    /// overflows.
    private static func number(_ field: ArraySlice<UInt8>) -> Int? {
        guard let first = field.first else { return 0 }
        if first & 0x80 != 0 {
            let invert: UInt8 = first & 0x40 != 0 ? 0xff : 0
            var value: UInt64 = 0
            for (index, byte) in field.enumerated() {
                var byte = byte ^ invert
                if index == 0 { byte &= 0x7f }
                guard value >> 56 == 0 else { return nil }
                value = value << 8 | UInt64(byte)
            }
            guard value >> 63 == 0 else { return nil }
            return invert == 0 ? Int(value) : ~Int(value)
        }
        var rest = field.drop(while: { $0 == UInt8(ascii: " ") || $0 == 0 })
        var value = 0
        while let byte = rest.first, byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "7") {
            guard value <= Int.max >> 3 else { return nil }
            value = value << 3 | Int(byte - UInt8(ascii: "0"))
            rest = rest.dropFirst()
        }
        guard rest.allSatisfy({ $0 == 0 || $0 == UInt8(ascii: " ") }) else { return nil }
        return value
    }

    /// Field bytes for an error message: printable ASCII as is, the rest escaped.
    private static func show(_ field: ArraySlice<UInt8>) -> String {
        let shown = field.map { byte in
            byte >= 0x20 && byte < 0x7f ? String(UnicodeScalar(byte)) : byte == 0 ? "\\0" : "\\x\(String(byte, radix: 16))"
        }
        return "'" + shown.joined() + "'"
    }
}
