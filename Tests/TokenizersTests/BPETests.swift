import Tokenizers
import XCTest

/// BPE merge order on tiny synthetic vocabularies (ids 0...255 are the single bytes).
final class BPETests: XCTestCase {
    private func tokenizer(extra: [String], merges: [(String, String)]) throws -> Tokenizer {
        try Tokenizer(vocabulary: Synthetic.vocabulary(
            tokens: Synthetic.byteTokens(plus: extra), merges: merges))
    }

    func testLowestRankMergesFirst() throws {
        let abFirst = try tokenizer(extra: ["ab", "bc"], merges: [("a", "b"), ("b", "c")])
        XCTAssertEqual(abFirst.encode("abc"), [256, 99])  // "ab" "c"
        let bcFirst = try tokenizer(extra: ["ab", "bc"], merges: [("b", "c"), ("a", "b")])
        XCTAssertEqual(bcFirst.encode("abc"), [97, 257])  // "a" "bc"
    }

    func testEqualRanksMergeLeftmostFirst() throws {
        let tok = try tokenizer(extra: ["aa"], merges: [("a", "a")])
        XCTAssertEqual(tok.encode("aaa"), [256, 97])
        XCTAssertEqual(tok.encode("aaaa"), [256, 256])
        XCTAssertEqual(tok.encode("aaaaa"), [256, 256, 97])
    }

    func testMergesChainThroughIntermediateSymbols() throws {
        let tok = try tokenizer(extra: ["ab", "cd", "abcd"], merges: [("c", "d"), ("a", "b"), ("ab", "cd")])
        XCTAssertEqual(tok.encode("abcd"), [258])
        XCTAssertEqual(tok.encode("abc"), [256, 99])
        XCTAssertEqual(tok.encode("bcd"), [98, 257])
    }

    func testUnrankedPairsStaySplit() throws {
        let tok = try tokenizer(extra: ["ab"], merges: [("a", "b")])
        XCTAssertEqual(tok.encode("ba"), [98, 97])
        XCTAssertEqual(tok.encode(""), [])
    }

    func testMergeResultOutsideVocabularyFallsBackLikeLlamaCpp() throws {
        // "xy" is a merge result but not a token; "xyz" is both.
        let tok = try tokenizer(extra: ["xyz"], merges: [("x", "y"), ("xy", "z")])
        XCTAssertEqual(tok.encode("xyz"), [256])
        // llama.cpp then emits one token per byte of the symbol's byte-level text that is a token itself.
        XCTAssertEqual(tok.encode("xy"), [120, 121])
        // For non-ASCII bytes those one-byte texts are never tokens, so llama.cpp drops them.
        let raw = try Tokenizer(vocabulary: TokenizerVocabulary(
            pre: "gpt-2", tokens: Synthetic.byteTokens(),
            merges: [Synthetic.byteLevel([0xC3]) + " " + Synthetic.byteLevel([0xA9])]))
        XCTAssertEqual(raw.encode("é"), [])
        XCTAssertEqual(raw.encode("è"), [0xC3, 0xA8], "unmerged bytes are their own tokens")
    }

    func testMultibyteCharactersMergeFromBytes() throws {
        let tok = try Tokenizer(vocabulary: TokenizerVocabulary(
            pre: "gpt-2", tokens: Synthetic.byteTokens(plus: ["é", " é"]),
            merges: [Synthetic.byteLevel([0xC3]) + " " + Synthetic.byteLevel([0xA9]),
                     Synthetic.byteLevel(" ") + " " + Synthetic.byteLevel("é")]))
        XCTAssertEqual(tok.encode("é é"), [256, 257])
        XCTAssertEqual(tok.decode([256, 257]), "é é")
        XCTAssertEqual(tok.tokenPieceBytes(0xC3), [0xC3])
    }

    func testLlama3UsesWholeWordTokensBeforeMerging() throws {
        // With ignore_merges (llama-bpe) a word that is a token is taken as is, even if merges would split it.
        let vocab = { (pre: String) in
            Synthetic.vocabulary(pre: pre, tokens: Synthetic.byteTokens(plus: ["ab", "abc", "bc"]),
                                 merges: [("b", "c"), ("a", "b")],
                                 special: [("<s>", 3)], roles: [.bos: 259])
        }
        XCTAssertEqual(try Tokenizer(vocabulary: vocab("llama-bpe")).encode("abc"), [257])
        XCTAssertEqual(try Tokenizer(vocabulary: vocab("qwen2")).encode("abc"), [97, 258])
    }
}
