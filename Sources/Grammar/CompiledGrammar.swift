import Synchronization

/// A compiled grammar: every rule's automaton flattened into global state tables. Immutable and shared across
/// requests; the token-mask tables for each vocabulary it meets are filled lazily under a lock.
///
/// States are global ids; a rule's states are contiguous. A state reads a byte through its rule's byte classes,
/// may call other rules (push; the caller resumes at the call's return state), and may be accepting (its rule can
/// end there: pop).
public final class CompiledGrammar: Sendable {
    /// Per state: where its row starts in `transitions`.
    let rowStart: [Int32]
    /// Per state: where its rule's 256-entry class map starts in `classMaps`.
    let classMapStart: [Int32]
    let classMaps: [UInt8]
    /// Next global state, or -1.
    let transitions: [Int32]
    /// Per state: `accepting`, `readsBytes`, `calls` bits.
    let flags: [UInt8]
    /// Per state: its calls are `callRule[callStart[s]..<callStart[s+1]]` (with `callReturn`).
    let callStart: [Int32]
    let callRule: [Int32]
    let callReturn: [Int32]
    /// Per rule: its start state.
    let ruleStart: [Int32]
    let ruleNames: [String]
    /// Per state: its rule.
    let stateRule: [Int32]
    /// Per rule: the bytes that can follow it wherever it is called (empty for the document rule).
    let follow: [ByteSet]
    private let tables = Mutex<[GrammarMaskTable]>([])

    static let accepting: UInt8 = 1
    static let readsBytes: UInt8 = 2
    static let hasCalls: UInt8 = 4

    /// How many vocabularies' mask tables a grammar keeps (normally one: one model per server).
    static let maxVocabularies = 4

    init(rowStart: [Int32], classMapStart: [Int32], classMaps: [UInt8], transitions: [Int32], flags: [UInt8],
         callStart: [Int32], callRule: [Int32], callReturn: [Int32], ruleStart: [Int32], ruleNames: [String],
         stateRule: [Int32], follow: [ByteSet]) {
        self.rowStart = rowStart
        self.classMapStart = classMapStart
        self.classMaps = classMaps
        self.transitions = transitions
        self.flags = flags
        self.callStart = callStart
        self.callRule = callRule
        self.callReturn = callReturn
        self.ruleStart = ruleStart
        self.ruleNames = ruleNames
        self.stateRule = stateRule
        self.follow = follow
    }

    /// Deterministic states, all rules together.
    public var stateCount: Int { flags.count }
    /// Rules: the document, plus one per recursive `$ref` target and the generic JSON value when used.
    public var ruleCount: Int { ruleStart.count }

    @inline(__always)
    func next(_ state: Int32, _ byte: UInt8) -> Int32 {
        let s = Int(state)
        return transitions[Int(rowStart[s]) + Int(classMaps[Int(classMapStart[s]) + Int(byte)])]
    }

    /// The mask table of this grammar for `vocabulary`, created on first use.
    func maskTable(for vocabulary: TokenVocabularyIndex) -> GrammarMaskTable {
        tables.withLock { list in
            if let hit = list.first(where: { $0.vocabulary === vocabulary }) { return hit }
            let table = GrammarMaskTable(grammar: self, vocabulary: vocabulary)
            if list.count >= CompiledGrammar.maxVocabularies { list.removeFirst() }
            list.append(table)
            return table
        }
    }

    /// How many states' masks have been computed for `vocabulary` so far, and roughly how many bytes they hold.
    public func maskStatistics(for vocabulary: TokenVocabularyIndex) -> (computedStates: Int, bytes: Int) {
        maskTable(for: vocabulary).statistics
    }

    /// Computes every state's mask for `vocabulary` now rather than on first use: a warm-up off the decode path,
    /// costing one mask computation per state (`stateCount` times up to ~1 ms on a 150k-token vocabulary), so
    /// meant for small grammars or a background thread.
    public func prepare(for vocabulary: TokenVocabularyIndex) {
        let table = maskTable(for: vocabulary)
        for s in 0..<stateCount where flags[s] & CompiledGrammar.readsBytes != 0 { _ = table.mask(for: Int32(s), in: self) }
    }
}
