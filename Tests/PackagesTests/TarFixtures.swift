// Archives made once with GNU tar 1.34 (`--sort=name --mtime=2024-05-06T07:08:09Z --owner=0
// --group=0 --numeric-owner`), stored as the base64 of their non-zero runs by offset so that
// the tests do not need tar and the blocks of zeros do not bloat the source.
enum TarFixtures {
    /// `tar --format=gnu -b 1 -cf gnu.tar short.txt hard.txt empty link-to-long very/…/file-with-a-rather-long-name-too.txt pipe`
    static let gnu = Fixture(
        length: 7168,
        runs: [
            (0, "c2hvcnQudHh0"),
            (100, "MDAwMDY0NAAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDAwMDYAMTQ2MTYxMDA3MzEAMDA3NjM3ACAw"),
            (257, "dXN0YXIgIA=="),
            (512, "c2hvcnQK"),
            (1024, "aGFyZC50eHQ="),
            (1124, "MDAwMDY0NAAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDAwMDAAMTQ2MTYxMDA3MzEAMDExMzA3ACAxc2hvcnQudHh0"),
            (1281, "dXN0YXIgIA=="),
            (1536, "ZW1wdHkv"),
            (1636, "MDAwMDc1NQAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDAwMDAAMTQ2MTYxMDA3MzEAMDA3MTAxACA1"),
            (1793, "dXN0YXIgIA=="),
            (2048, "Li8uL0BMb25nTGluaw=="),
            (2148, "MDAwMDY0NAAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDAyMDYAMDAwMDAwMDAwMDAAMDA3NzcwACBL"),
            (2305, "dXN0YXIgIA=="),
            (2560, "Li4vdmVyeS9kZWVwbHkvbmVzdGVkL2RpcmVjdG9yeS9zdHJ1Y3R1cmUvdGhhdC9nb2VzL29uL2FuZC9vbi9mb3IvcXVpdGUvYS93aGlsZS91bnRpbC9pdC9pcy9sb25nL2ZpbGUtd2l0aC1hLXJhdGhlci1sb25nLW5hbWUtdG9vLnR4dA=="),
            (3072, "bGluay10by1sb25n"),
            (3172, "MDAwMDc3NwAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDAwMDAAMTQ2MTYxMDA3MzEAMDMyNzU3ACAyLi4vdmVyeS9kZWVwbHkvbmVzdGVkL2RpcmVjdG9yeS9zdHJ1Y3R1cmUvdGhhdC9nb2VzL29uL2FuZC9vbi9mb3IvcXVpdGUvYS93aGlsZS91bnRpbC9pdC9pcy9sb25nL2ZpbHVzdGFyICA="),
            (3584, "Li8uL0BMb25nTGluaw=="),
            (3684, "MDAwMDY0NAAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDAyMDMAMDAwMDAwMDAwMDAAMDA3NzY2ACBM"),
            (3841, "dXN0YXIgIA=="),
            (4096, "dmVyeS9kZWVwbHkvbmVzdGVkL2RpcmVjdG9yeS9zdHJ1Y3R1cmUvdGhhdC9nb2VzL29uL2FuZC9vbi9mb3IvcXVpdGUvYS93aGlsZS91bnRpbC9pdC9pcy9sb25nL2ZpbGUtd2l0aC1hLXJhdGhlci1sb25nLW5hbWUtdG9vLnR4dA=="),
            (4608, "dmVyeS9kZWVwbHkvbmVzdGVkL2RpcmVjdG9yeS9zdHJ1Y3R1cmUvdGhhdC9nb2VzL29uL2FuZC9vbi9mb3IvcXVpdGUvYS93aGlsZS91bnRpbC9pdC9pcy9sb25nL2ZpbGUtdzAwMDA2NDQAMDAwMDAwMAAwMDAwMDAwADAwMDAwMDAwMDI3ADE0NjE2MTAwNzMxADAzMDcyMgAgMA=="),
            (4865, "dXN0YXIgIA=="),
            (5120, "aGVsbG8gZnJvbSBhIGxvbmcgcGF0aAo="),
            (5632, "cGlwZQ=="),
            (5732, "MDAwMDY0NAAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDAwMDAAMTQ2MTYxMDA3MzEAMDA2NjE3ACA2"),
            (5889, "dXN0YXIgIA=="),
        ])

    /// `tar --format=pax -b 1 -cf pax.tar short.txt café.txt link-to-long very/…/file-with-a-rather-long-name-too.txt`
    static let pax = Fixture(
        length: 8704,
        runs: [
            (0, "Li9QYXhIZWFkZXJzL3Nob3J0LnR4dA=="),
            (100, "MDAwMDY0NAAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDAwNzQAMTQ2MTYxMDA3MzEAMDEyMTc1ACB4"),
            (257, "dXN0YXIAMDA="),
            (512, "MzAgYXRpbWU9MTc5NTkxNzczNy45NzcxODQ5MTgKMzAgY3RpbWU9MTc5NTkxNzczNy45NjkzMDg2NDMK"),
            (1024, "c2hvcnQudHh0"),
            (1124, "MDAwMDY0NAAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDAwMDYAMTQ2MTYxMDA3MzEAMDExMTM3ACAw"),
            (1281, "dXN0YXIAMDA="),
            (1353, "MDAwMDAwMAAwMDAwMDAw"),
            (1536, "c2hvcnQK"),
            (2048, "Li9QYXhIZWFkZXJzL2NhZsOpLnR4dA=="),
            (2148, "MDAwMDY0NAAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDAxMTYAMTQ2MTYxMDA3MzEAMDEyMzQwACB4"),
            (2305, "dXN0YXIAMDA="),
            (2560, "MTggcGF0aD1jYWbDqS50eHQKMzAgYXRpbWU9MTc5NTkxNzczNy45OTQ2NTkzNDUKMzAgY3RpbWU9MTc5NTkxNzczNy45NjkzMDg2NDMK"),
            (3072, "Y2Fmw6kudHh0"),
            (3172, "MDAwMDY0NAAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDAwMDYAMTQ2MTYxMDA3MzEAMDExMzA1ACAw"),
            (3329, "dXN0YXIAMDA="),
            (3401, "MDAwMDAwMAAwMDAwMDAw"),
            (3584, "Y2Fmw6kK"),
            (4096, "Li9QYXhIZWFkZXJzL2xpbmstdG8tbG9uZw=="),
            (4196, "MDAwMDY0NAAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDAzMTcAMTQ2MTYxMDA3MzEAMDEyNTMyACB4"),
            (4353, "dXN0YXIAMDA="),
            (4608, "MTQ3IGxpbmtwYXRoPS4uL3ZlcnkvZGVlcGx5L25lc3RlZC9kaXJlY3Rvcnkvc3RydWN0dXJlL3RoYXQvZ29lcy9vbi9hbmQvb24vZm9yL3F1aXRlL2Evd2hpbGUvdW50aWwvaXQvaXMvbG9uZy9maWxlLXdpdGgtYS1yYXRoZXItbG9uZy1uYW1lLXRvby50eHQKMzAgYXRpbWU9MTc5NTkxNzczNy45NzcxODQ5MTgKMzAgY3RpbWU9MTc5NTkxNzczNy45NjkzMDg2NDMK"),
            (5120, "bGluay10by1sb25n"),
            (5220, "MDAwMDc3NwAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDAwMDAAMTQ2MTYxMDA3MzEAMDM0MjU3ACAyLi4vdmVyeS9kZWVwbHkvbmVzdGVkL2RpcmVjdG9yeS9zdHJ1Y3R1cmUvdGhhdC9nb2VzL29uL2FuZC9vbi9mb3IvcXVpdGUvYS93aGlsZS91bnRpbC9pdC9pcy9sb25nL2ZpbHVzdGFyADAw"),
            (5449, "MDAwMDAwMAAwMDAwMDAw"),
            (5632, "dmVyeS9kZWVwbHkvbmVzdGVkL2RpcmVjdG9yeS9zdHJ1Y3R1cmUvdGhhdC9nb2VzL29uL2FuZC9vbi9mb3IvcXVpdGUvYS93aGlsZS91bnRpbC9pdC9pcy9sb25nL1BheEhlYTAwMDA2NDQAMDAwMDAwMAAwMDAwMDAwADAwMDAwMDAwMzEwADE0NjE2MTAwNzMxADAzMTA1MAAgeA=="),
            (5889, "dXN0YXIAMDA="),
            (6144, "MTQwIHBhdGg9dmVyeS9kZWVwbHkvbmVzdGVkL2RpcmVjdG9yeS9zdHJ1Y3R1cmUvdGhhdC9nb2VzL29uL2FuZC9vbi9mb3IvcXVpdGUvYS93aGlsZS91bnRpbC9pdC9pcy9sb25nL2ZpbGUtd2l0aC1hLXJhdGhlci1sb25nLW5hbWUtdG9vLnR4dAozMCBhdGltZT0xNzk1OTE3NzM3Ljk3NzE4NDkxOAozMCBjdGltZT0xNzk1OTE3NzM3Ljk2ODM5NDQ0NQo="),
            (6656, "dmVyeS9kZWVwbHkvbmVzdGVkL2RpcmVjdG9yeS9zdHJ1Y3R1cmUvdGhhdC9nb2VzL29uL2FuZC9vbi9mb3IvcXVpdGUvYS93aGlsZS91bnRpbC9pdC9pcy9sb25nL2ZpbGUtdzAwMDA2NDQAMDAwMDAwMAAwMDAwMDAwADAwMDAwMDAwMDI3ADE0NjE2MTAwNzMxADAzMjIyMgAgMA=="),
            (6913, "dXN0YXIAMDA="),
            (6985, "MDAwMDAwMAAwMDAwMDAw"),
            (7168, "aGVsbG8gZnJvbSBhIGxvbmcgcGF0aAo="),
        ])

    /// `tar --format=ustar -b 1 -cf ustar.tar short.txt hard.txt empty very/…/file-with-a-rather-long-name-too.txt pipe`
    static let ustar = Fixture(
        length: 4608,
        runs: [
            (0, "c2hvcnQudHh0"),
            (100, "MDAwMDY0NAAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDAwMDYAMTQ2MTYxMDA3MzEAMDExMTM3ACAw"),
            (257, "dXN0YXIAMDA="),
            (329, "MDAwMDAwMAAwMDAwMDAw"),
            (512, "c2hvcnQK"),
            (1024, "aGFyZC50eHQ="),
            (1124, "MDAwMDY0NAAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDAwMDAAMTQ2MTYxMDA3MzEAMDEyNjA3ACAxc2hvcnQudHh0"),
            (1281, "dXN0YXIAMDA="),
            (1353, "MDAwMDAwMAAwMDAwMDAw"),
            (1536, "ZW1wdHkv"),
            (1636, "MDAwMDc1NQAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDAwMDAAMTQ2MTYxMDA3MzEAMDEwNDAxACA1"),
            (1793, "dXN0YXIAMDA="),
            (1865, "MDAwMDAwMAAwMDAwMDAw"),
            (2048, "ZmlsZS13aXRoLWEtcmF0aGVyLWxvbmctbmFtZS10b28udHh0"),
            (2148, "MDAwMDY0NAAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDAwMjcAMTQ2MTYxMDA3MzEAMDM3NjQxACAw"),
            (2305, "dXN0YXIAMDA="),
            (2377, "MDAwMDAwMAAwMDAwMDAwAHZlcnkvZGVlcGx5L25lc3RlZC9kaXJlY3Rvcnkvc3RydWN0dXJlL3RoYXQvZ29lcy9vbi9hbmQvb24vZm9yL3F1aXRlL2Evd2hpbGUvdW50aWwvaXQvaXMvbG9uZw=="),
            (2560, "aGVsbG8gZnJvbSBhIGxvbmcgcGF0aAo="),
            (3072, "cGlwZQ=="),
            (3172, "MDAwMDY0NAAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDAwMDAAMTQ2MTYxMDA3MzEAMDEwMTE3ACA2"),
            (3329, "dXN0YXIAMDA="),
            (3401, "MDAwMDAwMAAwMDAwMDAw"),
        ])

    /// `tar --format=v7 -b 1 -cf v7.tar short.txt empty`
    static let v7 = Fixture(
        length: 2560,
        runs: [
            (0, "c2hvcnQudHh0"),
            (100, "MDAwMDY0NAAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDAwMDYAMTQ2MTYxMDA3MzEAMDA3NjQwACA="),
            (329, "MDAwMDAwMAAwMDAwMDAw"),
            (512, "c2hvcnQK"),
            (1024, "ZW1wdHkv"),
            (1124, "MDAwMDc1NQAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDAwMDAAMTQ2MTYxMDA3MzEAMDA3MTYyACA1"),
            (1353, "MDAwMDAwMAAwMDAwMDAw"),
        ])

    /// `tar --format=pax -b 1 -cf statusd.tar status.d (libssl3, libssl3.md5sums, base-files)`
    static let distrolessStatusDirectory = Fixture(
        length: 8704,
        runs: [
            (0, "Li9QYXhIZWFkZXJzL3N0YXR1cy5k"),
            (100, "MDAwMDY0NAAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDAwNzQAMTQ2MTYxMDA3MzEAMDExNzY1ACB4"),
            (257, "dXN0YXIAMDA="),
            (512, "MzAgYXRpbWU9MTc5NTkxNzc2MC4xNTA0MjY5OTIKMzAgY3RpbWU9MTc5NTkxNzc2MC4xNTA0MjY5OTIK"),
            (1024, "c3RhdHVzLmQv"),
            (1124, "MDAwMDc1NQAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDAwMDAAMTQ2MTYxMDA3MzEAMDExMDEwACA1"),
            (1281, "dXN0YXIAMDA="),
            (1353, "MDAwMDAwMAAwMDAwMDAw"),
            (1536, "c3RhdHVzLmQvUGF4SGVhZGVycy9iYXNlLWZpbGVz"),
            (1636, "MDAwMDY0NAAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDAwNzQAMTQ2MTYxMDA3MzEAMDEzNjQyACB4"),
            (1793, "dXN0YXIAMDA="),
            (2048, "MzAgYXRpbWU9MTc5NTkxNzc2MC4xNTA0MjY5OTIKMzAgY3RpbWU9MTc5NTkxNzc2MC4xNTA0MjY5OTIK"),
            (2560, "c3RhdHVzLmQvYmFzZS1maWxlcw=="),
            (2660, "MDAwMDY0NAAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDAwNzYAMTQ2MTYxMDA3MzEAMDEyNzUwACAw"),
            (2817, "dXN0YXIAMDA="),
            (2889, "MDAwMDAwMAAwMDAwMDAw"),
            (3072, "UGFja2FnZTogYmFzZS1maWxlcwpWZXJzaW9uOiAxMi40K2RlYjEydTUKQXJjaGl0ZWN0dXJlOiBhbWQ2NAo="),
            (3584, "c3RhdHVzLmQvUGF4SGVhZGVycy9saWJzc2wz"),
            (3684, "MDAwMDY0NAAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDAwNzQAMTQ2MTYxMDA3MzEAMDEzMjAzACB4"),
            (3841, "dXN0YXIAMDA="),
            (4096, "MzAgYXRpbWU9MTc5NTkxNzc2MC4xNTA0MjY5OTIKMzAgY3RpbWU9MTc5NTkxNzc2MC4xNTA0MjY5OTIK"),
            (4608, "c3RhdHVzLmQvbGlic3NsMw=="),
            (4708, "MDAwMDY0NAAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDA1MjYAMTQ2MTYxMDA3MzEAMDEyMzExACAw"),
            (4865, "dXN0YXIAMDA="),
            (4937, "MDAwMDAwMAAwMDAwMDAw"),
            (5120, "UGFja2FnZTogbGlic3NsMwpTb3VyY2U6IG9wZW5zc2wKVmVyc2lvbjogMy4wLjExLTF+ZGViMTJ1MgpBcmNoaXRlY3R1cmU6IGFtZDY0Ck1haW50YWluZXI6IERlYmlhbiBPcGVuU1NMIFRlYW0gPHBrZy1vcGVuc3NsLWRldmVsQGFsaW90aC1saXN0cy5kZWJpYW4ubmV0PgpJbnN0YWxsZWQtU2l6ZTogNjE2MApEZXNjcmlwdGlvbjogU2VjdXJlIFNvY2tldHMgTGF5ZXIgdG9vbGtpdCAtIHNoYXJlZCBsaWJyYXJpZXMKIFRoaXMgcGFja2FnZSBpcyBwYXJ0IG9mIHRoZSBPcGVuU1NMIHByb2plY3QuCiAuCiBJdCBwcm92aWRlcyB0aGUgbGlic3NsIGFuZCBsaWJjcnlwdG8gc2hhcmVkIGxpYnJhcmllcy4K"),
            (5632, "c3RhdHVzLmQvUGF4SGVhZGVycy9saWJzc2wzLm1kNXN1bXM="),
            (5732, "MDAwMDY0NAAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDAwNzQAMTQ2MTYxMDA3MzEAMDE0NTc3ACB4"),
            (5889, "dXN0YXIAMDA="),
            (6144, "MzAgYXRpbWU9MTc5NTkxNzc2MC4xNTA0MjY5OTIKMzAgY3RpbWU9MTc5NTkxNzc2MC4xNTA0MjY5OTIK"),
            (6656, "c3RhdHVzLmQvbGlic3NsMy5tZDVzdW1z"),
            (6756, "MDAwMDY0NAAwMDAwMDAwADAwMDAwMDAAMDAwMDAwMDAxMDcAMTQ2MTYxMDA3MzEAMDEzNzAwACAw"),
            (6913, "dXN0YXIAMDA="),
            (6985, "MDAwMDAwMAAwMDAwMDAw"),
            (7168, "ZDQxZDhjZDk4ZjAwYjIwNGU5ODAwOTk4ZWNmODQyN2UgIHVzci9saWIveDg2XzY0LWxpbnV4LWdudS9saWJzc2wuc28uMwo="),
        ])
}

/// An archive stored as its length and the base64 of its non-zero runs, each at its offset.
struct Fixture: Sendable {
    let length: Int
    let runs: [(offset: Int, base64: String)]

    /// The archive's bytes.
    var bytes: [UInt8] {
        var bytes = [UInt8](repeating: 0, count: length)
        for (offset, text) in runs {
            for (index, byte) in Self.decodeBase64(text).enumerated() { bytes[offset + index] = byte }
        }
        return bytes
    }

    /// Standard base64 with padding; the fixtures are trusted, so there is no error handling.
    private static func decodeBase64(_ text: String) -> [UInt8] {
        func value(_ c: UInt8) -> UInt32 {
            switch c {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"): UInt32(c - UInt8(ascii: "A"))
            case UInt8(ascii: "a")...UInt8(ascii: "z"): UInt32(c - UInt8(ascii: "a")) + 26
            case UInt8(ascii: "0")...UInt8(ascii: "9"): UInt32(c - UInt8(ascii: "0")) + 52
            case UInt8(ascii: "+"): 62
            default: 63
            }
        }
        let symbols = Array(text.utf8.filter { $0 != UInt8(ascii: "=") })
        var output: [UInt8] = []
        var index = 0
        while index < symbols.count {
            let chunk = symbols[index..<min(index + 4, symbols.count)]
            var word: UInt32 = 0
            for (position, symbol) in chunk.enumerated() { word |= value(symbol) << (18 - 6 * UInt32(position)) }
            for byteIndex in 0..<(chunk.count - 1) { output.append(UInt8(truncatingIfNeeded: word >> (16 - 8 * UInt32(byteIndex)))) }
            index += 4
        }
        return output
    }
}
