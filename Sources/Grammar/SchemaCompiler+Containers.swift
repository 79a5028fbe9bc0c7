/// Objects and arrays. Whitespace may follow `{`, `[`, `,` and `:` and precede `}` and `]` (one space, or a
/// newline and bounded indentation after the brackets and commas; one space at most after a colon), never before
/// a comma or a colon.
extension SchemaCompiler {
    /// Properties in schema order, each optional one skippable; required ones always present. Additional
    /// properties (when allowed) come after the named ones, under any key the named ones do not use.
    ///
    /// An absent `additionalProperties` allows none when the schema names properties, and any when it names none
    /// (`{"type": "object"}` is any object). JSON Schema reads absent as `true`; both choices emit only valid
    /// documents, and leaving extra keys out keeps a model from inventing them.
    func object(_ o: SchemaObject, _ nfa: inout NFA, depth: Int) throws(GrammarError) -> Fragment? {
        let named = o.properties ?? []
        var members: [(key: String, schema: SchemaNode, required: Bool)] = named.map {
            ($0.key, $0.schema, o.required.contains($0.key))
        }
        let additional: SchemaNode = o.additionalProperties ?? (named.isEmpty ? .anything : .nothing)
        for key in o.required where !named.contains(where: { $0.key == key }) {
            // Required but not listed: its schema is what additionalProperties allows.
            members.append((key, additional, true))
        }

        var values: [(key: String, value: Fragment, required: Bool)] = []
        for member in members {
            guard let value = try compile(member.schema, &nfa, depth: depth + 1) else {
                if member.required { return nil }
                continue
            }
            values.append((member.key, value, member.required))
        }
        let n = values.count
        // requiredFrom[i]: some member at or after i is required (so the object cannot close there).
        var requiredFrom = [Bool](repeating: false, count: n + 1)
        for i in stride(from: n - 1, through: 0, by: -1) { requiredFrom[i] = requiredFrom[i + 1] || values[i].required }
        let extra = try additionalMember(additional, excluding: members.map(\.key), &nfa, depth: depth)

        // Q[i]: a key's opening quote read, members i... still possible (optional ones skip forward); the choice
        // of key is made after the quote, so the states before it (the whitespace after a comma) stay small when
        // determinized. B[i]: members before i done, at least one written. C[i]: a comma after B[i].
        let open = try nfa.sequence([try nfa.literal("{"), try Lexical.whitespace(newline: true, &nfa)])
        let end = try nfa.newState()
        var q: [Int32] = []
        var b: [Int32] = []
        for _ in 0...n {
            q.append(try nfa.newState())
            b.append(try nfa.newState())
        }
        let quote = ByteSet(UInt8(ascii: "\""))
        nfa.edge(open.end, quote, q[0])
        if !requiredFrom[0] {
            let closeEmpty = try nfa.literal("}")
            nfa.epsilon(open.end, closeEmpty.start)
            nfa.epsilon(closeEmpty.end, end)
        }
        for (i, member) in values.enumerated() {
            var key: [UInt8] = []
            JSONText.appendQuoted(member.key, to: &key)
            let pair = try nfa.sequence([try nfa.bytes(Array(key.dropFirst()) + [UInt8(ascii: ":")]),
                                         try Lexical.whitespace(newline: false, &nfa), member.value])
            nfa.epsilon(q[i], pair.start)
            nfa.epsilon(pair.end, b[i + 1])
            if !member.required { nfa.epsilon(q[i], q[i + 1]) }
        }
        if let extra {
            nfa.epsilon(q[n], extra.start)
            nfa.epsilon(extra.end, b[n])
        }
        for i in (n == 0 ? 0 : 1)...n {
            if i < n || extra != nil {
                let comma = try nfa.sequence([try nfa.literal(","), try Lexical.whitespace(newline: true, &nfa)])
                nfa.epsilon(b[i], comma.start)
                nfa.edge(comma.end, quote, q[i])
            }
            if !requiredFrom[i] {
                let close = try nfa.sequence([try Lexical.whitespace(newline: true, &nfa), try nfa.literal("}")])
                nfa.epsilon(b[i], close.start)
                nfa.epsilon(close.end, end)
            }
        }
        return Fragment(start: open.start, end: end)
    }

    /// `key": value` (after the key's opening quote) for a key not among `excluding` (keys are written in the
    /// canonical escaping, so byte inequality is key inequality); nil when no additional property is allowed.
    private func additionalMember(_ schema: SchemaNode, excluding: [String], _ nfa: inout NFA,
                                  depth: Int) throws(GrammarError) -> Fragment? {
        if case .nothing = schema { return nil }
        guard let value = try compile(schema, &nfa, depth: depth + 1) else { return nil }
        guard let anyKey = try Lexical.contentDFA(.repeated(.chars(.any), min: 0, max: nil), budget: budget) else { return nil }
        var content = anyKey
        if !excluding.isEmpty {
            let exclusion = KeyExclusion.dfa(excluding)
            guard let d = try DFA.intersection(anyKey, exclusion, limit: GrammarLimits.maxRegexStates) else { return nil }
            content = d
        }
        let body = try content.embed(into: &nfa)
        return try nfa.sequence([body, try nfa.bytes(Array("\":".utf8)), try Lexical.whitespace(newline: false, &nfa), value])
    }

    /// Items by position (`prefixItems` first, then `items`), `minItems...maxItems` of them. An absent `items`
    /// allows no items past a `prefixItems` tuple (unless `minItems` needs them) and any items otherwise.
    func array(_ o: SchemaObject, _ nfa: inout NFA, depth: Int) throws(GrammarError) -> Fragment? {
        let prefix = o.prefixItems ?? []
        var rest: SchemaNode = o.items ?? (prefix.isEmpty ? .anything : .nothing)
        if case .nothing = rest, o.items == nil, o.minItems > prefix.count { rest = .anything }
        var maxCount = o.maxItems
        if case .nothing = rest { maxCount = min(maxCount ?? prefix.count, prefix.count) }
        if let maxCount, maxCount < o.minItems { return nil }
        // Positions written out one by one; past them, `rest` repeats in a loop (when unbounded).
        let unrolled = max(maxCount ?? max(prefix.count, o.minItems, 1), 0)
        if unrolled > GrammarLimits.maxRepetition {
            throw .tooComplex("an array of more than \(GrammarLimits.maxRepetition) positions")
        }

        let open = try nfa.sequence([try nfa.literal("["), try Lexical.whitespace(newline: true, &nfa)])
        let end = try nfa.newState()
        let closeEmpty = try nfa.literal("]")
        nfa.epsilon(closeEmpty.end, end)
        let close = try nfa.sequence([try Lexical.whitespace(newline: true, &nfa), try nfa.literal("]")])
        nfa.epsilon(close.end, end)

        var at = open.end
        var position = 0
        while position < unrolled {
            if position >= o.minItems { nfa.epsilon(at, position == 0 ? closeEmpty.start : close.start) }
            let schema = position < prefix.count ? prefix[position] : rest
            guard let item = try compile(schema, &nfa, depth: depth + 1) else {
                if position < o.minItems { return nil }
                return Fragment(start: open.start, end: end)
            }
            let next = try nfa.newState()
            if position > 0 {
                let comma = try nfa.sequence([try nfa.literal(","), try Lexical.whitespace(newline: true, &nfa)])
                nfa.epsilon(at, comma.start)
                nfa.epsilon(comma.end, item.start)
            } else {
                nfa.epsilon(at, item.start)
            }
            nfa.epsilon(item.end, next)
            at = next
            position += 1
        }
        if position >= o.minItems { nfa.epsilon(at, position == 0 ? closeEmpty.start : close.start) }
        if maxCount == nil, let item = try compile(rest, &nfa, depth: depth + 1) {
            let comma = try nfa.sequence([try nfa.literal(","), try Lexical.whitespace(newline: true, &nfa)])
            nfa.epsilon(at, comma.start)
            nfa.epsilon(comma.end, item.start)
            nfa.epsilon(item.end, at)
        }
        return Fragment(start: open.start, end: end)
    }
}

/// A DFA over a key's escaped bytes accepting everything except the given keys: a trie whose leaves reject, with
/// every other byte falling into an accepting sink. Intersected with the string content automaton.
enum KeyExclusion {
    static func dfa(_ keys: [String]) -> DFA {
        var escaped: [[UInt8]] = []
        for key in keys {
            var quoted: [UInt8] = []
            JSONText.appendQuoted(key, to: &quoted)
            escaped.append(Array(quoted.dropFirst().dropLast()))
        }
        var used = ByteSet()
        for key in escaped { for b in key { used.insert(b) } }
        var classOf = [UInt8](repeating: 0, count: 256)
        var classCount = 1
        for b in used.members {
            classOf[Int(b)] = UInt8(classCount)
            classCount += 1
        }
        // State 0 is the root, state 1 the sink.
        var children: [[Int: Int32]] = [[:], [:]]
        var isKey = [false, false]
        for key in escaped {
            var at = 0
            for b in key {
                let c = Int(classOf[Int(b)])
                if let next = children[at][c] {
                    at = Int(next)
                } else {
                    children.append([:])
                    isKey.append(false)
                    children[at][c] = Int32(children.count - 1)
                    at = children.count - 1
                }
            }
            isKey[at] = true
        }
        var next: [Int32] = []
        for s in 0..<children.count {
            for c in 0..<classCount { next.append(s == 1 ? 1 : children[s][c] ?? 1) }
        }
        return DFA(classOf: classOf, classCount: classCount, next: next, accepting: isKey.enumerated().map { !$1 },
                   calls: [[(rule: Int32, to: Int32)]](repeating: [], count: children.count))
    }
}
