import Synchronization

/// What one grammar state allows, for one vocabulary, whatever the stack below it: the tokens it accepts outright
/// (stored as whichever of a list, a complement list or a bitmap is smallest), and the tokens that leave the
/// state's rule part-way and so depend on the stack (checked per step).
final class StateMask: Sendable {
    enum Accepted {
        case list([Int32])
        /// Every document token except these.
        case complement([Int32])
        case bitmap([UInt64])
    }

    let accepted: Accepted
    /// In trie order, so neighbours share prefixes.
    let uncertain: [Int32]

    init(accepted: Accepted, uncertain: [Int32]) {
        self.accepted = accepted
        self.uncertain = uncertain
    }

    /// Memory held, roughly.
    var byteCount: Int {
        switch accepted {
        case .list(let ids), .complement(let ids): return 64 + ids.count * 4 + uncertain.count * 4
        case .bitmap(let bits): return 64 + bits.count * 8 + uncertain.count * 4
        }
    }

    /// ORs the accepted tokens into `words`.
    func apply(to words: UnsafeMutableBufferPointer<UInt64>, vocabulary: TokenVocabularyIndex) {
        switch accepted {
        case .list(let ids):
            for id in ids { words[Int(id) >> 6] |= 1 << UInt64(id & 63) }
        case .bitmap(let bits):
            bits.withUnsafeBufferPointer { b in
                for i in 0..<min(b.count, words.count) { words[i] |= b[i] }
            }
        case .complement(let ids):
            vocabulary.documentTokens.withUnsafeBufferPointer { all in
                var next = 0
                for i in 0..<min(all.count, words.count) {
                    var w = all[i]
                    while next < ids.count, Int(ids[next]) >> 6 == i {
                        w &= ~(1 << UInt64(ids[next] & 63))
                        next += 1
                    }
                    words[i] |= w
                }
            }
        }
    }
}

/// A grammar's state masks for one vocabulary, computed on first use and kept (thread-safe: computed outside the
/// lock, so two threads may both compute one, and the first stored wins).
final class GrammarMaskTable: Sendable {
    let vocabulary: TokenVocabularyIndex
    private let entries: Mutex<[StateMask?]>

    init(grammar: CompiledGrammar, vocabulary: TokenVocabularyIndex) {
        self.vocabulary = vocabulary
        self.entries = Mutex([StateMask?](repeating: nil, count: grammar.stateCount))
    }

    func mask(for state: Int32, in grammar: CompiledGrammar) -> StateMask {
        if let hit = entries.withLock({ $0[Int(state)] }) { return hit }
        let computed = MaskWalker(grammar: grammar, vocabulary: vocabulary).mask(for: state)
        return entries.withLock { list in
            if let raced = list[Int(state)] { return raced }
            list[Int(state)] = computed
            return computed
        }
    }

    /// States whose mask has been computed, and the memory their masks hold.
    var statistics: (computedStates: Int, bytes: Int) {
        entries.withLock { list in
            list.reduce((0, 0)) { acc, mask in mask.map { (acc.0 + 1, acc.1 + $0.byteCount) } ?? acc }
        }
    }
}
