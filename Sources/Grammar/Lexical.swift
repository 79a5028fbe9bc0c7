/// The lexical pieces of JSON as automaton fragments: regexes, strings, numbers and the bounded whitespace.
enum Lexical {
    /// How a regex's characters become bytes: raw UTF-8 (numbers, formats' ASCII), or as the content of a JSON
    /// string, where `"`, `\` and control characters take their escape sequence (JSONText's canonical form).
    enum Encoding {
        case raw
        case jsonString
    }

    /// Most spaces after a newline: whitespace is "", " ", or "\n" and up to this many spaces, so a model can
    /// pretty-print (two-space indents nest eight deep) but never loop on whitespace.
    static let maxIndentation = 16

    static func fragment(_ node: RegexNode, _ encoding: Encoding, _ nfa: inout NFA) throws(GrammarError) -> Fragment {
        switch node {
        case .chars(let set):
            return try chars(set, encoding, &nfa)
        case .sequence(let items):
            var parts: [Fragment] = []
            for item in items { parts.append(try fragment(item, encoding, &nfa)) }
            return try nfa.sequence(parts)
        case .alternation(let options):
            var parts: [Fragment] = []
            for option in options { parts.append(try fragment(option, encoding, &nfa)) }
            return try nfa.alternation(parts)
        case let .repeated(inner, min, max):
            let made = try nfa.repetition(min: min, max: max) { (n: inout NFA) throws(GrammarError) -> Fragment? in
                try fragment(inner, encoding, &n)
            }
            guard let made else { return try chars(CodePointSet([]), encoding, &nfa) }
            return made
        }
    }

    /// The characters a JSON string holds unescaped, as UTF-8 sequences (computed once: every string uses them).
    static let plainSequences = CodePointSet.any.subtracting(.jsonEscaped).utf8Sequences

    /// One character of `set`: a byte-range path per UTF-8 sequence, an escape path per escaped character.
    static func chars(_ set: CodePointSet, _ encoding: Encoding, _ nfa: inout NFA) throws(GrammarError) -> Fragment {
        let start = try nfa.newState()
        let end = try nfa.newState()
        var plain = set
        if encoding == .jsonString {
            let escaped = set.intersection(.jsonEscaped)
            for range in escaped.ranges {
                for cp in range {
                    guard let bytes = JSONText.escape(cp) else { continue }
                    let f = try nfa.bytes(bytes)
                    nfa.epsilon(start, f.start)
                    nfa.epsilon(f.end, end)
                }
            }
            plain = set.subtracting(.jsonEscaped)
        }
        var singles = ByteSet()
        // Sequences share their tails ("two more continuation bytes" is one state for all lead bytes that need
        // it), so the automaton of a character class is already small before determinization.
        var tails: [ArraySlice<ClosedRange<UInt8>>: Int32] = [:]
        func tail(_ rest: ArraySlice<ClosedRange<UInt8>>) throws(GrammarError) -> Int32 {
            guard let first = rest.first else { return end }
            if let known = tails[rest] { return known }
            let state = try nfa.newState()
            nfa.edge(state, ByteSet(first), try tail(rest.dropFirst()))
            tails[rest] = state
            return state
        }
        let plainAny = plain == Lexical.plainCharacters
        for sequence in plainAny ? Lexical.plainSequences : plain.utf8Sequences {
            if sequence.count == 1 {
                singles.insert(sequence[0])
                continue
            }
            nfa.edge(start, ByteSet(sequence[0]), try tail(sequence[1...]))
        }
        nfa.edge(start, singles, end)
        return Fragment(start: start, end: end)
    }

    /// "", " ", or (when `newline`) "\n" and up to `maxIndentation` spaces.
    static func whitespace(newline: Bool, _ nfa: inout NFA) throws(GrammarError) -> Fragment {
        let start = try nfa.newState()
        let end = try nfa.newState()
        nfa.epsilon(start, end)
        nfa.edge(start, ByteSet(UInt8(ascii: " ")), end)
        if newline {
            var at = try nfa.newState()
            nfa.edge(start, ByteSet(UInt8(ascii: "\n")), at)
            nfa.epsilon(at, end)
            for _ in 0..<maxIndentation {
                let next = try nfa.newState()
                nfa.edge(at, ByteSet(UInt8(ascii: " ")), next)
                nfa.epsilon(next, end)
                at = next
            }
        }
        return Fragment(start: start, end: end)
    }

    /// One character of a JSON string in any form JSON allows: raw UTF-8, a short escape, or `\uXXXX` for a
    /// non-surrogate (so the decoded text is always valid Unicode and one escape is one character).
    static func freeCharacter(_ nfa: inout NFA) throws(GrammarError) -> Fragment {
        let plain = try chars(Lexical.plainCharacters, .raw, &nfa)
        let short = try nfa.sequence([try nfa.literal("\\"), try nfa.set(ByteSet(bytes: Array(#""\/bfnrt"#.utf8)))])
        let unicode = try fragment(unicodeEscape, .raw, &nfa)
        return try nfa.alternation([plain, short, unicode])
    }

    static let plainCharacters = CodePointSet.any.subtracting(.jsonEscaped)

    /// `\u` and four hex digits, surrogates excluded.
    private static let unicodeEscape: RegexNode = {
        let hex = RegexNode.chars(CodePointSet([0x30...0x39, 0x41...0x46, 0x61...0x66]))
        let lead = RegexNode.alternation([
            .sequence([.chars(CodePointSet([0x30...0x39, 0x41...0x43, 0x61...0x63])), hex, hex, hex]),
            .sequence([.chars(CodePointSet([0x44...0x44, 0x64...0x64])), .chars(CodePointSet([0x30...0x37])), hex, hex]),
            .sequence([.chars(CodePointSet([0x45...0x46, 0x65...0x66])), hex, hex, hex]),
        ])
        return .sequence([.literal("\\u"), lead])
    }()

    /// A JSON string of `min...max` characters in any escape form (no bound when `max` is nil); nil when empty.
    static func freeString(min: Int, max: Int?, _ nfa: inout NFA) throws(GrammarError) -> Fragment? {
        let open = try nfa.literal("\"")
        guard let body = try nfa.repetition(min: min, max: max, { (n: inout NFA) throws(GrammarError) -> Fragment? in
            try freeCharacter(&n)
        }) else { return nil }
        let close = try nfa.literal("\"")
        return try nfa.sequence([open, body, close])
    }

    /// The content automaton (between the quotes) of a regex over the string's value, determinized.
    static func contentDFA(_ node: RegexNode, budget: CompileBudget) throws(GrammarError) -> DFA? {
        var nfa = NFA(budget: budget, localLimit: GrammarLimits.maxRegexStates)
        let f = try fragment(node, .jsonString, &nfa)
        return try determinizeLocal(nfa, f, budget: budget)
    }

    /// The content automaton of `min...max` characters in any escape form.
    static func lengthDFA(min: Int, max: Int?, budget: CompileBudget) throws(GrammarError) -> DFA? {
        var nfa = NFA(budget: budget, localLimit: GrammarLimits.maxRegexStates)
        guard let f = try nfa.repetition(min: min, max: max, { (n: inout NFA) throws(GrammarError) -> Fragment? in
            try freeCharacter(&n)
        }) else { return nil }
        return try determinizeLocal(nfa, f, budget: budget)
    }

    static func determinizeLocal(_ nfa: NFA, _ f: Fragment, budget: CompileBudget) throws(GrammarError) -> DFA? {
        try Determinizer.determinize(nfa, f, limit: GrammarLimits.maxRegexStates) { () throws(GrammarError) in
            try budget.addAutomatonState()
        }.map(Minimizer.minimize)
    }

    /// A raw (unescaped) regex as a determinized automaton: numbers with bounds.
    static func rawDFA(_ node: RegexNode, budget: CompileBudget) throws(GrammarError) -> DFA? {
        var nfa = NFA(budget: budget, localLimit: GrammarLimits.maxRegexStates)
        let f = try fragment(node, .raw, &nfa)
        return try determinizeLocal(nfa, f, budget: budget)
    }

    static func parseFixed(_ pattern: String) -> RegexNode {
        // Built-in patterns are constants known to parse; a failure is a bug in this file.
        do {
            return try RegexParser.parse(pattern, path: "(built-in)")
        } catch {
            preconditionFailure("built-in pattern \(pattern) does not parse: \(error)")
        }
    }

    // At most 16 integer digits and 16 fraction digits, as llama.cpp's json-schema-to-grammar bounds them: more
    // than a double holds, and a small model cannot run away writing "1000000000…".
    static let integerPattern = parseFixed("^-?(0|[1-9][0-9]{0,15})$")
    /// At most two exponent digits: JSON puts no bound on exponents, but parsers into doubles (Foundation's
    /// among them) refuse what overflows, and no model means 1e99999.
    static let numberPattern = parseFixed("^-?(0|[1-9][0-9]{0,15})(\\.[0-9]{1,16})?([eE][+-]?[0-9]{1,2})?$")
}
