/// A model's vocabulary as the mask computation needs it, built once per model and shared: every token's bytes,
/// the tokens a document can contain (neither control nor end-of-generation, and not empty) in a byte trie, and
/// the split of those into "plain" tokens (whole characters a JSON string holds unescaped) and the rest, which
/// lets a string body's mask be the plain set plus a walk of the (much smaller) rest.
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
    let trie: TokenTrie
    /// Document tokens made only of whole characters that a JSON string holds unescaped (valid UTF-8, no `"`, `\`
    /// or control character), and the trie of all other document tokens.
    let plainTokens: [UInt64]
    let plainTokenCount: Int
    /// Plain tokens by their length in characters: `plainByLength[n]` holds those of n characters.
    let plainByLength: [[Int32]]
    let nonPlainTrie: TokenTrie

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
        var other: [Int32] = []
        var document = [UInt64](repeating: 0, count: (tokenBytes.count + 63) / 64)
        var plain = document
        var plainCount = 0
        var byLength: [[Int32]] = [[]]
        for (i, t) in tokenBytes.enumerated() where !t.isEmpty {
            let id = Int32(i)
            if endOfGeneration.contains(id) || control.contains(id) { continue }
            ids.append(id)
            document[i >> 6] |= 1 << UInt64(i & 63)
            if let characters = TokenVocabularyIndex.plainCharacters(t) {
                plain[i >> 6] |= 1 << UInt64(i & 63)
                plainCount += 1
                while byLength.count <= characters { byLength.append([]) }
                byLength[characters].append(id)
            } else {
                other.append(id)
            }
        }
        documentTokens = document
        documentTokenCount = ids.count
        plainTokens = plain
        plainTokenCount = plainCount
        plainByLength = byLength
        trie = TokenTrie(ids: ids) { id in flat[Int(starts[Int(id)])..<Int(starts[Int(id) + 1])] }
        nonPlainTrie = TokenTrie(ids: other) { id in flat[Int(starts[Int(id)])..<Int(starts[Int(id) + 1])] }
    }

    /// How many characters `bytes` are when they are whole characters a JSON string holds unescaped (valid
    /// UTF-8, no surrogates or overlong forms, none of them `"`, `\` or below U+0020); nil otherwise.
    static func plainCharacters(_ bytes: [UInt8]) -> Int? {
        var characters = 0
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            if b < 0x80 {
                if b < 0x20 || b == 0x22 || b == 0x5C { return nil }
                i += 1
                characters += 1
                continue
            }
            let (count, low, high): (Int, UInt8, UInt8)
            switch b {
            case 0xC2...0xDF: (count, low, high) = (1, 0x80, 0xBF)
            case 0xE0: (count, low, high) = (2, 0xA0, 0xBF)
            case 0xE1...0xEC, 0xEE...0xEF: (count, low, high) = (2, 0x80, 0xBF)
            case 0xED: (count, low, high) = (2, 0x80, 0x9F)
            case 0xF0: (count, low, high) = (3, 0x90, 0xBF)
            case 0xF1...0xF3: (count, low, high) = (3, 0x80, 0xBF)
            case 0xF4: (count, low, high) = (3, 0x80, 0x8F)
            default: return nil
            }
            // A character cut off by the token's end is not whole.
            if i + count >= bytes.count { return nil }
            if bytes[i + 1] < low || bytes[i + 1] > high { return nil }
            var k = 2
            while k <= count {
                if bytes[i + k] < 0x80 || bytes[i + k] > 0xBF { return nil }
                k += 1
            }
            i += count + 1
            characters += 1
        }
        return characters
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
    public var trieNodeCount: Int { trie.nodeByte.count }
}
