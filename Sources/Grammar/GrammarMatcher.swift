/// One request's position in a grammar: feed it the tokens generated so far, ask it which tokens may come next.
/// A value type: `let saved = matcher` is a snapshot and `matcher = saved` a rollback; after preemption the engine
/// can also `reset()` and replay the tokens.
///
/// End-of-generation tokens are allowed exactly when the document is complete. Once it is complete and nothing can
/// extend it (an object, array, string or literal at the top) they are the only tokens allowed; a top-level number
/// may still take more digits.
public struct GrammarMatcher: Sendable {
    public let grammar: CompiledGrammar
    public let vocabulary: TokenVocabularyIndex
    private let table: GrammarMaskTable
    private var parse: ParseState
    /// An end-of-generation token has been accepted: nothing more is.
    public private(set) var isTerminated = false

    public init(grammar: CompiledGrammar, vocabulary: TokenVocabularyIndex = .empty) {
        self.grammar = grammar
        self.vocabulary = vocabulary
        self.table = grammar.maskTable(for: vocabulary)
        self.parse = ParseState(grammar: grammar)
    }

    /// The bytes so far form a whole document: end-of-generation is allowed.
    public var isComplete: Bool { parse.isComplete && !isTerminated }

    public mutating func reset() {
        parse = ParseState(grammar: grammar)
        isTerminated = false
    }

    /// Reads one byte; false (and no change) when the grammar does not allow it here.
    public mutating func accept(byte: UInt8) -> Bool {
        if isTerminated { return false }
        return parse.accept(byte)
    }

    /// Reads all of `bytes`, or (returning false) none.
    public mutating func accept(bytes: some Sequence<UInt8>) -> Bool {
        if isTerminated { return false }
        return parse.accept(bytes: bytes)
    }

    /// Accepts a generated token: its bytes, or an end-of-generation token when the document is complete. False
    /// (and no change) otherwise, including for control tokens and ids outside the vocabulary.
    public mutating func accept(token: Int32) -> Bool {
        if isTerminated { return false }
        if vocabulary.isEndOfGeneration(token) {
            guard parse.isComplete else { return false }
            isTerminated = true
            return true
        }
        guard vocabulary.isDocumentToken(token) else { return false }
        return parse.accept(bytes: vocabulary.tokenBytes(token))
    }

    /// Sets bit `id` of `words` (word `id / 64`, bit `id % 64`) for every token allowed next and clears the rest.
    /// `words` is resized to `vocabulary.wordCount` if needed.
    public func fillMask(into words: inout [UInt64]) {
        if words.count != vocabulary.wordCount { words = [UInt64](repeating: 0, count: vocabulary.wordCount) }
        words.withUnsafeMutableBufferPointer { w in
            w.update(repeating: 0)
            if isTerminated { return }
            if parse.isComplete {
                for id in vocabulary.endOfGeneration { w[Int(id) >> 6] |= 1 << UInt64(id & 63) }
            }
            for stack in parse.stacks {
                let mask = table.mask(for: stack[stack.count - 1], in: grammar)
                mask.apply(to: w, vocabulary: vocabulary)
                if !mask.uncertain.isEmpty { checkUncertain(mask.uncertain, from: stack, into: w) }
            }
        }
    }

    /// The tokens allowed next, in id order (a convenience over `fillMask`).
    public func allowedTokens() -> [Int32] {
        var words: [UInt64] = []
        fillMask(into: &words)
        var out: [Int32] = []
        for (i, word) in words.enumerated() {
            var w = word
            while w != 0 {
                out.append(Int32(i * 64 + w.trailingZeroBitCount))
                w &= w - 1
            }
        }
        return out
    }

    /// Runs each uncertain token from `stack` itself, reusing the parse of the prefix it shares with the previous
    /// token (they come in trie order).
    private func checkUncertain(_ ids: [Int32], from stack: [Int32], into w: UnsafeMutableBufferPointer<UInt64>) {
        var single = parse
        single.restrict(to: stack)
        // levels[k]: the parse after k bytes of the current prefix, nil once it failed.
        var levels: [ParseState?] = [single]
        var previous: ArraySlice<UInt8> = []
        for id in ids {
            if w[Int(id) >> 6] & (1 << UInt64(id & 63)) != 0 { continue }
            let bytes = vocabulary.tokenBytes(id)
            var common = 0
            let limit = min(previous.count, bytes.count, levels.count - 1)
            while common < limit, bytes[bytes.startIndex + common] == previous[previous.startIndex + common] { common += 1 }
            levels.removeLast(levels.count - common - 1)
            previous = bytes
            var ok = true
            for k in common..<bytes.count {
                guard var state = levels[k] else {
                    ok = false
                    break
                }
                if state.accept(bytes[bytes.startIndex + k]) {
                    levels.append(state)
                } else {
                    levels.append(nil)
                    ok = false
                    break
                }
            }
            if ok, levels.count == bytes.count + 1, levels[bytes.count] != nil {
                w[Int(id) >> 6] |= 1 << UInt64(id & 63)
            }
        }
    }
}

extension ParseState {
    /// This parse narrowed to one of its stacks.
    mutating func restrict(to stack: [Int32]) {
        self = ParseState(grammar: grammar, stacks: [stack], complete: false)
    }
}
