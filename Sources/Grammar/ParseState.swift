/// Where a byte-level parse can be: every stack of rule states the bytes so far allow (bottom first), each top
/// ready to read a byte, and whether the document could end here. A value: copying it is a snapshot.
struct ParseState: Sendable {
    let grammar: CompiledGrammar
    private(set) var stacks: [[Int32]]
    private(set) var isComplete: Bool

    init(grammar: CompiledGrammar) {
        self.grammar = grammar
        var out: [[Int32]] = []
        var complete = false
        ParseState.expand([grammar.ruleStart[0]], grammar, into: &out, complete: &complete)
        self.stacks = out
        self.isComplete = complete
    }

    init(grammar: CompiledGrammar, stacks: [[Int32]], complete: Bool) {
        self.grammar = grammar
        self.stacks = stacks
        self.isComplete = complete
    }

    /// Reads one byte; false (and no change) when no stack can.
    mutating func accept(_ byte: UInt8) -> Bool {
        var out: [[Int32]] = []
        var complete = false
        for stack in stacks {
            let t = grammar.next(stack[stack.count - 1], byte)
            if t < 0 { continue }
            var s = stack
            s[s.count - 1] = t
            ParseState.expand(s, grammar, into: &out, complete: &complete)
        }
        if out.isEmpty && !complete { return false }
        if out.count > 1 { out = ParseState.unique(out) }
        if out.count > GrammarLimits.maxParseStacks { return false }
        stacks = out
        isComplete = complete
        return true
    }

    /// Reads all of `bytes`, or (returning false) none of them.
    mutating func accept(bytes: some Sequence<UInt8>) -> Bool {
        var copy = self
        for b in bytes where !copy.accept(b) { return false }
        self = copy
        return true
    }

    /// Adds `stack` and everything it reaches without reading: calls pushed, ended rules popped. Only stacks whose
    /// top reads bytes are kept; popping the last frame means the document can be complete.
    static func expand(_ stack: [Int32], _ g: CompiledGrammar, into out: inout [[Int32]], complete: inout Bool) {
        let top = Int(stack[stack.count - 1])
        let f = g.flags[top]
        if f & CompiledGrammar.readsBytes != 0 { out.append(stack) }
        if f & CompiledGrammar.hasCalls != 0 {
            for i in Int(g.callStart[top])..<Int(g.callStart[top + 1]) {
                var s = stack
                s[s.count - 1] = g.callReturn[i]
                s.append(g.ruleStart[Int(g.callRule[i])])
                expand(s, g, into: &out, complete: &complete)
            }
        }
        if f & CompiledGrammar.accepting != 0 {
            if stack.count == 1 {
                complete = true
            } else {
                expand(Array(stack.dropLast()), g, into: &out, complete: &complete)
            }
        }
    }

    static func unique(_ stacks: [[Int32]]) -> [[Int32]] {
        var seen = Set<[Int32]>()
        return stacks.filter { seen.insert($0).inserted }
    }
}
