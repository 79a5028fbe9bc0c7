/// Token byte strings in a trie laid out in preorder (the root is implicit), so a walk can skip a whole subtree in
/// one step; a subtree's tokens are contiguous in `tokens`.
struct TokenTrie: Sendable {
    let nodeByte: [UInt8]
    let nodeDepth: [Int32]
    /// One past the node's subtree.
    let nodeEnd: [Int32]
    /// Tokens ending at node n: `tokens[tokenStart[n]..<tokenStart[n + 1]]`.
    let tokenStart: [Int32]
    let tokens: [Int32]
    let maxDepth: Int

    init(ids: [Int32], bytes: (Int32) -> ArraySlice<UInt8>) {
        let sorted = ids.sorted { a, b in
            let x = bytes(a)
            let y = bytes(b)
            return x.lexicographicallyPrecedes(y) || (x == y && a < b)
        }
        var nodeByte: [UInt8] = []
        var nodeDepth: [Int32] = []
        var tokenNode: [Int32] = []
        var path: [Int32] = []
        var previous: ArraySlice<UInt8> = []
        for id in sorted {
            let t = bytes(id)
            var common = 0
            while common < min(t.count, previous.count),
                  t[t.startIndex + common] == previous[previous.startIndex + common] { common += 1 }
            path.removeLast(path.count - common)
            for d in common..<t.count {
                nodeByte.append(t[t.startIndex + d])
                nodeDepth.append(Int32(d + 1))
                path.append(Int32(nodeByte.count - 1))
            }
            tokenNode.append(path[t.count - 1])
            previous = t
        }
        var nodeEnd = [Int32](repeating: Int32(nodeByte.count), count: nodeByte.count)
        var open: [Int] = []
        for i in 0..<nodeByte.count {
            while let last = open.last, nodeDepth[last] >= nodeDepth[i] {
                nodeEnd[last] = Int32(i)
                open.removeLast()
            }
            open.append(i)
        }
        var tokenStart = [Int32](repeating: 0, count: nodeByte.count + 1)
        for n in tokenNode { tokenStart[Int(n) + 1] += 1 }
        for i in 0..<nodeByte.count { tokenStart[i + 1] += tokenStart[i] }
        self.nodeByte = nodeByte
        self.nodeDepth = nodeDepth
        self.nodeEnd = nodeEnd
        self.tokenStart = tokenStart
        self.tokens = sorted
        self.maxDepth = Int(nodeDepth.max() ?? 0)
    }
}
