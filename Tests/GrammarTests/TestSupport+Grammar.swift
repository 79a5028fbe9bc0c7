import Grammar
import XCTest

/// Helpers shared by the grammar tests.
enum GrammarTestSupport {
    static func compile(_ schemaText: String) throws -> CompiledGrammar {
        try GrammarCompiler.compile(schema: try TestJSON.parse(schemaText))
    }

    /// Whether `grammar` accepts all of `text` as a complete document.
    static func accepts(_ grammar: CompiledGrammar, _ text: String) -> Bool {
        var m = GrammarMatcher(grammar: grammar)
        return m.accept(bytes: Array(text.utf8)) && m.isComplete
    }

    /// The brute-force reference for a vocabulary: for every token, a copy of the matcher tries the token's bytes;
    /// allowed iff all are accepted (end-of-generation iff complete, control never). Tokens are tried in byte order
    /// so a copy that has read a shared prefix is reused: the same answer as one fresh copy per token, sooner.
    struct Reference {
        let tokens: [[UInt8]]
        let endOfGeneration: Set<Int32>
        private let order: [Int]

        init(tokens: [[UInt8]], endOfGeneration: Set<Int32>, control: Set<Int32>) {
            self.tokens = tokens
            self.endOfGeneration = endOfGeneration
            order = tokens.indices.filter { !tokens[$0].isEmpty && !endOfGeneration.contains(Int32($0)) && !control.contains(Int32($0)) }
                .sorted { tokens[$0].lexicographicallyPrecedes(tokens[$1]) }
        }

        func mask(_ matcher: GrammarMatcher) -> [UInt64] {
            var words = [UInt64](repeating: 0, count: (tokens.count + 63) / 64)
            func set(_ id: Int) { words[id >> 6] |= 1 << UInt64(id & 63) }
            if matcher.isTerminated { return words }
            for id in endOfGeneration where matcher.isComplete { set(Int(id)) }
            var levels: [GrammarMatcher?] = [matcher]
            var previous: [UInt8] = []
            for id in order {
                let t = tokens[id]
                var common = 0
                while common < min(t.count, previous.count, levels.count - 1), t[common] == previous[common] { common += 1 }
                levels.removeLast(levels.count - common - 1)
                previous = t
                var ok = true
                for k in common..<t.count {
                    guard var m = levels[k] else {
                        ok = false
                        break
                    }
                    if m.accept(byte: t[k]) {
                        levels.append(m)
                    } else {
                        levels.append(nil)
                        ok = false
                        break
                    }
                }
                if ok { set(id) }
            }
            return words
        }
    }

    /// The ids whose bits differ between two masks (for failure messages).
    static func difference(_ a: [UInt64], _ b: [UInt64]) -> [Int] {
        var out: [Int] = []
        for i in 0..<min(a.count, b.count) {
            var d = a[i] ^ b[i]
            while d != 0 {
                out.append(i * 64 + d.trailingZeroBitCount)
                d &= d - 1
            }
        }
        return out
    }
}
