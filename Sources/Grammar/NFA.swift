/// Counts one compilation's work against `GrammarLimits`, as it happens.
final class CompileBudget {
    private(set) var automatonStates = 0
    private(set) var schemaNodes = 0

    func addAutomatonState() throws(GrammarError) {
        automatonStates += 1
        if automatonStates > GrammarLimits.maxAutomatonStates {
            throw .tooComplex("more than \(GrammarLimits.maxAutomatonStates) automaton states")
        }
    }

    func addSchemaNode() throws(GrammarError) {
        schemaNodes += 1
        if schemaNodes > GrammarLimits.maxSchemaNodes {
            throw .tooComplex("more than \(GrammarLimits.maxSchemaNodes) schema nodes after $ref expansion")
        }
    }
}

/// A piece of automaton with one entry and one exit state (Thompson's construction).
struct Fragment {
    var start: Int32
    var end: Int32
}

/// A nondeterministic automaton over bytes with epsilon edges and rule calls: the body of one grammar rule, or a
/// call-free lexical automaton (a pattern, a string's length) before it is determinized.
struct NFA {
    private(set) var edges: [[(set: ByteSet, to: Int32)]] = []
    private(set) var epsilons: [[Int32]] = []
    private(set) var calls: [[(rule: Int32, to: Int32)]] = []
    let budget: CompileBudget
    /// A cap of its own (a pattern's `maxRegexStates`), besides the shared budget.
    let localLimit: Int?

    init(budget: CompileBudget, localLimit: Int? = nil) {
        self.budget = budget
        self.localLimit = localLimit
    }

    var stateCount: Int { edges.count }

    mutating func newState() throws(GrammarError) -> Int32 {
        try budget.addAutomatonState()
        if let limit = localLimit, edges.count >= limit {
            throw .tooComplex("a pattern or string constraint needs more than \(limit) automaton states")
        }
        edges.append([])
        epsilons.append([])
        calls.append([])
        return Int32(edges.count - 1)
    }

    mutating func edge(_ from: Int32, _ set: ByteSet, _ to: Int32) {
        if set.isEmpty { return }
        edges[Int(from)].append((set, to))
    }

    mutating func epsilon(_ from: Int32, _ to: Int32) {
        if from != to { epsilons[Int(from)].append(to) }
    }

    mutating func call(_ from: Int32, rule: Int32, _ to: Int32) {
        calls[Int(from)].append((rule, to))
    }

    /// A single state: matches the empty string.
    mutating func empty() throws(GrammarError) -> Fragment {
        let s = try newState()
        return Fragment(start: s, end: s)
    }

    mutating func set(_ set: ByteSet) throws(GrammarError) -> Fragment {
        let s = try newState()
        let e = try newState()
        edge(s, set, e)
        return Fragment(start: s, end: e)
    }

    mutating func bytes(_ bytes: [UInt8]) throws(GrammarError) -> Fragment {
        let start = try newState()
        var at = start
        for b in bytes {
            let next = try newState()
            edge(at, ByteSet(b), next)
            at = next
        }
        return Fragment(start: start, end: at)
    }

    mutating func literal(_ text: String) throws(GrammarError) -> Fragment { try bytes(Array(text.utf8)) }

    mutating func callFragment(rule: Int32) throws(GrammarError) -> Fragment {
        let s = try newState()
        let e = try newState()
        call(s, rule: rule, e)
        return Fragment(start: s, end: e)
    }

    mutating func sequence(_ parts: [Fragment]) throws(GrammarError) -> Fragment {
        guard let first = parts.first else { return try empty() }
        var end = first.end
        for part in parts.dropFirst() {
            epsilon(end, part.start)
            end = part.end
        }
        return Fragment(start: first.start, end: end)
    }

    mutating func alternation(_ options: [Fragment]) throws(GrammarError) -> Fragment {
        if options.count == 1 { return options[0] }
        let s = try newState()
        let e = try newState()
        for o in options {
            epsilon(s, o.start)
            epsilon(o.end, e)
        }
        return Fragment(start: s, end: e)
    }

    /// `make` repeated `min...max` times (unbounded when `max` is nil), each copy built afresh. Nil when the
    /// element matches nothing and at least one copy is needed.
    mutating func repetition(min: Int, max: Int?,
                             _ make: (inout NFA) throws(GrammarError) -> Fragment?) throws(GrammarError) -> Fragment? {
        let copies = max ?? min
        if copies > GrammarLimits.maxRepetition || min > GrammarLimits.maxRepetition {
            throw .tooComplex("a repetition of more than \(GrammarLimits.maxRepetition) copies")
        }
        let start = try newState()
        var at = start
        for _ in 0..<min {
            guard let f = try make(&self) else { return nil }
            epsilon(at, f.start)
            at = f.end
        }
        let end = try newState()
        epsilon(at, end)
        if let max {
            // Each optional copy may be the last: its end leads straight out, so no epsilon chain grows with
            // max - min (closures stay small when determinizing).
            for _ in min..<max {
                guard let f = try make(&self) else { break }
                epsilon(at, f.start)
                epsilon(f.end, end)
                at = f.end
            }
        } else if let f = try make(&self) {
            epsilon(at, f.start)
            epsilon(f.end, f.start)
            epsilon(f.end, end)
        }
        return Fragment(start: start, end: end)
    }
}
