/// Computes a state's StateMask by walking the vocabulary trie from it, with the state as the bottom of a stack of
/// its own: calls push above it and pop back into it, but the walk cannot see below it. A token is accepted when
/// some path reads all its bytes; a path that ends the state's rule with bytes left (and the next byte can follow
/// the rule somewhere in the grammar) makes the token uncertain, unless it is accepted anyway. A rule ending before
/// any byte is read needs no such care: the parse state already holds the popped stack as a stack of its own.
struct MaskWalker {
    let grammar: CompiledGrammar
    let vocabulary: TokenVocabularyIndex

    /// A walk level's stacks: one state (the base alone, the common case), several stacks, or none.
    private static let none: Int32 = -1
    private static let several: Int32 = -2

    func mask(for state: Int32) -> StateMask {
        let g = grammar
        let v = vocabulary
        // In a string body where every plain character leads to one next state, and so on for k characters (a
        // loop: any k), the plain tokens of up to k characters are accepted as they stand and the longer ones
        // rejected; only the other tokens need the walk.
        let plainLimit = plainChain(from: state)
        let trie = plainLimit == nil ? v.trie : v.nonPlainTrie
        let levels = trie.maxDepth + 1
        var simple = [Int32](repeating: MaskWalker.none, count: levels)
        var stacks = [[[Int32]]](repeating: [], count: levels)
        var canPop = [Bool](repeating: false, count: levels)
        var flagged = [Bool](repeating: false, count: levels)
        let follow = g.follow[Int(g.stateRule[Int(state)])]
        simple[0] = state
        var accepted: [UInt64]
        var acceptedCount = 0
        if let limit = plainLimit, limit >= v.plainByLength.count - 1 {
            accepted = v.plainTokens
            acceptedCount = v.plainTokenCount
        } else {
            accepted = [UInt64](repeating: 0, count: v.wordCount)
            for n in 0..<min((plainLimit ?? -1) + 1, v.plainByLength.count) {
                for id in v.plainByLength[n] { accepted[Int(id) >> 6] |= 1 << UInt64(id & 63) }
                acceptedCount += v.plainByLength[n].count
            }
        }
        var uncertain: [Int32] = []

        let nodeCount = trie.nodeByte.count
        // One pass over the trie in preorder; level d holds the walk after the d bytes of the current path.
        simple.withUnsafeMutableBufferPointer { simple in
        canPop.withUnsafeMutableBufferPointer { canPop in
        flagged.withUnsafeMutableBufferPointer { flagged in
        accepted.withUnsafeMutableBufferPointer { accepted in
        trie.nodeByte.withUnsafeBufferPointer { nodeByte in
        trie.nodeDepth.withUnsafeBufferPointer { nodeDepth in
        trie.nodeEnd.withUnsafeBufferPointer { nodeEnd in
        trie.tokenStart.withUnsafeBufferPointer { tokenStart in
        trie.tokens.withUnsafeBufferPointer { tokens in
        g.transitions.withUnsafeBufferPointer { transitions in
        g.rowStart.withUnsafeBufferPointer { rowStart in
        g.classMaps.withUnsafeBufferPointer { classMaps in
        g.classMapStart.withUnsafeBufferPointer { classMapStart in
        g.flags.withUnsafeBufferPointer { flags in
            var i = 0
            while i < nodeCount {
                let d = Int(nodeDepth[i])
                let p = d - 1
                let b = nodeByte[i]
                let flag = flagged[p] || (canPop[p] && follow.contains(b))
                var stepped = false
                let from = simple[p]
                if from >= 0 {
                    let s = Int(from)
                    let t = transitions[Int(rowStart[s]) + Int(classMaps[Int(classMapStart[s]) + Int(b)])]
                    if t >= 0 {
                        stepped = true
                        let f = flags[Int(t)]
                        if f & CompiledGrammar.hasCalls == 0 {
                            simple[d] = f & CompiledGrammar.readsBytes != 0 ? t : MaskWalker.none
                            canPop[d] = f & CompiledGrammar.accepting != 0
                        } else {
                            var set: [[Int32]] = []
                            var pop = false
                            expandAbove([t], into: &set, pop: &pop)
                            store(set, pop, level: d, simple, &stacks, canPop)
                        }
                    }
                } else if from == MaskWalker.several {
                    var set: [[Int32]] = []
                    var pop = false
                    for stack in stacks[p] {
                        let t = g.next(stack[stack.count - 1], b)
                        if t < 0 { continue }
                        stepped = true
                        var moved = stack
                        moved[moved.count - 1] = t
                        expandAbove(moved, into: &set, pop: &pop)
                    }
                    if stepped { store(set, pop, level: d, simple, &stacks, canPop) }
                }
                if !stepped {
                    if flag {
                        for k in Int(tokenStart[i])..<Int(tokenStart[Int(nodeEnd[i])]) { uncertain.append(tokens[k]) }
                    }
                    i = Int(nodeEnd[i])
                    continue
                }
                for k in Int(tokenStart[i])..<Int(tokenStart[i + 1]) {
                    let id = tokens[k]
                    accepted[Int(id) >> 6] |= 1 << UInt64(id & 63)
                    acceptedCount += 1
                }
                flagged[d] = flag
                if simple[d] == MaskWalker.none && !canPop[d] && !flag {
                    i = Int(nodeEnd[i])
                } else {
                    i += 1
                }
            }
        }}}}}}}}}}}}}}
        return StateMask(accepted: MaskWalker.storage(accepted, count: acceptedCount, vocabulary: v), uncertain: uncertain)
    }

    /// How many plain characters in a row `state` reads, every one of them (all its byte sequences) leading to
    /// one same next state (Int.max for a loop); nil when plain characters do not behave alike, or when a path
    /// through them could call a rule or end the state's rule (the walk must then see every token).
    private func plainChain(from state: Int32) -> Int? {
        let g = grammar
        let longest = vocabulary.plainByLength.count - 1
        if g.flags[Int(state)] & CompiledGrammar.hasCalls != 0 { return nil }
        var at = state
        for k in 0...max(longest, 0) {
            var next: Int32?
            var dead = false
            for sequence in Lexical.plainSequences {
                var reached: [Int32] = [at]
                for range in sequence {
                    var step: [Int32] = []
                    for s in reached {
                        for b in range {
                            let t = g.next(s, b)
                            if t < 0 {
                                dead = true
                            } else if !step.contains(t) {
                                step.append(t)
                            }
                        }
                    }
                    reached = step
                }
                if dead { break }
                guard reached.count == 1, next == nil || next == reached[0] else { return nil }
                next = reached[0]
            }
            if dead {
                // Every plain character must be refused alike (a full string), or the chain is not uniform.
                for sequence in Lexical.plainSequences {
                    if let first = sequence.first, first.contains(where: { g.next(at, $0) >= 0 }) { return nil }
                }
                return k
            }
            guard let t = next else { return nil }
            if t == at { return Int.max }
            let f = g.flags[Int(t)]
            if f & (CompiledGrammar.hasCalls | CompiledGrammar.accepting) != 0 { return nil }
            at = t
        }
        return Int.max
    }

    private func store(_ set: [[Int32]], _ pop: Bool, level d: Int, _ simple: UnsafeMutableBufferPointer<Int32>,
                       _ stacks: inout [[[Int32]]], _ canPop: UnsafeMutableBufferPointer<Bool>) {
        let unique = set.count > 1 ? ParseState.unique(set) : set
        canPop[d] = pop
        if unique.isEmpty {
            simple[d] = MaskWalker.none
        } else if unique.count == 1 && unique[0].count == 1 {
            simple[d] = unique[0][0]
        } else {
            simple[d] = MaskWalker.several
            stacks[d] = unique
        }
    }

    /// ParseState.expand above the walk's base: popping the base itself only records that it can end here.
    private func expandAbove(_ stack: [Int32], into out: inout [[Int32]], pop: inout Bool) {
        let g = grammar
        let top = Int(stack[stack.count - 1])
        let f = g.flags[top]
        if f & CompiledGrammar.readsBytes != 0 { out.append(stack) }
        if f & CompiledGrammar.hasCalls != 0 {
            for i in Int(g.callStart[top])..<Int(g.callStart[top + 1]) {
                var s = stack
                s[s.count - 1] = g.callReturn[i]
                s.append(g.ruleStart[Int(g.callRule[i])])
                expandAbove(s, into: &out, pop: &pop)
            }
        }
        if f & CompiledGrammar.accepting != 0 {
            if stack.count == 1 {
                pop = true
            } else {
                expandAbove(Array(stack.dropLast()), into: &out, pop: &pop)
            }
        }
    }

    /// The smallest of the three storages for the accepted tokens (a bitmap of `count` bits).
    static func storage(_ bits: [UInt64], count: Int, vocabulary v: TokenVocabularyIndex) -> StateMask.Accepted {
        let bitmapBytes = v.wordCount * 8
        let rejectedCount = v.documentTokenCount - count
        if count * 4 <= bitmapBytes && count <= rejectedCount {
            var ids: [Int32] = []
            ids.reserveCapacity(count)
            for w in 0..<bits.count {
                var word = bits[w]
                while word != 0 {
                    ids.append(Int32(w * 64 + word.trailingZeroBitCount))
                    word &= word - 1
                }
            }
            return .list(ids)
        }
        if rejectedCount * 4 <= bitmapBytes {
            var rejected: [Int32] = []
            rejected.reserveCapacity(rejectedCount)
            for w in 0..<v.wordCount {
                var missing = v.documentTokens[w] & ~bits[w]
                while missing != 0 {
                    rejected.append(Int32(w * 64 + missing.trailingZeroBitCount))
                    missing &= missing - 1
                }
            }
            return .complement(rejected)
        }
        return .bitmap(bits)
    }
}
