/// Working state of one `Tokenizer.encode` call: decoded code points, word boundaries, BPE scratch
/// and the word cache. Kept per call so `Tokenizer` stays immutable and freely shareable.
struct EncodeSession {
    private var scalars: [UInt32] = []
    private var classes: [UInt8] = []
    /// Byte offset of each code point, plus the end.
    private var offsets: [Int32] = []
    private var ends: [Int32] = []
    private var scratch = BPEScratch()
    private var cache = WordCache()

    /// Appends the tokens of a text fragment (no special tokens in it) to `out`.
    mutating func encode(_ text: UnsafeBufferPointer<UInt8>, with tokenizer: Tokenizer, into out: inout [Int32]) {
        decode(text)
        ends.removeAll(keepingCapacity: true)
        scalars.withUnsafeBufferPointer { cps in
            classes.withUnsafeBufferPointer { cls in
                tokenizer.preTokenizer.split(cps, cls, into: &ends)
            }
        }
        var start = 0
        for e in ends {
            let lo = Int(offsets[start]), hi = Int(offsets[Int(e)])
            start = Int(e)
            let word = UnsafeBufferPointer(rebasing: text[lo..<hi])
            let hash = WordCache.hash(word)
            if cache.lookup(word, hash: hash, into: &out) { continue }
            let first = out.count
            if tokenizer.preTokenizer.ignoresMerges, let id = tokenizer.wholeWordToken(word) {
                out.append(id)
            } else {
                tokenizer.bpe.encode(word, into: &out, scratch: &scratch)
            }
            cache.insert(word, hash: hash, tokens: out[first...])
        }
    }

    /// Fills `scalars`, `classes` and `offsets` from valid UTF-8 (it comes from a Swift String).
    private mutating func decode(_ text: UnsafeBufferPointer<UInt8>) {
        scalars.removeAll(keepingCapacity: true)
        classes.removeAll(keepingCapacity: true)
        offsets.removeAll(keepingCapacity: true)
        let n = text.count
        var i = 0
        while i < n {
            let b0 = UInt32(text[i])
            var cp: UInt32
            var len: Int
            if b0 < 0x80 {
                cp = b0
                len = 1
            } else if b0 < 0xE0 {
                cp = b0 & 0x1F
                len = 2
            } else if b0 < 0xF0 {
                cp = b0 & 0x0F
                len = 3
            } else {
                cp = b0 & 0x07
                len = 4
            }
            len = min(len, n - i)
            for k in 1..<max(len, 1) { cp = cp << 6 | (UInt32(text[i + k]) & 0x3F) }
            scalars.append(cp)
            classes.append(CharacterClass.of(cp))
            offsets.append(Int32(i))
            i += len
        }
        offsets.append(Int32(n))
    }
}
