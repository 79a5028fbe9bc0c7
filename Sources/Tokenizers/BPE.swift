/// Byte-level BPE over symbol ids, reproducing llama.cpp's `llm_tokenizer_bpe_session`: a word starts
/// as one symbol per byte, and the adjacent pair with the lowest merge rank (leftmost on ties) is
/// merged until no ranked pair remains.
///
/// Every string a merge can produce gets an id: its vocabulary id, or a synthetic id past the
/// vocabulary for merge results that are not tokens, so pairs are looked up by two integers.
struct BPE: Sendable {
    let vocabularySize: Int32
    /// (left id << 32 | right id) → (rank << 32 | merged id).
    let merges: PairTable
    /// The symbol each raw byte starts as.
    let byteSymbol: [Int32]
    /// UTF-8 of the byte-level text of synthetic symbols (id - vocabularySize).
    let syntheticTexts: [[UInt8]]
    /// The token whose whole text is one ASCII character, or -1; used by llama.cpp's fallback for
    /// symbols that are not tokens.
    let asciiToken: [Int32]

    init(tokens: [String], ids: [String: Int32], merges mergeList: [String]) {
        let n = Int32(tokens.count)
        vocabularySize = n
        var synthetic: [String: Int32] = [:]
        var syntheticTexts: [[UInt8]] = []
        func symbol(_ s: String) -> Int32 {
            if let id = ids[s] { return id }
            if let id = synthetic[s] { return id }
            let id = n + Int32(syntheticTexts.count)
            synthetic[s] = id
            syntheticTexts.append(Array(s.utf8))
            return id
        }

        var byteSymbol = [Int32](repeating: 0, count: 256)
        for b in 0..<256 { byteSymbol[b] = symbol(ByteLevel.encode([UInt8(b)])) }

        var table = PairTable(capacity: mergeList.count)
        for (rank, merge) in mergeList.enumerated() {
            // llama.cpp splits at the first space after the first byte (`word.find(' ', 1)`).
            let u = merge.utf8
            guard let space = u.dropFirst().firstIndex(of: UInt8(ascii: " ")) else { continue }
            let first = String(merge[..<space])
            let second = String(merge[u.index(after: space)...])
            guard !first.isEmpty, !second.isEmpty else { continue }
            let l = symbol(first), r = symbol(second), m = symbol(first + second)
            table.insertIfAbsent(PairTable.key(l, r), UInt64(rank) << 32 | UInt64(UInt32(m)))
        }

        var ascii = [Int32](repeating: -1, count: 128)
        for b in 0..<128 {
            if let id = ids[String(UnicodeScalar(UInt8(b)))] { ascii[b] = id }
        }

        self.merges = table
        self.byteSymbol = byteSymbol
        self.syntheticTexts = syntheticTexts
        self.asciiToken = ascii
    }

    /// Appends the tokens of one pre-tokenized word (raw bytes) to `out`.
    func encode(_ word: UnsafeBufferPointer<UInt8>, into out: inout [Int32], scratch s: inout BPEScratch) {
        let n = word.count
        if n == 0 { return }
        if n == 1 {
            emit(byteSymbol[Int(word[0])], into: &out)
            return
        }
        s.reset(n)
        for i in 0..<n {
            s.ids[i] = byteSymbol[Int(word[i])]
            s.prev[i] = Int32(i - 1)
            s.next[i] = i + 1 < n ? Int32(i + 1) : -1
        }
        for i in 1..<n { addPair(Int32(i - 1), Int32(i), &s) }

        while let e = s.popMin() {
            let l = Int(e.left), r = Int(e.right)
            // Stale: one side was merged since this pair was queued (ids only grow, never repeat).
            guard s.ids[l] == e.leftID, s.ids[r] == e.rightID else { continue }
            s.ids[l] = e.merged
            s.ids[r] = -1
            let after = s.next[r]
            s.next[l] = after
            if after >= 0 { s.prev[Int(after)] = Int32(l) }
            addPair(s.prev[l], Int32(l), &s)
            addPair(Int32(l), after, &s)
        }

        var i: Int32 = 0
        while i >= 0 {
            emit(s.ids[Int(i)], into: &out)
            i = s.next[Int(i)]
        }
    }

    @inline(__always)
    private func addPair(_ left: Int32, _ right: Int32, _ s: inout BPEScratch) {
        guard left >= 0, right >= 0 else { return }
        let lid = s.ids[Int(left)], rid = s.ids[Int(right)]
        guard let v = merges.find(PairTable.key(lid, rid)) else { return }
        s.push(BPEScratch.Entry(rank: Int32(truncatingIfNeeded: v >> 32), left: left, right: right,
                                leftID: lid, rightID: rid, merged: Int32(truncatingIfNeeded: v & 0xFFFF_FFFF)))
    }

    /// A final symbol: its token, or for a merge result that is not a token, llama.cpp's fallback of
    /// one token per byte of its byte-level text that is itself a one-character token.
    @inline(__always)
    private func emit(_ id: Int32, into out: inout [Int32]) {
        if id < vocabularySize {
            out.append(id)
            return
        }
        for b in syntheticTexts[Int(id - vocabularySize)] where b < 0x80 && asciiToken[Int(b)] >= 0 {
            out.append(asciiToken[Int(b)])
        }
    }
}

/// Reusable working memory for `BPE.encode`: the symbol list and a min-heap of candidate merges.
struct BPEScratch {
    struct Entry {
        var rank: Int32
        var left: Int32
        var right: Int32
        var leftID: Int32
        var rightID: Int32
        var merged: Int32

        /// Lowest rank first, then leftmost (llama.cpp `llm_bigram_bpe::comparator`).
        @inline(__always) var order: UInt64 { UInt64(UInt32(bitPattern: rank)) << 32 | UInt64(UInt32(bitPattern: left)) }
    }

    var ids: [Int32] = []
    var prev: [Int32] = []
    var next: [Int32] = []
    var heap: [Entry] = []

    mutating func reset(_ n: Int) {
        if ids.count < n {
            ids = [Int32](repeating: 0, count: n)
            prev = ids
            next = ids
        }
        heap.removeAll(keepingCapacity: true)
    }

    mutating func push(_ e: Entry) {
        heap.append(e)
        var i = heap.count - 1
        let key = e.order
        while i > 0 {
            let parent = (i - 1) >> 1
            if heap[parent].order <= key { break }
            heap[i] = heap[parent]
            i = parent
        }
        heap[i] = e
    }

    mutating func popMin() -> Entry? {
        guard let last = heap.popLast() else { return nil }
        if heap.isEmpty { return last }
        let top = heap[0]
        let count = heap.count
        let key = last.order
        var i = 0
        while true {
            let l = 2 * i + 1
            if l >= count { break }
            let r = l + 1
            let c = r < count && heap[r].order < heap[l].order ? r : l
            if key <= heap[c].order { break }
            heap[i] = heap[c]
            i = c
        }
        heap[i] = last
        return top
    }
}
