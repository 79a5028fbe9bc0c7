/// Splits text around special tokens the way llama.cpp's `tokenizer_st_partition` does.
///
/// llama.cpp takes the special tokens longest first and, for each, cuts every non-overlapping
/// occurrence out of the text fragments still unclaimed, left to right. A longer token therefore
/// wins over a shorter one even when the shorter one starts earlier. This finds all candidate
/// occurrences in one trie pass and then replays that order.
struct SpecialTokenMatcher: Sendable {
    /// A piece of the input: raw text (a byte range) or a special token.
    enum Fragment: Equatable {
        case text(Range<Int>)
        case token(Int32)
    }

    /// Special tokens in llama.cpp's processing order: text length descending (ties by id).
    private let ids: [Int32]
    private let lengths: [Int]
    /// Control and unknown tokens are only split out when parsing specials; user-defined ones always are.
    private let needsParseSpecial: [Bool]
    /// Trie over token bytes: (node << 8 | byte) → child node; node 0 is the root.
    private let children: [Int: Int32]
    /// The order index of the token ending at each node, or -1.
    private let terminal: [Int32]
    private let firstByte: [Bool]
    /// Special token id → the byte length of its text.
    private let textLengths: [Int32: Int]

    /// The byte length of special token `id`'s text (0 for other ids).
    func textLength(of id: Int32) -> Int { textLengths[id] ?? 0 }

    init(tokens: [String], attributes: [TokenAttributes]) {
        let special = tokens.indices.filter {
            !attributes[$0].isDisjoint(with: [.control, .userDefined, .unknown])
        }
        let order = special.sorted { a, b in
            let la = tokens[a].utf8.count, lb = tokens[b].utf8.count
            return la != lb ? la > lb : a < b
        }
        var children: [Int: Int32] = [:]
        var terminal: [Int32] = [-1]
        var first = [Bool](repeating: false, count: 256)
        for (k, id) in order.enumerated() {
            var node = 0
            for b in tokens[id].utf8 {
                let key = node << 8 | Int(b)
                if let c = children[key] {
                    node = Int(c)
                } else {
                    terminal.append(-1)
                    let c = terminal.count - 1
                    children[key] = Int32(c)
                    node = c
                }
            }
            if let b = tokens[id].utf8.first { first[Int(b)] = true }
            if terminal[node] < 0 { terminal[node] = Int32(k) }
        }
        ids = order.map { Int32($0) }
        lengths = order.map { tokens[$0].utf8.count }
        textLengths = Dictionary(uniqueKeysWithValues: order.map { (Int32($0), tokens[$0].utf8.count) })
        needsParseSpecial = order.map { !attributes[$0].isDisjoint(with: [.control, .unknown]) }
        self.children = children
        self.terminal = terminal
        firstByte = first
    }

    /// The fragments of `bytes` in order. Within `literal` (sorted, disjoint byte ranges) tokens that need
    /// `parseSpecial` are not recognized, as if it were off there: a match must lie wholly outside them.
    func partition(_ bytes: UnsafeBufferPointer<UInt8>, parseSpecial: Bool, literal: [Range<Int>] = []) -> [Fragment] {
        let n = bytes.count
        guard n > 0 else { return [] }
        // literalBefore[i]: literal bytes before position i, so a match's overlap with `literal` is one subtraction.
        var literalBefore: [Int32] = []
        if parseSpecial && !literal.isEmpty {
            literalBefore = [Int32](repeating: 0, count: n + 1)
            var isLiteral = [Bool](repeating: false, count: n)
            for r in literal { for j in r.clamped(to: 0..<n) { isLiteral[j] = true } }
            for j in 0..<n { literalBefore[j + 1] = literalBefore[j] + (isLiteral[j] ? 1 : 0) }
        }
        // Every (order index, position) at which some special token occurs.
        var found: [(order: Int32, pos: Int)] = []
        if !ids.isEmpty {
            for pos in 0..<n where firstByte[Int(bytes[pos])] {
                var node = 0
                var p = pos
                while p < n, let c = children[node << 8 | Int(bytes[p])] {
                    node = Int(c)
                    p += 1
                    let k = terminal[node]
                    guard k >= 0 else { continue }
                    if !needsParseSpecial[Int(k)] {
                        found.append((k, pos))
                    } else if parseSpecial && (literalBefore.isEmpty || literalBefore[p] == literalBefore[pos]) {
                        found.append((k, pos))
                    }
                }
            }
        }
        guard !found.isEmpty else { return [.text(0..<n)] }
        found.sort { $0.order != $1.order ? $0.order < $1.order : $0.pos < $1.pos }

        var claimed = [Bool](repeating: false, count: n)
        var accepted: [(pos: Int, order: Int32)] = []
        var i = 0
        while i < found.count {
            let k = found[i].order
            let len = lengths[Int(k)]
            var cursor = 0  // a match resumes the search after its end (std::string_view::find)
            while i < found.count && found[i].order == k {
                let p = found[i].pos
                i += 1
                guard p >= cursor, !claimed[p..<(p + len)].contains(true) else { continue }
                for j in p..<(p + len) { claimed[j] = true }
                accepted.append((p, k))
                cursor = p + len
            }
        }
        accepted.sort { $0.pos < $1.pos }

        var fragments: [Fragment] = []
        var at = 0
        for a in accepted {
            if a.pos > at { fragments.append(.text(at..<a.pos)) }
            fragments.append(.token(ids[Int(a.order)]))
            at = a.pos + lengths[Int(a.order)]
        }
        if at < n { fragments.append(.text(at..<n)) }
        return fragments
    }
}
