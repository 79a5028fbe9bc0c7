/// Turns generated tokens into text one at a time, holding back a UTF-8 character until a later token completes it.
// Pieces are concatenated as llama-server streams them, without `decode`'s `clean_spaces` pass, so the
// output equals `decode` for the smollm and qwen2 pre-tokenizers (which have no clean-up).
public struct StreamingDetokenizer: Sendable {
    private let tokenizer: Tokenizer
    private let skipSpecial: Bool
    private var pending: [UInt8] = []

    /// A detokenizer for `tokenizer`; control tokens are dropped when `skipSpecial` is true.
    public init(tokenizer: Tokenizer, skipSpecial: Bool = false) {
        self.tokenizer = tokenizer
        self.skipSpecial = skipSpecial
    }

    /// The text that token `id` completes (possibly empty).
    public mutating func append(_ id: Int32) -> String {
        tokenizer.appendPiece(id, skipSpecial: skipSpecial, to: &pending)
        let cut = pending.count - Self.incompleteSuffixLength(pending)
        guard cut > 0 else { return "" }
        let text = String(decoding: pending[..<cut], as: UTF8.self)
        pending.removeSubrange(..<cut)
        return text
    }

    /// Whatever is still held back; an unfinished character becomes U+FFFD.
    public mutating func finish() -> String {
        defer { pending.removeAll() }
        return String(decoding: pending, as: UTF8.self)
    }

    /// The length of a trailing sequence that is a valid but unfinished UTF-8 character, else 0.
    /// Invalid bytes are not held back: waiting could not make them valid.
    static func incompleteSuffixLength(_ bytes: [UInt8]) -> Int {
        let n = bytes.count
        var lead = n - 1
        // A character is at most 4 bytes, so its lead byte is among the last 3 when unfinished.
        while lead >= 0 && lead > n - 4 && bytes[lead] & 0xC0 == 0x80 { lead -= 1 }
        guard lead >= 0, lead > n - 4 else { return 0 }
        let b0 = bytes[lead]
        let need: Int
        var secondRange: ClosedRange<UInt8> = 0x80...0xBF
        switch b0 {
        case 0xC2...0xDF: need = 2
        case 0xE0: need = 3; secondRange = 0xA0...0xBF
        case 0xED: need = 3; secondRange = 0x80...0x9F  // no surrogates
        case 0xE1...0xEC, 0xEE...0xEF: need = 3
        case 0xF0: need = 4; secondRange = 0x90...0xBF
        case 0xF1...0xF3: need = 4
        case 0xF4: need = 4; secondRange = 0x80...0x8F  // ≤ U+10FFFF
        default: return 0
        }
        let have = n - lead
        guard have < need else { return 0 }
        if have >= 2 && !secondRange.contains(bytes[lead + 1]) { return 0 }
        return have
    }
}
