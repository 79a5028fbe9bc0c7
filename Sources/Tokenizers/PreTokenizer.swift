/// The regex-based word splitter that runs before BPE, one per llama.cpp `tokenizer.ggml.pre` family.
// Each case is a hand-written scanner for the regexes llama.cpp's `llm_tokenizer_bpe` uses
// (llama-vocab.cpp), ported from its custom scanners in unicode.cpp (`unicode_regex_split_custom_*`);
// SmolLM's leading `\p{N}` pass is a std::regex split there, which only isolates each number.
public enum PreTokenizer: String, Sendable, CaseIterable {
    /// GPT-2: `'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)`.
    case gpt2
    /// SmolLM / StarCoder: every `\p{N}` is split off alone, then the GPT-2 pattern.
    case smollm
    /// Qwen2: `(?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+`.
    case qwen2
    /// Llama 3: the Qwen2 pattern with `\p{N}{1,3}`.
    case llama3

    /// The `tokenizer.ggml.pre` values accepted, with the pre-tokenizer each selects (llama-vocab.cpp).
    static let byName: [String: PreTokenizer] = [
        "gpt-2": .gpt2, "gpt2": .gpt2,
        "smollm": .smollm,
        "qwen2": .qwen2, "deepseek-r1-qwen": .qwen2,
        "llama-bpe": .llama3, "llama3": .llama3, "llama-v3": .llama3,
    ]

    /// Names accepted for `tokenizer.ggml.pre`, sorted.
    public static var supportedNames: [String] { byName.keys.sorted() }

    /// The pre-tokenizer llama.cpp selects for a `tokenizer.ggml.pre` value, or nil if unsupported.
    public init?(ggufName: String) {
        guard let p = Self.byName[ggufName] else { return nil }
        self = p
    }

    /// Whether llama.cpp's detokenizer applies its `clean_spaces` pass for this pre-tokenizer.
    var cleansSpaces: Bool { self == .gpt2 || self == .llama3 }
    /// Whether a word that is already a vocabulary entry skips BPE (llama.cpp `ignore_merges`).
    var ignoresMerges: Bool { self == .llama3 }
    /// The `add_bos` default when `tokenizer.ggml.add_bos_token` is absent.
    var addsBOSByDefault: Bool { self == .llama3 }

    /// Splits `text` into the words BPE sees (no special-token handling).
    public func split(_ text: String) -> [String] {
        let scalars = text.unicodeScalars.map(\.value)
        let classes = scalars.map(CharacterClass.of)
        var ends: [Int32] = []
        scalars.withUnsafeBufferPointer { cps in
            classes.withUnsafeBufferPointer { cls in
                split(cps, cls, into: &ends)
            }
        }
        var words: [String] = []
        var start = 0
        for e in ends {
            var view = String.UnicodeScalarView()
            for v in scalars[start..<Int(e)] { if let u = Unicode.Scalar(v) { view.append(u) } }
            words.append(String(view))
            start = Int(e)
        }
        return words
    }

    /// Appends the end index (exclusive, in code points) of each word of `cps` to `ends`.
    func split(_ cps: UnsafeBufferPointer<UInt32>, _ cls: UnsafeBufferPointer<UInt8>, into ends: inout [Int32]) {
        var s = Scanner(cps: cps, cls: cls, start: 0, end: cps.count)
        switch self {
        case .gpt2:
            s.gpt2(into: &ends)
        case .smollm:
            // First regex `\p{N}`: each number code point is its own chunk, text between is a chunk too;
            // the GPT-2 regex then runs inside each chunk independently.
            var runStart = 0
            for i in 0..<cps.count where cls[i] & CharacterClass.number != 0 {
                if runStart < i {
                    s = Scanner(cps: cps, cls: cls, start: runStart, end: i)
                    s.gpt2(into: &ends)
                }
                ends.append(Int32(i + 1))
                runStart = i + 1
            }
            if runStart < cps.count {
                s = Scanner(cps: cps, cls: cls, start: runStart, end: cps.count)
                s.gpt2(into: &ends)
            }
        case .qwen2:
            s.llama3(digitGroup: 1, into: &ends)
        case .llama3:
            s.llama3(digitGroup: 3, into: &ends)
        }
    }
}

/// One chunk of code points being scanned; positions outside `start..<end` read as out of range,
/// which is how llama.cpp's scanners see chunk edges (lookahead stops there).
private struct Scanner {
    let cps: UnsafeBufferPointer<UInt32>
    let cls: UnsafeBufferPointer<UInt8>
    let start: Int
    let end: Int

    static let outOfRange: UInt32 = 0xFFFF_FFFF
    static let lnw = CharacterClass.letter | CharacterClass.number | CharacterClass.whitespace

    @inline(__always) func at(_ p: Int) -> UInt32 { p < end ? cps[p] : Self.outOfRange }
    @inline(__always) func flags(_ p: Int) -> UInt8 { p < end ? cls[p] : 0 }
    @inline(__always) static func isLetter(_ f: UInt8) -> Bool { f & CharacterClass.letter != 0 }
    @inline(__always) static func isNumber(_ f: UInt8) -> Bool { f & CharacterClass.number != 0 }
    @inline(__always) static func isSpace(_ f: UInt8) -> Bool { f & CharacterClass.whitespace != 0 }
    /// `[^\s\p{L}\p{N}]` for an in-range code point.
    @inline(__always) static func isOther(_ f: UInt8) -> Bool { f & lnw == 0 && f != 0 }

    static let apostrophe = UInt32(UInt8(ascii: "'"))
    static let space = UInt32(UInt8(ascii: " "))
    static let cr = UInt32(UInt8(ascii: "\r"))
    static let lf = UInt32(UInt8(ascii: "\n"))

    /// Length of a contraction (`'s 't 'm 'd` → 2, `'re 've 'll` → 3) starting at `pos`, or 0.
    /// `foldCase` gives Llama 3 / Qwen2's `[sS]` forms; only ASCII letters fold to these, so ASCII folding suffices.
    @inline(__always)
    func contraction(at pos: Int, foldCase: Bool) -> Int {
        guard cps[pos] == Self.apostrophe, pos + 1 < end else { return 0 }
        func lower(_ c: UInt32) -> UInt32 { foldCase && c >= 0x41 && c <= 0x5A ? c + 0x20 : c }
        let c1 = lower(cps[pos + 1])
        switch c1 {
        case UInt32(UInt8(ascii: "s")), UInt32(UInt8(ascii: "t")), UInt32(UInt8(ascii: "m")), UInt32(UInt8(ascii: "d")):
            return 2
        default:
            break
        }
        guard pos + 2 < end else { return 0 }
        let c2 = lower(cps[pos + 2])
        let e = UInt32(UInt8(ascii: "e")), l = UInt32(UInt8(ascii: "l"))
        if (c1 == UInt32(UInt8(ascii: "r")) && c2 == e) || (c1 == UInt32(UInt8(ascii: "v")) && c2 == e) || (c1 == l && c2 == l) {
            return 3
        }
        return 0
    }

    /// Port of llama.cpp `unicode_regex_split_custom_gpt2`.
    func gpt2(into ends: inout [Int32]) {
        var pos = start
        while pos < end {
            let cpt = cps[pos]
            let f = cls[pos]
            let n = contraction(at: pos, foldCase: false)
            if n > 0 {
                pos += n
                ends.append(Int32(pos))
                continue
            }
            let leadingSpace = cpt == Self.space ? 1 : 0
            let f2 = leadingSpace == 1 ? flags(pos + 1) : f
            if Self.isLetter(f2) {
                pos += leadingSpace
                while Self.isLetter(flags(pos)) { pos += 1 }
                ends.append(Int32(pos))
                continue
            }
            if Self.isNumber(f2) {
                pos += leadingSpace
                while Self.isNumber(flags(pos)) { pos += 1 }
                ends.append(Int32(pos))
                continue
            }
            if Self.isOther(f2) {
                pos += leadingSpace
                while Self.isOther(flags(pos)) { pos += 1 }
                ends.append(Int32(pos))
                continue
            }
            var spaces = 0
            while Self.isSpace(flags(pos + spaces)) { spaces += 1 }
            if spaces > 1 && at(pos + spaces) != Self.outOfRange {
                // \s+(?!\S): leave the last space to prefix the next word
                pos += spaces - 1
            } else if spaces > 0 {
                pos += spaces
            } else {
                pos += 1
            }
            ends.append(Int32(pos))
        }
    }

    /// Port of llama.cpp `unicode_regex_split_custom_llama3` (`digitGroup` 3) and
    /// `unicode_regex_split_custom_qwen2` (`digitGroup` 1), which differ only in `\p{N}{1,3}` vs `\p{N}`.
    func llama3(digitGroup: Int, into ends: inout [Int32]) {
        var pos = start
        while pos < end {
            let cpt = cps[pos]
            let f = cls[pos]
            let n = contraction(at: pos, foldCase: true)
            if n > 0 {
                pos += n
                ends.append(Int32(pos))
                continue
            }
            // [^\r\n\p{L}\p{N}]?\p{L}+
            if !(cpt == Self.cr || cpt == Self.lf || Self.isNumber(f)) {
                if Self.isLetter(f) || Self.isLetter(flags(pos + 1)) {
                    pos += 1
                    while Self.isLetter(flags(pos)) { pos += 1 }
                    ends.append(Int32(pos))
                    continue
                }
            }
            // \p{N}{1,digitGroup}
            if Self.isNumber(f) {
                var groupStart = pos
                while Self.isNumber(flags(pos)) {
                    pos += 1
                    if pos - groupStart >= digitGroup {
                        ends.append(Int32(pos))
                        groupStart = pos
                    }
                }
                if pos > groupStart { ends.append(Int32(pos)) }
                continue
            }
            // " ?[^\s\p{L}\p{N}]+[\r\n]*"; llama.cpp tests the unshifted flags for "in range" here, so a
            // lone trailing space is taken by this branch, which yields the same single-space word as \s+.
            let leadingSpace = cpt == Self.space ? 1 : 0
            var f2 = leadingSpace == 1 ? flags(pos + 1) : f
            if f2 & Self.lnw == 0 && f != 0 {
                pos += leadingSpace
                while Self.isOther(f2) {
                    pos += 1
                    f2 = flags(pos)
                }
                while at(pos) == Self.cr || at(pos) == Self.lf { pos += 1 }
                ends.append(Int32(pos))
                continue
            }
            var spaces = 0
            var afterLastNewline = 0
            while Self.isSpace(flags(pos + spaces)) {
                let c = at(pos + spaces)
                if c == Self.cr || c == Self.lf { afterLastNewline = pos + spaces + 1 }
                spaces += 1
            }
            if afterLastNewline > 0 {
                pos = afterLastNewline  // \s*[\r\n]+
            } else if spaces > 1 && at(pos + spaces) != Self.outOfRange {
                pos += spaces - 1  // \s+(?!\S)
            } else if spaces > 0 {
                pos += spaces  // \s+
            } else {
                pos += 1
            }
            ends.append(Int32(pos))
        }
    }
}
