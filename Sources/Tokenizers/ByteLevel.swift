/// GPT-2's reversible byte↔unicode mapping: every byte is shown as a printable code point so that
/// vocabulary and merge strings never contain raw spaces or control bytes (llama.cpp unicode.cpp
/// `unicode_byte_to_utf8_map`).
enum ByteLevel {
    /// The code point standing for each byte.
    static let scalarForByte: [UInt32] = {
        var table = [UInt32](repeating: 0, count: 256)
        var printable = [Bool](repeating: false, count: 256)
        for b in 0x21...0x7E { printable[b] = true }
        for b in 0xA1...0xAC { printable[b] = true }
        for b in 0xAE...0xFF { printable[b] = true }
        var next: UInt32 = 256
        for b in 0..<256 {
            if printable[b] {
                table[b] = UInt32(b)
            } else {
                table[b] = next
                next += 1
            }
        }
        return table
    }()

    /// The inverse of `scalarForByte`, indexed by code point (at most U+0143); -1 where no byte maps.
    static let byteForScalar: [Int16] = {
        var table = [Int16](repeating: -1, count: 324)
        for (b, s) in scalarForByte.enumerated() { table[Int(s)] = Int16(b) }
        return table
    }()

    /// The byte-level string that stands for `bytes` (what vocabulary entries look like).
    static func encode<S: Sequence>(_ bytes: S) -> String where S.Element == UInt8 {
        var s = String.UnicodeScalarView()
        for b in bytes {
            if let u = Unicode.Scalar(scalarForByte[Int(b)]) { s.append(u) }
        }
        return String(s)
    }

    /// The raw bytes a normal token's text stands for. Code points outside the mapping are rendered
    /// the way llama.cpp's `llama_decode_text` does: `[UNK_BYTE_0x<utf8 hex><whole text>]`.
    static func decode(_ text: String) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(text.utf8.count)
        for u in text.unicodeScalars {
            let v = Int(u.value)
            if v < byteForScalar.count, byteForScalar[v] >= 0 {
                out.append(UInt8(byteForScalar[v]))
            } else {
                out.append(contentsOf: Array("[UNK_BYTE_0x".utf8))
                for c in String(u).utf8 { out.append(contentsOf: Array(hex2(c).utf8)) }
                out.append(contentsOf: Array(text.utf8))
                out.append(UInt8(ascii: "]"))
            }
        }
        return out
    }

    private static func hex2(_ b: UInt8) -> String {
        let digits = Array("0123456789abcdef".utf8)
        return String(decoding: [digits[Int(b >> 4)], digits[Int(b & 15)]], as: UTF8.self)
    }
}
