/// Hopcroft's partition refinement: merges the states of a DFA that no input can tell apart. Subset construction
/// leaves many such twins (the tails of UTF-8 sequences and escapes, whitespace after equivalent members), and
/// every state counts twice: in the tables and as a mask to compute. Call edges are symbols of their own (one per
/// callee), so states differing only in what they call stay apart.
enum Minimizer {
    static func minimize(_ dfa: DFA) -> DFA {
        let n = dfa.stateCount + 1  // the last state is an explicit sink for missing edges
        let sink = n - 1
        var callees: [Int32] = []
        for list in dfa.calls { for c in list where !callees.contains(c.rule) { callees.append(c.rule) } }
        callees.sort()
        let k = dfa.classCount + callees.count
        guard n > 1, k > 0 else { return dfa }

        // delta[s * k + a]
        var delta = [Int32](repeating: Int32(sink), count: n * k)
        for s in 0..<dfa.stateCount {
            for c in 0..<dfa.classCount {
                let t = dfa.next[s * dfa.classCount + c]
                if t >= 0 { delta[s * k + c] = t }
            }
            for call in dfa.calls[s] {
                if let a = callees.firstIndex(of: call.rule) { delta[s * k + dfa.classCount + a] = call.to }
            }
        }
        // Predecessors by symbol: inverse[inverseStart[a * (n + 1) + t] ..< inverseStart[a * (n + 1) + t + 1]].
        var inverseStart = [Int32](repeating: 0, count: k * (n + 1) + 1)
        for s in 0..<n { for a in 0..<k { inverseStart[a * (n + 1) + Int(delta[s * k + a]) + 1] += 1 } }
        for i in 0..<(inverseStart.count - 1) { inverseStart[i + 1] += inverseStart[i] }
        var fill = inverseStart
        var inverse = [Int32](repeating: 0, count: n * k)
        for s in 0..<n {
            for a in 0..<k {
                let slot = a * (n + 1) + Int(delta[s * k + a])
                inverse[Int(fill[slot])] = Int32(s)
                fill[slot] += 1
            }
        }

        // The partition: block b holds elements[first[b]..<end[b]]; the first marked[b] of them are marked. At
        // most n blocks, so every array is allocated once and the loop runs on raw buffers.
        var elements: [Int32] = []
        var blockOf = [Int32](repeating: 0, count: n)
        var first = [Int32](repeating: 0, count: n)
        var end = [Int32](repeating: 0, count: n)
        var blockCount = 0
        for accepting in [true, false] {
            let members = (0..<n).filter { ($0 != sink && dfa.accepting[$0]) == accepting }
            if members.isEmpty { continue }
            first[blockCount] = Int32(elements.count)
            for m in members { blockOf[m] = Int32(blockCount) }
            elements += members.map(Int32.init)
            end[blockCount] = Int32(elements.count)
            blockCount += 1
        }
        var location = [Int32](repeating: 0, count: n)
        for (i, e) in elements.enumerated() { location[Int(e)] = Int32(i) }
        var marked = [Int32](repeating: 0, count: n)
        var queued = [Bool](repeating: false, count: n)
        var work: [Int32] = []
        for b in 0..<blockCount {
            queued[b] = true
            work.append(Int32(b))
        }
        var touched: [Int32] = []
        var members: [Int32] = []

        elements.withUnsafeMutableBufferPointer { elements in
        blockOf.withUnsafeMutableBufferPointer { blockOf in
        first.withUnsafeMutableBufferPointer { first in
        end.withUnsafeMutableBufferPointer { end in
        location.withUnsafeMutableBufferPointer { location in
        marked.withUnsafeMutableBufferPointer { marked in
        queued.withUnsafeMutableBufferPointer { queued in
        inverseStart.withUnsafeBufferPointer { inverseStart in
        inverse.withUnsafeBufferPointer { inverse in
            while let splitter = work.popLast() {
                queued[Int(splitter)] = false
                members.removeAll(keepingCapacity: true)
                for i in Int(first[Int(splitter)])..<Int(end[Int(splitter)]) { members.append(elements[i]) }
                for a in 0..<k {
                    let base = a * (n + 1)
                    for t in members {
                        let slot = base + Int(t)
                        for i in Int(inverseStart[slot])..<Int(inverseStart[slot + 1]) {
                            let s = Int(inverse[i])
                            let b = Int(blockOf[s])
                            let boundary = Int(first[b] + marked[b])
                            let at = Int(location[s])
                            if at < boundary { continue }  // already marked
                            let other = elements[boundary]
                            elements[boundary] = Int32(s)
                            elements[at] = other
                            location[s] = Int32(boundary)
                            location[Int(other)] = Int32(at)
                            if marked[b] == 0 { touched.append(Int32(b)) }
                            marked[b] += 1
                        }
                    }
                    for b32 in touched {
                        let b = Int(b32)
                        if first[b] + marked[b] == end[b] {
                            marked[b] = 0
                            continue
                        }
                        // The marked part becomes a new block.
                        let new = blockCount
                        blockCount += 1
                        first[new] = first[b]
                        end[new] = first[b] + marked[b]
                        first[b] = end[new]
                        marked[b] = 0
                        for i in Int(first[new])..<Int(end[new]) { blockOf[Int(elements[i])] = Int32(new) }
                        // Hopcroft: a queued block's halves both get queued, otherwise only the smaller one.
                        if queued[b] || end[new] - first[new] <= end[b] - first[b] {
                            queued[new] = true
                            work.append(Int32(new))
                        } else {
                            queued[b] = true
                            work.append(b32)
                        }
                    }
                    touched.removeAll(keepingCapacity: true)
                }
            }
        }}}}}}}}}

        // Renumber the blocks breadth-first from the start's; the sink's block becomes "no edge".
        var newID = [Int32](repeating: -1, count: blockCount)
        var order: [Int] = []
        newID[Int(blockOf[0])] = 0
        order.append(Int(blockOf[0]))
        var i = 0
        while i < order.count {
            let representative = Int(elements[Int(first[order[i]])])
            i += 1
            for a in 0..<k {
                let t = Int(delta[representative * k + a])
                if t == sink { continue }
                let b = Int(blockOf[t])
                if newID[b] < 0 {
                    newID[b] = Int32(order.count)
                    order.append(b)
                }
            }
        }
        var out = DFA(classOf: dfa.classOf, classCount: dfa.classCount, next: [], accepting: [], calls: [])
        out.next.reserveCapacity(order.count * dfa.classCount)
        for b in order {
            let r = Int(elements[Int(first[b])])
            for c in 0..<dfa.classCount {
                let t = Int(delta[r * k + c])
                out.next.append(t == sink ? -1 : newID[Int(blockOf[t])])
            }
            out.accepting.append(dfa.accepting[r])
            out.calls.append(dfa.calls[r].map { ($0.rule, newID[Int(blockOf[Int($0.to)])]) })
        }
        return out
    }
}
