/// Rules (NFA bodies) to a CompiledGrammar: determinize each rule, drop rules that match no finite text, refuse
/// recursion that consumes nothing, flatten into global tables and compute each rule's follow bytes.
enum GrammarBuilder {
    static func build(_ rules: [SchemaCompiler.Rule]) throws(GrammarError) -> CompiledGrammar {
        var total = 0
        var dfas: [DFA?] = []
        for rule in rules {
            guard let fragment = rule.fragment else {
                dfas.append(nil)
                continue
            }
            let limit = GrammarLimits.maxGrammarStates - total
            let dfa = try Determinizer.determinize(rule.nfa, fragment, limit: max(limit, 1)) { () throws(GrammarError) in
                total += 1
                if total > GrammarLimits.maxGrammarStates {
                    throw .tooComplex("more than \(GrammarLimits.maxGrammarStates) grammar states")
                }
            }
            dfas.append(dfa.map(Minimizer.minimize))
        }
        let productive = productiveRules(dfas)
        guard productive.first == true else {
            throw .invalidSchema("the schema matches no (finite) JSON value", path: "#")
        }
        var final: [DFA] = []
        for (r, dfa) in dfas.enumerated() {
            guard productive[r], var d = dfa else {
                final.append(DFA(classOf: [UInt8](repeating: 0, count: 256), classCount: 1, next: [-1],
                                 accepting: [false], calls: [[]]))
                continue
            }
            d.calls = d.calls.map { $0.filter { productive[Int($0.rule)] } }
            guard let trimmed = d.trimmed() else { preconditionFailure("a productive rule trimmed to nothing") }
            final.append(trimmed)
        }
        try checkLeftRecursion(final, names: rules.map(\.name))
        return flatten(final, names: rules.map(\.name))
    }

    /// Rules that derive some finite byte string: a fixed point, since a rule is productive only through calls
    /// to productive rules.
    private static func productiveRules(_ dfas: [DFA?]) -> [Bool] {
        var productive = [Bool](repeating: false, count: dfas.count)
        var changed = true
        while changed {
            changed = false
            for (r, dfa) in dfas.enumerated() where !productive[r] {
                guard let d = dfa else { continue }
                var seen = [Bool](repeating: false, count: d.stateCount)
                var work: [Int] = [0]
                seen[0] = true
                var found = false
                while let s = work.popLast() {
                    if d.accepting[s] {
                        found = true
                        break
                    }
                    var targets: [Int32] = []
                    for c in 0..<d.classCount { targets.append(d.next[s * d.classCount + c]) }
                    targets += d.calls[s].filter { productive[Int($0.rule)] }.map(\.to)
                    for t in targets where t >= 0 && !seen[Int(t)] {
                        seen[Int(t)] = true
                        work.append(Int(t))
                    }
                }
                if found {
                    productive[r] = true
                    changed = true
                }
            }
        }
        return productive
    }

    /// A rule whose start calls a rule whose start calls ... the first again would push forever.
    private static func checkLeftRecursion(_ dfas: [DFA], names: [String]) throws(GrammarError) {
        var state = [UInt8](repeating: 0, count: dfas.count)  // 0 new, 1 on path, 2 done
        func visit(_ r: Int) -> Bool {
            if state[r] == 1 { return false }
            if state[r] == 2 { return true }
            state[r] = 1
            for call in dfas[r].calls[0] where !visit(Int(call.rule)) { return false }
            state[r] = 2
            return true
        }
        for r in dfas.indices where !visit(r) {
            throw .invalidSchema("a $ref recursion that consumes no input (left recursion)", path: names[r])
        }
    }

    private static func flatten(_ dfas: [DFA], names: [String]) -> CompiledGrammar {
        var offsets: [Int32] = []
        var count: Int32 = 0
        for d in dfas {
            offsets.append(count)
            count += Int32(d.stateCount)
        }
        var rowStart: [Int32] = []
        var classMapStart: [Int32] = []
        var classMaps: [UInt8] = []
        var transitions: [Int32] = []
        var flags: [UInt8] = []
        var callStart: [Int32] = [0]
        var callRule: [Int32] = []
        var callReturn: [Int32] = []
        var stateRule: [Int32] = []
        for (r, d) in dfas.enumerated() {
            let mapStart = Int32(classMaps.count)
            classMaps += d.classOf
            for s in 0..<d.stateCount {
                rowStart.append(Int32(transitions.count))
                classMapStart.append(mapStart)
                var readsBytes = false
                for c in 0..<d.classCount {
                    let t = d.next[s * d.classCount + c]
                    if t >= 0 { readsBytes = true }
                    transitions.append(t >= 0 ? t + offsets[r] : -1)
                }
                var f: UInt8 = 0
                if d.accepting[s] { f |= CompiledGrammar.accepting }
                if readsBytes { f |= CompiledGrammar.readsBytes }
                if !d.calls[s].isEmpty { f |= CompiledGrammar.hasCalls }
                flags.append(f)
                for call in d.calls[s] {
                    callRule.append(call.rule)
                    callReturn.append(call.to + offsets[r])
                }
                callStart.append(Int32(callRule.count))
                stateRule.append(Int32(r))
            }
        }
        let follow = followSets(dfas: dfas, offsets: offsets, flags: flags, callStart: callStart, callRule: callRule,
                                callReturn: callReturn, stateRule: stateRule)
        return CompiledGrammar(rowStart: rowStart, classMapStart: classMapStart, classMaps: classMaps,
                               transitions: transitions, flags: flags, callStart: callStart, callRule: callRule,
                               callReturn: callReturn, ruleStart: offsets, ruleNames: names, stateRule: stateRule,
                               follow: follow)
    }

    /// FOLLOW(rule): the bytes that can come right after the rule ends, over all its call sites (a fixed point:
    /// a site whose return state can itself end passes on its own rule's follow bytes).
    private static func followSets(dfas: [DFA], offsets: [Int32], flags: [UInt8], callStart: [Int32],
                                   callRule: [Int32], callReturn: [Int32], stateRule: [Int32]) -> [ByteSet] {
        func local(_ global: Int32) -> (DFA, Int) {
            let r = Int(stateRule[Int(global)])
            return (dfas[r], Int(global - offsets[r]))
        }
        func bytes(_ global: Int32) -> ByteSet {
            let (d, s) = local(global)
            var set = ByteSet()
            for b in 0..<256 where d.next[s * d.classCount + Int(d.classOf[b])] >= 0 { set.insert(UInt8(b)) }
            return set
        }
        /// Bytes a state reads, or that the rules it calls read first (call chains from starts are acyclic).
        func first(_ global: Int32) -> ByteSet {
            var set = bytes(global)
            for i in Int(callStart[Int(global)])..<Int(callStart[Int(global) + 1]) {
                set.formUnion(first(offsets[Int(callRule[i])]))
            }
            return set
        }
        var follow = [ByteSet](repeating: ByteSet(), count: dfas.count)
        var changed = true
        var firstCache: [Int32: ByteSet] = [:]
        while changed {
            changed = false
            for i in callRule.indices {
                let ret = callReturn[i]
                var set: ByteSet
                if let cached = firstCache[ret] {
                    set = cached
                } else {
                    set = first(ret)
                    firstCache[ret] = set
                }
                if flags[Int(ret)] & CompiledGrammar.accepting != 0 { set.formUnion(follow[Int(stateRule[Int(ret)])]) }
                let callee = Int(callRule[i])
                let merged = follow[callee].union(set)
                if merged != follow[callee] {
                    follow[callee] = merged
                    changed = true
                }
            }
        }
        return follow
    }
}
