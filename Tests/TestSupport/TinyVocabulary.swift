/// TinyModel's byte-level BPE vocabulary, GPT-2 style: ids 0...255 are the single bytes (in GPT-2's byte-to-unicode
/// form), then one token per merge, then ChatML's control tokens. The merges make a few common English pieces and
/// the ChatML role names single tokens ("user", "assistant", "system"), as they are in SmolLM2's vocabulary.
public enum TinyVocabulary {
    /// Merges in rank order, as raw text pairs; each result is a token. Order matters: "s t" ranks before "i s" so
    /// "assistant" ends as one token (the tests in TinyModelTests check each role name encodes to one token).
    static let mergePairs: [(String, String)] = [
        (" ", "t"), ("h", "e"), (" t", "he"), ("s", "t"), ("e", "r"), ("i", "n"), ("o", "n"), ("a", "n"),
        ("r", "e"), ("a", "t"), ("e", "n"), ("o", "r"), ("i", "s"), (" ", "a"), (" ", "s"), (" ", "w"),
        (" ", "c"), (" ", "o"), ("i", "t"), ("e", "s"), ("in", "g"), (" ", "b"), (" ", "f"), (" ", "m"),
        (" ", "p"), ("e", "d"), (" ", "i"), ("o", "u"), (" ", "an"), (" an", "d"), (" o", "f"), (" ", " "),
        ("\n", "\n"), ("e", "m"), ("s", "y"), ("sy", "st"), ("syst", "em"), ("u", "s"), ("us", "er"),
        ("a", "s"), ("as", "s"), ("i", "st"), ("an", "t"), ("ass", "ist"), ("assist", "ant"),
    ]

    /// The control tokens after the merges: end of text, and ChatML's turn markers.
    public static let endOfText = "<|endoftext|>"
    public static let imStart = "<|im_start|>"
    public static let imEnd = "<|im_end|>"
    static let controlTokens = [endOfText, imStart, imEnd]

    /// Token texts in id order (byte-level form for the normal ones).
    public static let tokens: [String] =
        (0..<256).map { byteLevel([UInt8($0)]) } + mergePairs.map { byteLevel($0.0 + $0.1) } + controlTokens

    /// GGUF token types: normal (1) for bytes and merges, control (3) for the markers.
    public static let tokenTypes: [Int32] = tokens.indices.map { $0 < 256 + mergePairs.count ? 1 : 3 }

    /// `tokenizer.ggml.merges`: "left right" in byte-level form.
    public static let merges: [String] = mergePairs.map { byteLevel($0.0) + " " + byteLevel($0.1) }

    /// What a token is, for TinyModel's text-like weights.
    public enum TokenClass: Sendable {
        /// Printable ASCII, tab and newline bytes, and every merge.
        case text
        /// Bytes 0x80...0xFF: pieces of multibyte characters.
        case highByte
        /// The other ASCII control bytes.
        case controlByte
        /// The control tokens.
        case special
    }

    public static func tokenClass(_ id: Int) -> TokenClass {
        switch id {
        case 0x09, 0x0A, 0x20...0x7E, 256..<(256 + mergePairs.count): .text
        case 0x80...0xFF: .highByte
        case 0..<256: .controlByte
        default: .special
        }
    }

    public static var endOfTextID: Int32 { Int32(256 + mergePairs.count) }
    public static var imStartID: Int32 { endOfTextID + 1 }
    public static var imEndID: Int32 { endOfTextID + 2 }

    /// ChatML, as SmolLM2's template without its default system prompt.
    public static let chatTemplate = """
        {% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}
        """

    /// GPT-2's byte-to-unicode map (openai/gpt-2 encoder.py `bytes_to_unicode`): printable Latin-1 bytes stand for
    /// themselves, the others for U+0100 onwards in byte order. Written here rather than taken from the
    /// Tokenizers target, so the vocabulary does not depend on the code it tests.
    static let byteToScalar: [Unicode.Scalar] = {
        var printable = Set(0x21...0x7E)
        printable.formUnion(0xA1...0xAC)
        printable.formUnion(0xAE...0xFF)
        var next: UInt32 = 256
        return (0..<256).map { b in
            if printable.contains(b) { return Unicode.Scalar(UInt8(b)) }
            defer { next += 1 }
            // 256 + at most 68 stays far below the surrogates, so every value is a scalar.
            return Unicode.Scalar(next) ?? "?"
        }
    }()

    static func byteLevel(_ raw: [UInt8]) -> String {
        var s = String.UnicodeScalarView()
        for b in raw { s.append(byteToScalar[Int(b)]) }
        return String(s)
    }

    static func byteLevel(_ raw: String) -> String { byteLevel(Array(raw.utf8)) }
}
