/// A model's vocabulary as the mask computation needs it, built once per model and shared: every token's bytes,
/// and the tokens a document can contain (neither control nor end-of-generation, and not empty) in a byte trie
/// laid out in preorder, so a walk can skip a whole subtree in one step.
public final class TokenVocabularyIndex: Sendable {
    public let vocabularySize: Int
    /// `UInt64` words in a mask: (vocabularySize + 63) / 64.
    public var wordCount: Int { (vocabularySize + 63) / 64 }
    public let endOfGeneration: [Int32]
    /// The token's bytes are `bytes[byteStart[id]..<byteStart[id + 1]]`.
    let byteStart: [Int32]
    let bytes: [UInt8]
    /// Tokens that may appear inside a document (the trie's tokens).
    let documentTokens: [UInt64]
    let documentTokenCount: Int
    // The trie, one entry per node in preorder (the root is implicit).
    let nodeByte: [UInt8]
    let nodeDepth: [Int32]
    /// One past the node's subtree.
    let nodeEnd: [Int32]
    /// Tokens ending at node n: `nodeTokens[nodeTokenStart[n]..<nodeTokenStart[n + 1]]`; a subtree's tokens are
    /// contiguous too.
    let nodeTokenStart: [Int32]
    let nodeTokens: [Int32]
    let maxDepth: Int

    /// A vocabulary of no tokens: for matching bytes only.
    public static let empty = TokenVocabularyIndex(tokenBytes: [], endOfGeneration: [], control: [])

    /// `tokenBytes[id]` is what token `id` decodes to. End-of-generation tokens are allowed exactly when the
    /// document is complete; other control tokens never.
    public init(tokenBytes: [[UInt8]], endOfGeneration: Set<Int32>, control: Set<Int32>) {
        vocabularySize = tokenBytes.count
        self.endOfGeneration = endOfGeneration.filter { $0 >= 0 && Int($0) < tokenBytes.count }.sorted()
        var starts: [Int32] = [0]
        var flat: [UInt8] = []
        for t in tokenBytes {
            flat += t
            starts.append(Int32(flat.count))
        }
        byteStart = starts
        bytes = flat
        var ids: [Int32] = []
        var document = [UInt64](repeating: 0, count: (tokenBytes.count + 63) / 64)
        for (i, t) in tokenBytes.enumerated() where !t.isEmpty {
            let id = Int32(i)
            if endOfGeneration.contains(id) || control.contains(id) { continue }
            ids.append(id)
            document[i >> 6] |= 1 << UInt64(i & 63)
        }
        documentTokens = document
        documentTokenCount = ids.count
        ids.sort { a, b in
            let x = tokenBytes[Int(a)]
            let y = tokenBytes[Int(b)]
            return x.lexicographicallyPrecedes(y) || (x == y && a < b)
        }
        var nodeByte: [UInt8] = []
        var nodeDepth: [Int32] = []
        var tokenNode: [Int32] = []
        var path: [Int32] = []
        var previous: [UInt8] = []
        for id in ids {
            let t = tokenBytes[Int(id)]
            var common = 0
            while common < min(t.count, previous.count), t[common] == previous[common] { common += 1 }
            path.removeLast(path.count - common)
            for d in common..<t.count {
                nodeByte.append(t[d])
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
        self.nodeTokenStart = tokenStart
        self.nodeTokens = ids
        self.maxDepth = Int(nodeDepth.max() ?? 0)
    }

    /// Token `id`'s bytes (empty outside the vocabulary).
    func tokenBytes(_ id: Int32) -> ArraySlice<UInt8> {
        guard id >= 0, Int(id) < vocabularySize else { return [] }
        return bytes[Int(byteStart[Int(id)])..<Int(byteStart[Int(id) + 1])]
    }

    func isDocumentToken(_ id: Int32) -> Bool {
        id >= 0 && Int(id) < vocabularySize && documentTokens[Int(id) >> 6] & (1 << UInt64(id & 63)) != 0
    }

    func isEndOfGeneration(_ id: Int32) -> Bool { endOfGeneration.contains(id) }

    /// Trie nodes (for statistics and benchmarks).
    public var trieNodeCount: Int { nodeByte.count }
}
