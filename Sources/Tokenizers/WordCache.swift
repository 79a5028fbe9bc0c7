/// A bounded map from a word's bytes to its BPE tokens, kept for one `encode` call: natural text
/// repeats a small set of words, so most words skip BPE. Keys and values live in two flat arenas,
/// so a lookup allocates nothing.
struct WordCache {
    /// Words longer than this are rare repeats and are not cached.
    static let maxWordBytes = 64
    /// When either limit is reached the cache starts over.
    static let maxEntries = 1 << 15
    static let maxArenaBytes = 1 << 21

    private struct Entry {
        var hash: UInt64
        var keyStart: Int32
        var keyCount: Int32
        var valueStart: Int32
        var valueCount: Int32
    }

    /// Open-addressing index into `entries`; grows with them, so short texts stay cheap.
    private var slots = [Int32](repeating: -1, count: 256)
    private var entries: [Entry] = []
    private var keyArena: [UInt8] = []
    private var valueArena: [Int32] = []

    /// FNV-1a: cheap and good enough for short byte strings.
    @inline(__always)
    static func hash(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    @inline(__always)
    private func slot(_ hash: UInt64) -> Int { Int(truncatingIfNeeded: hash >> 17) & (slots.count - 1) }

    /// Appends the cached tokens of `word` to `out` and returns true, or returns false on a miss.
    func lookup(_ word: UnsafeBufferPointer<UInt8>, hash: UInt64, into out: inout [Int32]) -> Bool {
        var i = slot(hash)
        while true {
            let e = slots[i]
            if e < 0 { return false }
            let entry = entries[Int(e)]
            if entry.hash == hash && Int(entry.keyCount) == word.count {
                let same = keyArena.withUnsafeBufferPointer { arena in
                    let start = Int(entry.keyStart)
                    for j in 0..<word.count where arena[start + j] != word[j] { return false }
                    return true
                }
                if same {
                    let s = Int(entry.valueStart)
                    out.append(contentsOf: valueArena[s..<(s + Int(entry.valueCount))])
                    return true
                }
            }
            i = (i + 1) & (slots.count - 1)
        }
    }

    /// Records `tokens` as the result for `word`.
    mutating func insert(_ word: UnsafeBufferPointer<UInt8>, hash: UInt64, tokens: ArraySlice<Int32>) {
        guard word.count <= Self.maxWordBytes else { return }
        if entries.count >= Self.maxEntries || keyArena.count + valueArena.count * 4 >= Self.maxArenaBytes {
            for i in slots.indices { slots[i] = -1 }
            entries.removeAll(keepingCapacity: true)
            keyArena.removeAll(keepingCapacity: true)
            valueArena.removeAll(keepingCapacity: true)
        } else if entries.count * 2 >= slots.count {
            slots = [Int32](repeating: -1, count: slots.count * 2)
            for (k, e) in entries.enumerated() {
                var i = slot(e.hash)
                while slots[i] >= 0 { i = (i + 1) & (slots.count - 1) }
                slots[i] = Int32(k)
            }
        }
        var i = slot(hash)
        while slots[i] >= 0 { i = (i + 1) & (slots.count - 1) }
        slots[i] = Int32(entries.count)
        entries.append(Entry(hash: hash, keyStart: Int32(keyArena.count), keyCount: Int32(word.count),
                             valueStart: Int32(valueArena.count), valueCount: Int32(tokens.count)))
        keyArena.append(contentsOf: word)
        valueArena.append(contentsOf: tokens)
    }
}
