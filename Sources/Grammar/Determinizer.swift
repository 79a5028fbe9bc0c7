/// Subset construction: an NFA fragment to a trimmed DFA. Byte edges become deterministic; call edges stay edges
/// (grouped by callee), so what remains nondeterministic is only the choice between calling and reading a byte,
/// which the matcher follows with parallel stacks.
struct Determinizer {
    // The NFA flattened (adjacency in one array each), so the inner loops touch no nested arrays.
    private let epsilonStart: [Int32]
    private let epsilonTarget: [Int32]
    private let edgeStart: [Int32]
    private let edgeLabel: [Int32]
    private let edgeTarget: [Int32]
    private let callStart: [Int32]
    private let callRule: [Int32]
    private let callTarget: [Int32]
    /// States that matter in a subset: those with edges or calls, and the exit.
    private var useful: [Bool]
    private let labels: [ByteSet]
    private var mark: [UInt32]
    private var generation: UInt32 = 0

    private init(nfa: NFA, exit: Int32) {
        var epsilonStart: [Int32] = [0]
        var epsilonTarget: [Int32] = []
        var edgeStart: [Int32] = [0]
        var edgeLabel: [Int32] = []
        var edgeTarget: [Int32] = []
        var callStart: [Int32] = [0]
        var callRule: [Int32] = []
        var callTarget: [Int32] = []
        var labelIndex: [ByteSet: Int32] = [:]
        var labels: [ByteSet] = []
        var useful: [Bool] = []
        for s in 0..<nfa.stateCount {
            epsilonTarget += nfa.epsilons[s]
            epsilonStart.append(Int32(epsilonTarget.count))
            for e in nfa.edges[s] {
                if let known = labelIndex[e.set] {
                    edgeLabel.append(known)
                } else {
                    labelIndex[e.set] = Int32(labels.count)
                    edgeLabel.append(Int32(labels.count))
                    labels.append(e.set)
                }
                edgeTarget.append(e.to)
            }
            edgeStart.append(Int32(edgeTarget.count))
            for c in nfa.calls[s] {
                callRule.append(c.rule)
                callTarget.append(c.to)
            }
            callStart.append(Int32(callRule.count))
            useful.append(!nfa.edges[s].isEmpty || !nfa.calls[s].isEmpty || Int32(s) == exit)
        }
        self.epsilonStart = epsilonStart
        self.epsilonTarget = epsilonTarget
        self.edgeStart = edgeStart
        self.edgeLabel = edgeLabel
        self.edgeTarget = edgeTarget
        self.callStart = callStart
        self.callRule = callRule
        self.callTarget = callTarget
        self.useful = useful
        self.labels = labels
        self.mark = [UInt32](repeating: 0, count: nfa.stateCount)
    }

    /// The DFA of `fragment`, or nil when it matches nothing. `limit` caps the DFA's states; the shared budget
    /// caps the total (`budgetStates` is called once per new state).
    static func determinize(_ nfa: NFA, _ fragment: Fragment, limit: Int,
                            budgetStates: () throws(GrammarError) -> Void) throws(GrammarError) -> DFA? {
        var d = Determinizer(nfa: nfa, exit: fragment.end)
        return try d.run(fragment, limit: limit, budgetStates: budgetStates)
    }

    private mutating func run(_ fragment: Fragment, limit: Int,
                              budgetStates: () throws(GrammarError) -> Void) throws(GrammarError) -> DFA? {
        // Byte classes: bytes that every edge label treats alike.
        var signatureClass: [[UInt64]: UInt8] = [:]
        var classOf = [UInt8](repeating: 0, count: 256)
        var classCount = 0
        for b in 0..<256 {
            var signature = [UInt64](repeating: 0, count: (labels.count + 63) / 64)
            for (i, s) in labels.enumerated() where s.contains(UInt8(b)) { signature[i >> 6] |= 1 << UInt64(i & 63) }
            if let c = signatureClass[signature] {
                classOf[b] = c
            } else {
                let c = UInt8(classCount)
                signatureClass[signature] = c
                classOf[b] = c
                classCount += 1
            }
        }
        // The classes each label covers, flattened.
        var labelClassStart: [Int32] = [0]
        var labelClasses: [Int32] = []
        for s in labels {
            var seen = [Bool](repeating: false, count: classCount)
            for b in 0..<256 where s.contains(UInt8(b)) {
                let c = Int(classOf[b])
                if !seen[c] {
                    seen[c] = true
                    labelClasses.append(Int32(c))
                }
            }
            labelClassStart.append(Int32(labelClasses.count))
        }

        var dfa = DFA(classOf: classOf, classCount: classCount, next: [], accepting: [], calls: [])
        var ids: [[Int32]: Int32] = [:]
        var subsets: [[Int32]] = []
        let first = closure(of: [fragment.start])
        ids[first] = 0
        subsets.append(first)
        try budgetStates()
        var buckets = [[Int32]](repeating: [], count: classCount)
        var touched: [Int] = []
        var row = [Int32](repeating: -1, count: classCount)
        var i = 0
        var work = 0
        while i < subsets.count {
            let subset = subsets[i]
            i += 1
            // Subset sizes summed: what the construction costs (many optional properties, or alternatives that
            // stay ambiguous for long, make every subset large).
            work += subset.count
            if work > GrammarLimits.maxDeterminizationWork {
                throw .tooComplex("determinizing needs more than \(GrammarLimits.maxDeterminizationWork) steps (too many optional properties or long-ambiguous alternatives)")
            }
            var callTargets: [Int32: [Int32]] = [:]
            var accepting = false
            for s in subset {
                if s == fragment.end { accepting = true }
                for e in Int(edgeStart[Int(s)])..<Int(edgeStart[Int(s) + 1]) {
                    let label = Int(edgeLabel[e])
                    let to = edgeTarget[e]
                    for k in Int(labelClassStart[label])..<Int(labelClassStart[label + 1]) {
                        let c = Int(labelClasses[k])
                        if buckets[c].isEmpty { touched.append(c) }
                        buckets[c].append(to)
                    }
                }
                for k in Int(callStart[Int(s)])..<Int(callStart[Int(s) + 1]) {
                    callTargets[callRule[k], default: []].append(callTarget[k])
                }
            }
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
            for c in touched { row[c] = -1 }
            touched.removeAll(keepingCapacity: true)
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

    /// The useful states reachable from `seeds` by epsilon edges, sorted (the subset's identity).
    private mutating func closure(of seeds: [Int32]) -> [Int32] {
        generation &+= 1
        if generation == 0 {
            for i in mark.indices { mark[i] = 0 }
            generation = 1
        }
        let g = generation
        var out: [Int32] = []
        var work: [Int32] = []
        mark.withUnsafeMutableBufferPointer { mark in
            epsilonStart.withUnsafeBufferPointer { start in
                epsilonTarget.withUnsafeBufferPointer { target in
                    useful.withUnsafeBufferPointer { useful in
                        for s in seeds where mark[Int(s)] != g {
                            mark[Int(s)] = g
                            work.append(s)
                        }
                        while let s = work.popLast() {
                            if useful[Int(s)] { out.append(s) }
                            for k in Int(start[Int(s)])..<Int(start[Int(s) + 1]) {
                                let t = target[k]
                                if mark[Int(t)] != g {
                                    mark[Int(t)] = g
                                    work.append(t)
                                }
                            }
                        }
                    }
                }
            }
        }
        out.sort()
        return out
    }
}
