/// Subset construction: an NFA fragment to a trimmed DFA. Byte edges become deterministic; call edges stay edges
/// (grouped by callee), so what remains nondeterministic is only the choice between calling and reading a byte,
/// which the matcher follows with parallel stacks.
struct Determinizer {
    let nfa: NFA
    private var mark: [UInt32]
    private var generation: UInt32 = 0

    init(nfa: NFA) {
        self.nfa = nfa
        self.mark = [UInt32](repeating: 0, count: nfa.stateCount)
    }

    /// The DFA of `fragment`, or nil when it matches nothing. `limit` caps the DFA's states; the shared budget
    /// caps the total (`budgetStates` is called once per new state).
    static func determinize(_ nfa: NFA, _ fragment: Fragment, limit: Int,
                            budgetStates: () throws(GrammarError) -> Void) throws(GrammarError) -> DFA? {
        var d = Determinizer(nfa: nfa)
        return try d.run(fragment, limit: limit, budgetStates: budgetStates)
    }

    private mutating func run(_ fragment: Fragment, limit: Int,
                              budgetStates: () throws(GrammarError) -> Void) throws(GrammarError) -> DFA? {
        exitState = fragment.end
        // Byte classes: bytes that every edge label treats alike.
        var setIndex: [ByteSet: Int] = [:]
        var sets: [ByteSet] = []
        for list in nfa.edges {
            for e in list where setIndex[e.set] == nil {
                setIndex[e.set] = sets.count
                sets.append(e.set)
            }
        }
        var signatureClass: [[UInt64]: UInt8] = [:]
        var classOf = [UInt8](repeating: 0, count: 256)
        var classCount = 0
        for b in 0..<256 {
            var signature = [UInt64](repeating: 0, count: (sets.count + 63) / 64)
            for (i, s) in sets.enumerated() where s.contains(UInt8(b)) { signature[i >> 6] |= 1 << UInt64(i & 63) }
            if let c = signatureClass[signature] {
                classOf[b] = c
            } else {
                let c = UInt8(classCount)
                signatureClass[signature] = c
                classOf[b] = c
                classCount += 1
            }
        }
        // The classes each distinct label covers.
        var classesOfSet: [[Int]] = []
        for s in sets {
            var covered: [Int] = []
            var seen = [Bool](repeating: false, count: classCount)
            for b in 0..<256 where s.contains(UInt8(b)) {
                let c = Int(classOf[b])
                if !seen[c] {
                    seen[c] = true
                    covered.append(c)
                }
            }
            classesOfSet.append(covered)
        }

        var dfa = DFA(classOf: classOf, classCount: classCount, next: [], accepting: [], calls: [])
        var ids: [[Int32]: Int32] = [:]
        var subsets: [[Int32]] = []
        let first = closure(of: [fragment.start])
        ids[first] = 0
        subsets.append(first)
        try budgetStates()
        var buckets = [[Int32]](repeating: [], count: classCount)
        var i = 0
        while i < subsets.count {
            let subset = subsets[i]
            i += 1
            var touched: [Int] = []
            var callTargets: [Int32: [Int32]] = [:]
            var accepting = false
            for s in subset {
                if s == fragment.end { accepting = true }
                for e in nfa.edges[Int(s)] {
                    for c in classesOfSet[setIndex[e.set] ?? 0] {
                        if buckets[c].isEmpty { touched.append(c) }
                        buckets[c].append(e.to)
                    }
                }
                for call in nfa.calls[Int(s)] { callTargets[call.rule, default: []].append(call.to) }
            }
            var row = [Int32](repeating: -1, count: classCount)
            for c in touched {
                let target = closure(of: buckets[c])
                buckets[c].removeAll(keepingCapacity: true)
                row[c] = try id(of: target, ids: &ids, subsets: &subsets, limit: limit, budgetStates: budgetStates)
            }
            var calls: [(rule: Int32, to: Int32)] = []
            for rule in callTargets.keys.sorted() {
                let target = closure(of: callTargets[rule] ?? [])
                calls.append((rule, try id(of: target, ids: &ids, subsets: &subsets, limit: limit,
                                           budgetStates: budgetStates)))
            }
            dfa.next += row
            dfa.accepting.append(accepting)
            dfa.calls.append(calls)
        }
        return dfa.trimmed()
    }

    private func id(of subset: [Int32], ids: inout [[Int32]: Int32], subsets: inout [[Int32]], limit: Int,
                    budgetStates: () throws(GrammarError) -> Void) throws(GrammarError) -> Int32 {
        if let known = ids[subset] { return known }
        if subsets.count >= limit { throw .tooComplex("more than \(limit) deterministic states") }
        try budgetStates()
        let new = Int32(subsets.count)
        ids[subset] = new
        subsets.append(subset)
        return new
    }

    /// The states reachable from `seeds` by epsilon edges, sorted (the subset's identity).
    private mutating func closure(of seeds: [Int32]) -> [Int32] {
        generation &+= 1
        if generation == 0 {
            for i in mark.indices { mark[i] = 0 }
            generation = 1
        }
        var out: [Int32] = []
        var work: [Int32] = []
        for s in seeds where mark[Int(s)] != generation {
            mark[Int(s)] = generation
            work.append(s)
        }
        while let s = work.popLast() {
            // Only states with edges, calls or the exit matter for what the subset does next.
            out.append(s)
            for t in nfa.epsilons[Int(s)] where mark[Int(t)] != generation {
                mark[Int(t)] = generation
                work.append(t)
            }
        }
        out.removeAll { nfa.edges[Int($0)].isEmpty && nfa.calls[Int($0)].isEmpty && !isExit($0) }
        out.sort()
        return out
    }

    private var exitState: Int32 = -1
    private func isExit(_ s: Int32) -> Bool { s == exitState }
}
