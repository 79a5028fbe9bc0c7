/// Strings, numbers and enumerations.
extension SchemaCompiler {
    /// A string: free (any escapes) when only its length is bounded; otherwise the intersection of its pattern(s),
    /// format(s) and length as one automaton over the canonically escaped value.
    func string(_ o: SchemaObject, _ nfa: inout NFA) throws(GrammarError) -> Fragment? {
        if let max = o.maxLength, max < o.minLength { return nil }
        if o.patterns.isEmpty && o.formats.isEmpty {
            return try Lexical.freeString(min: o.minLength, max: o.maxLength, &nfa)
        }
        var parts: [DFA] = []
        for pattern in o.patterns {
            let node = try RegexParser.parse(pattern, path: o.path + "/pattern")
            guard let d = try Lexical.contentDFA(node, budget: budget) else { return nil }
            parts.append(d)
        }
        for format in o.formats {
            guard let d = try Lexical.contentDFA(try Formats.node(format, path: o.path + "/format"), budget: budget) else { return nil }
            parts.append(d)
        }
        if o.minLength > 0 || o.maxLength != nil {
            guard let d = try Lexical.lengthDFA(min: o.minLength, max: o.maxLength, budget: budget) else { return nil }
            parts.append(d)
        }
        guard var content = parts.first else { return nil }
        for d in parts.dropFirst() {
            guard let both = try DFA.intersection(content, d, limit: GrammarLimits.maxRegexStates) else { return nil }
            content = both
        }
        return try nfa.sequence([try nfa.literal("\""), try content.embed(into: &nfa), try nfa.literal("\"")])
    }

    /// A number or integer, within `minimum`/`maximum` (exclusive ones too) when given. Bounded numbers are written
    /// without an exponent.
    func number(_ o: SchemaObject, integer: Bool, _ nfa: inout NFA) throws(GrammarError) -> Fragment? {
        if o.minimum == nil && o.maximum == nil {
            return try Lexical.fragment(integer ? Lexical.integerPattern : Lexical.numberPattern, .raw, &nfa)
        }
        var patterns: [String] = []
        if integer {
            let low = o.minimum.map { $0.value.ceiling(strictly: $0.exclusive) }
            let high = o.maximum.map { $0.value.floor(strictly: $0.exclusive) }
            if let low, let high, DecimalValue.compare(low, high) > 0 { return nil }
            if let low { patterns.append(NumberBounds.lower(low, exclusive: false, integer: true)) }
            if let high { patterns.append(NumberBounds.upper(high, exclusive: false, integer: true)) }
        } else {
            if let low = o.minimum, let high = o.maximum {
                let c = DecimalValue.compare(low.value, high.value)
                if c > 0 || (c == 0 && (low.exclusive || high.exclusive)) { return nil }
            }
            if let low = o.minimum { patterns.append(NumberBounds.lower(low.value, exclusive: low.exclusive, integer: false)) }
            if let high = o.maximum { patterns.append(NumberBounds.upper(high.value, exclusive: high.exclusive, integer: false)) }
        }
        var content: DFA?
        for pattern in patterns {
            guard let d = try Lexical.rawDFA(try RegexParser.parse(pattern, path: o.path), budget: budget) else { return nil }
            if let so_far = content {
                guard let both = try DFA.intersection(so_far, d, limit: GrammarLimits.maxRegexStates) else { return nil }
                content = both
            } else {
                content = d
            }
        }
        guard let content else { return nil }
        return try content.embed(into: &nfa)
    }

    /// `enum`/`const`: each value's canonical text, keeping only values the rest of the schema accepts (checked by
    /// compiling the rest on its own and matching the value against it).
    func enumeration(_ values: [JSONSchemaValue], _ o: SchemaObject, _ nfa: inout NFA) throws(GrammarError) -> Fragment? {
        var rest = o
        rest.enumValues = nil
        var candidates: [JSONSchemaValue] = []
        var seen: Set<String> = []
        for v in values where (o.types ?? .all).admits(v) {
            if case .number(let text) = v, DecimalValue(literal: text) == nil {
                throw .invalidSchema("enum value \(text) is not a JSON number", path: o.path)
            }
            if seen.insert(v.canonicalText).inserted { candidates.append(v) }
        }
        if rest.constrainsBeyondType && !candidates.isEmpty {
            let checker = SchemaCompiler(root: root, budget: budget)
            let grammar = try GrammarBuilder.build(try checker.compileRules(rootBody: .schema(.object(rest), pointer: "(enum check)")))
            candidates = candidates.filter { v in
                var state = ParseState(grammar: grammar)
                var text: [UInt8] = []
                v.appendCanonical(to: &text)
                return state.accept(bytes: text) && state.isComplete
            }
        }
        var options: [Fragment] = []
        for v in candidates {
            var text: [UInt8] = []
            v.appendCanonical(to: &text)
            options.append(try nfa.bytes(text))
        }
        return options.isEmpty ? nil : try nfa.alternation(options)
    }
}
