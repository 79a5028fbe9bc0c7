import Grammar

/// Where a request is with its lazy grammar (`LazyGrammar`): watching its output for the trigger, or held to the
/// grammar until it completes. Owned by the engine thread, as part of the request's `Engine.Active`.
struct LazyGrammarState {
    enum Phase {
        /// Free output; `tail` keeps the last bytes, so a trigger split across tokens is seen.
        case watching(tail: [UInt8])
        case constrained(GrammarMatcher)
    }

    let lazy: LazyGrammar
    let vocabulary: TokenVocabularyIndex
    private(set) var phase: Phase = .watching(tail: [])

    init(lazy: LazyGrammar, vocabulary: TokenVocabularyIndex) {
        self.lazy = lazy
        self.vocabulary = vocabulary
    }

    /// The matcher that constrains the next token, when a call is under way.
    var matcher: GrammarMatcher? {
        if case .constrained(let m) = phase { return m }
        return nil
    }

    /// Takes a sampled token and its bytes. Returns false when the grammar refused it (the mask should have made
    /// that impossible: no token could continue).
    mutating func accept(token: Int32, bytes: [UInt8], inReasoning: Bool) -> Bool {
        switch phase {
        case .constrained(var m):
            guard m.accept(token: token) else { return false }
            // The grammar ends with the call's closing marker: once complete, output is free again.
            phase = m.isComplete ? .watching(tail: []) : .constrained(m)
        case .watching(let tail):
            let seen = tail + bytes
            guard !inReasoning, let at = ByteSearch.firstIndex(of: lazy.trigger, in: seen) else {
                phase = .watching(tail: Array(seen.suffix(lazy.trigger.count - 1)))
                return true
            }
            // The trigger ends in this token; what follows it in the same token is the grammar's first text. If the
            // model has already left the grammar there, the call stays free (and may fail to parse, as in auto).
            var m = GrammarMatcher(grammar: lazy.grammar.compiled, vocabulary: vocabulary)
            let rest = seen[(at + lazy.trigger.count)...]
            if m.accept(bytes: rest) {
                phase = m.isComplete ? .watching(tail: []) : .constrained(m)
            } else {
                phase = .watching(tail: [])
            }
        }
        return true
    }
}
