import Tokenizers
import XCTest

/// Special-token partition, BOS/EOS, end-of-generation and construction errors on synthetic vocabularies.
final class SpecialTokenTests: XCTestCase {
    // ids: 0...255 bytes, 256 "<a>", 257 "<a><b>", 258 "<u>" (user-defined), 259 "ab", 260 "bcd"
    private func tokenizer() throws -> Tokenizer {
        try Tokenizer(vocabulary: Synthetic.vocabulary(
            tokens: Synthetic.byteTokens(), merges: [],
            special: [("<a>", 3), ("<a><b>", 3), ("<u>", 4), ("ab", 3), ("bcd", 3)]))
    }

    func testSpecialTokensAreSplitOutLongestFirst() throws {
        let tok = try tokenizer()
        XCTAssertEqual(tok.encode("x<a><b>y"), [120, 257, 121])
        XCTAssertEqual(tok.encode("<a>x<a>"), [256, 120, 256])
        XCTAssertEqual(tok.encode("<a><b><a>"), [257, 256])
        // The longer token wins even though the shorter one starts earlier (tokenizer_st_partition order).
        XCTAssertEqual(tok.encode("abcd"), [97, 260])
        XCTAssertEqual(tok.encode("abab"), [259, 259])
    }

    func testLiteralRangesKeepControlTokenTextOrdinary() throws {
        let tok = try tokenizer()
        // "x<a>y<a>": the second "<a>" (bytes 5..<8) lies in a literal range, as message content does in a prompt.
        XCTAssertEqual(tok.encode("x<a>y<a>", literalRanges: [5..<8]), [120, 256, 121, 60, 97, 62])
        // A match that only overlaps a literal range is not recognized either; user-defined tokens still are.
        XCTAssertEqual(tok.encode("<a><u>", literalRanges: [2..<3]), [60, 97, 62, 258])
        XCTAssertEqual(tok.encode("<a><u>", literalRanges: []), [256, 258])
        // Where "<a><b>" spans into a literal range, the earlier "<a>" alone is still the template's.
        XCTAssertEqual(tok.encode("<a><b>", literalRanges: [3..<6]), [256, 60, 98, 62])
    }

    func testControlTokenOccurrences() throws {
        let tok = try tokenizer()
        let found = tok.controlTokenOccurrences(in: "é<a><b>x<u><a>")
        XCTAssertEqual(found.map(\.range), [2..<8, 12..<15])
        XCTAssertEqual(found.map(\.id), [257, 256], "user-defined <u> is not a control token")
        XCTAssertEqual(tok.tokenText(257), "<a><b>")
    }

    func testWithoutParseSpecialControlTokensAreText() throws {
        let tok = try tokenizer()
        XCTAssertEqual(tok.encode("x<a>y", parseSpecial: false), [120, 60, 97, 62, 121])
        // User-defined tokens are still split out, as in llama.cpp.
        XCTAssertEqual(tok.encode("x<u>", parseSpecial: false), [120, 258])
        XCTAssertEqual(tok.decode([120, 256, 258]), "x<a><u>")
        XCTAssertEqual(tok.decode([120, 256, 258], skipSpecial: true), "x<u>")
    }

    func testAddSpecialUsesMetadataFlags() throws {
        let vocab = Synthetic.vocabulary(tokens: Synthetic.byteTokens(), merges: [],
                                         special: [("<s>", 3), ("</s>", 3)], roles: [.bos: 256, .eos: 257],
                                         addBOS: true, addEOS: true)
        let tok = try Tokenizer(vocabulary: vocab)
        XCTAssertEqual(tok.encode("a", addSpecial: true), [256, 97, 257])
        XCTAssertEqual(tok.encode("a"), [97])
        XCTAssertEqual(tok.encode("", addSpecial: true), [256, 257])
        XCTAssertEqual(tok.bosID, 256)
        XCTAssertEqual(tok.eosID, 257)
        XCTAssertTrue(tok.isEndOfGeneration(257))
        XCTAssertFalse(tok.isEndOfGeneration(256))
    }

    func testLlama3AddsBOSByDefault() throws {
        let withBOS = Synthetic.vocabulary(pre: "llama-bpe", tokens: Synthetic.byteTokens(), merges: [],
                                           special: [("<|begin_of_text|>", 3)], roles: [.bos: 256])
        let tok = try Tokenizer(vocabulary: withBOS)
        XCTAssertTrue(tok.addBOS)
        XCTAssertEqual(tok.encode("a", addSpecial: true), [256, 97])

        let noBOS = Synthetic.vocabulary(pre: "llama-bpe", tokens: Synthetic.byteTokens(), merges: [])
        XCTAssertThrowsError(try Tokenizer(vocabulary: noBOS)) { error in
            XCTAssertEqual(error as? TokenizerError, .missingMetadata("tokenizer.ggml.bos_token_id"))
        }
    }

    func testEndOfGenerationIncludesControlLookingTokens() throws {
        // "<|im_end|>" stored as a normal token is forced to control and ends generation, as in llama.cpp.
        let vocab = Synthetic.vocabulary(tokens: Synthetic.byteTokens(), merges: [],
                                         special: [("<|im_end|>", 1), ("<|eot_id|>", 3), ("<x>", 3)],
                                         roles: [.eos: 258])
        let tok = try Tokenizer(vocabulary: vocab)
        XCTAssertEqual(tok.endOfGenerationIDs, [256, 257, 258])
        XCTAssertTrue(tok.isControl(256))
        XCTAssertEqual(tok.encode("a<|im_end|>"), [97, 256])
    }

    func testUnknownPreTokenizerIsAnErrorNamingIt() {
        let vocab = Synthetic.vocabulary(pre: "foo", tokens: Synthetic.byteTokens(), merges: [])
        XCTAssertThrowsError(try Tokenizer(vocabulary: vocab)) { error in
            XCTAssertEqual(error as? TokenizerError, .unsupportedPreTokenizer("foo"))
            XCTAssertTrue("\(error)".contains("'foo'"), "\(error)")
        }
    }

    func testUnknownModelIsAnErrorNamingIt() {
        var vocab = Synthetic.vocabulary(tokens: Synthetic.byteTokens(), merges: [])
        vocab.model = "llama"
        XCTAssertThrowsError(try Tokenizer(vocabulary: vocab)) { error in
            XCTAssertEqual(error as? TokenizerError, .unsupportedModel("llama"))
            XCTAssertTrue("\(error)".contains("'llama'"), "\(error)")
        }
    }

    func testDuplicateTokensAreRejected() {
        let vocab = Synthetic.vocabulary(tokens: Synthetic.byteTokens(plus: ["a"]), merges: [])
        XCTAssertThrowsError(try Tokenizer(vocabulary: vocab)) { error in
            XCTAssertEqual(error as? TokenizerError, .duplicateToken("a", first: 97, second: 256))
        }
    }

    func testCleanSpacesForGPT2Detokenization() throws {
        let bytes = { (s: String) in Array(s.utf8).map(Int32.init) }
        let gpt2 = try Tokenizer(vocabulary: Synthetic.vocabulary(tokens: Synthetic.byteTokens(), merges: []))
        // llama.cpp's clean_spaces: " ," " ." " 's" " 're" lose the space, " ' " loses both, " 't" keeps it.
        XCTAssertEqual(gpt2.decode(bytes("a , b . it 's we 're x ' y don 't")), "a, b. it's we're x'y don 't")
        let smollm = try Tokenizer(vocabulary: Synthetic.vocabulary(pre: "smollm", tokens: Synthetic.byteTokens(), merges: []))
        XCTAssertEqual(smollm.decode(bytes("a , b 's")), "a , b 's")
    }
}
