/// Byte-level substring helpers for the incremental filters.
///
/// Searching UTF-8 bytes is exact Unicode-scalar matching: a valid UTF-8 needle can only match a valid UTF-8
/// haystack at scalar boundaries, because its first byte is never a continuation byte.
enum ByteSearch {
    /// The start of the first occurrence of `needle` in `haystack`, if any.
    static func firstIndex(of needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard let first = needle.first, needle.count <= haystack.count else { return nil }
        var start = 0
        let lastStart = haystack.count - needle.count
        while start <= lastStart {
            if haystack[start] == first {
                var offset = 1
                while offset < needle.count && haystack[start + offset] == needle[offset] { offset += 1 }
                if offset == needle.count { return start }
            }
            start += 1
        }
        return nil
    }

    /// The length of the longest suffix of `haystack` that is a proper prefix of one of `needles`.
    static func heldSuffixLength(of haystack: [UInt8], prefixOf needles: [[UInt8]]) -> Int {
        let longest = needles.map(\.count).max() ?? 0
        var length = min(haystack.count, longest - 1)
        while length > 0 {
            let start = haystack.count - length
            for needle in needles where needle.count > length && needle[0] == haystack[start] {
                if haystack[start...].elementsEqual(needle[..<length]) { return length }
            }
            length -= 1
        }
        return 0
    }

    /// Text from bytes that the helpers above guarantee end at scalar boundaries.
    static func string(_ bytes: ArraySlice<UInt8>) -> String {
        String(decoding: bytes, as: UTF8.self)
    }
}
