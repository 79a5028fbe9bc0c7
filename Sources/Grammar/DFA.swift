/// A deterministic automaton over bytes (through byte classes), with rule calls as extra, nondeterministic edges:
/// one grammar rule after subset construction, or a call-free lexical automaton. State 0 is the start.
struct DFA {
    /// Byte -> class; bytes in one class behave alike in every state.
    var classOf: [UInt8]
    var classCount: Int
    /// `next[state * classCount + class]`: the next state, or -1.
    var next: [Int32]
    var accepting: [Bool]
    var calls: [[(rule: Int32, to: Int32)]]

    var stateCount: Int { accepting.count }

    /// Drops the states from which no accepting state can be reached, then those no longer reachable from the start;
    /// nil when the start itself goes (the automaton matches nothing).
    func trimmed() -> DFA? {
        let n = stateCount
        guard n > 0 else { return nil }
        // Predecessor lists in one array (CSR), then productive states backwards from the accepting ones.
        var predecessorStart = [Int32](repeating: 0, count: n + 1)
        for s in 0..<n {
            for c in 0..<classCount {
                let t = next[s * classCount + c]
                if t >= 0 { predecessorStart[Int(t) + 1] += 1 }
            }
            for call in calls[s] { predecessorStart[Int(call.to) + 1] += 1 }
        }
        for i in 0..<n { predecessorStart[i + 1] += predecessorStart[i] }
        var fill = predecessorStart
        var predecessors = [Int32](repeating: 0, count: Int(predecessorStart[n]))
        for s in 0..<n {
            for c in 0..<classCount {
                let t = next[s * classCount + c]
                if t >= 0 {
                    predecessors[Int(fill[Int(t)])] = Int32(s)
                    fill[Int(t)] += 1
                }
            }
            for call in calls[s] {
                predecessors[Int(fill[Int(call.to)])] = Int32(s)
                fill[Int(call.to)] += 1
            }
        }
        var productive = accepting
        var work = (0..<n).filter { accepting[$0] }
        while let s = work.popLast() {
            for k in Int(predecessorStart[s])..<Int(predecessorStart[s + 1]) {
                let p = Int(predecessors[k])
                if !productive[p] {
                    productive[p] = true
                    work.append(p)
                }
            }
        }
        guard productive[0] else { return nil }
        var newID = [Int32](repeating: -1, count: n)
        var order: [Int] = [0]
        newID[0] = 0
        var i = 0
        while i < order.count {
            let s = order[i]
            i += 1
            for c in 0..<classCount {
                let t = next[s * classCount + c]
                if t >= 0 && productive[Int(t)] && newID[Int(t)] < 0 {
                    newID[Int(t)] = Int32(order.count)
                    order.append(Int(t))
                }
            }
            for call in calls[s] where productive[Int(call.to)] && newID[Int(call.to)] < 0 {
                newID[Int(call.to)] = Int32(order.count)
                order.append(Int(call.to))
            }
        }
        var out = DFA(classOf: classOf, classCount: classCount, next: [], accepting: [], calls: [])
        out.next.reserveCapacity(order.count * classCount)
        for s in order {
            for c in 0..<classCount {
                let t = next[s * classCount + c]
                out.next.append(t >= 0 ? newID[Int(t)] : -1)
            }
            out.accepting.append(accepting[s])
            out.calls.append(calls[s].compactMap { call in
                newID[Int(call.to)] >= 0 ? (call.rule, newID[Int(call.to)]) : nil
            })
        }
        return out
    }

    /// Copies this automaton into `nfa` as a fragment (its accepting states lead to the fragment's end).
    func embed(into nfa: inout NFA) throws(GrammarError) -> Fragment {
        var ids: [Int32] = []
        for _ in 0..<stateCount { ids.append(try nfa.newState()) }
        let end = try nfa.newState()
        var classBytes = [ByteSet](repeating: ByteSet(), count: classCount)
        for b in 0...255 { classBytes[Int(classOf[b])].insert(UInt8(b)) }
        for s in 0..<stateCount {
            var sets: [Int32: ByteSet] = [:]
            for c in 0..<classCount {
                let t = next[s * classCount + c]
                if t >= 0 { sets[t, default: ByteSet()].formUnion(classBytes[c]) }
            }
            for (t, set) in sets.sorted(by: { $0.key < $1.key }) { nfa.edge(ids[s], set, ids[Int(t)]) }
            for call in calls[s] { nfa.call(ids[s], rule: call.rule, ids[Int(call.to)]) }
            if accepting[s] { nfa.epsilon(ids[s], end) }
        }
        return Fragment(start: ids[0], end: end)
    }

    /// The intersection of two call-free automata (product construction), trimmed; nil when it is empty.
    static func intersection(_ a: DFA, _ b: DFA, limit: Int) throws(GrammarError) -> DFA? {
        var pairClass: [Int: UInt8] = [:]
        var classOf = [UInt8](repeating: 0, count: 256)
        var classPairs: [(Int, Int)] = []
        for byte in 0..<256 {
            let key = Int(a.classOf[byte]) * 256 + Int(b.classOf[byte])
            if let c = pairClass[key] {
                classOf[byte] = c
            } else {
                let c = UInt8(classPairs.count)
                pairClass[key] = c
                classOf[byte] = c
                classPairs.append((Int(a.classOf[byte]), Int(b.classOf[byte])))
            }
        }
        let classCount = classPairs.count
        var ids: [Int64: Int32] = [0: 0]
        var pairs: [(Int32, Int32)] = [(0, 0)]
        var out = DFA(classOf: classOf, classCount: classCount, next: [], accepting: [], calls: [])
        var i = 0
        while i < pairs.count {
            let (x, y) = pairs[i]
            i += 1
            out.accepting.append(a.accepting[Int(x)] && b.accepting[Int(y)])
            out.calls.append([])
            for (ca, cb) in classPairs {
                let tx = a.next[Int(x) * a.classCount + ca]
                let ty = b.next[Int(y) * b.classCount + cb]
                guard tx >= 0, ty >= 0 else {
                    out.next.append(-1)
                    continue
                }
                let key = Int64(tx) << 32 | Int64(ty)
                if let id = ids[key] {
                    out.next.append(id)
                } else {
                    if pairs.count >= limit {
                        throw .tooComplex("intersecting string constraints needs more than \(limit) states")
                    }
                    let id = Int32(pairs.count)
                    ids[key] = id
                    pairs.append((tx, ty))
                    out.next.append(id)
                }
            }
        }
        return out.trimmed().map(Minimizer.minimize)
    }
}
