import Tokenizers
import XCTest

/// Token ids, pieces and detokenized text of the real models' tokenizers must equal llama.cpp's for every fixture case.
final class TokenizerFixtureTests: XCTestCase {
    func testSmolLM2MatchesLlamaCpp() throws {
        try check(model: ModelTokenizers.smolLM2, fixture: "smollm2")
    }

    func testQwenCoderMatchesLlamaCpp() throws {
        try check(model: ModelTokenizers.qwenCoder, fixture: "qwen2.5-coder-0.5b")
    }

    private func check(model: String, fixture name: String) throws {
        let tok = try ModelTokenizers.tokenizer(model)
        let fixture = try TokenizerFixture.load(name)
        let meta = fixture.tokenizer
        XCTAssertEqual(tok.vocabularySize, meta.vocab_size)
        XCTAssertEqual(tok.bosID, meta.bos_token_id)
        XCTAssertEqual(tok.eosID, meta.eos_token_id)
        XCTAssertEqual(tok.addBOS, meta.add_bos_token)
        XCTAssertEqual(tok.addEOS, meta.add_eos_token)
        XCTAssertEqual(tok.preTokenizer, PreTokenizer(ggufName: meta.pre))
        XCTAssertFalse(fixture.cases.isEmpty)

        var passed = 0
        for c in fixture.cases {
            let ids = tok.encode(c.text, addSpecial: c.add_special, parseSpecial: c.parse_special)
            XCTAssertEqual(ids, c.ids, "\(name): ids of \(c.label)")
            XCTAssertEqual(c.ids.map(tok.tokenPieceBytes), c.pieces.map(\.bytes), "\(name): pieces of \(c.label)")
            XCTAssertEqual(tok.decode(c.ids), c.detokenized, "\(name): decode of \(c.label)")
            XCTAssertEqual(tok.decode(ids), c.text, "\(name): decode(encode) of \(c.label)")
            if ids == c.ids && tok.decode(ids) == c.text { passed += 1 }
        }
        XCTAssertEqual(passed, fixture.cases.count, "\(name): cases passing")
    }

    func testSmolLM2SpecialTokens() throws {
        let tok = try ModelTokenizers.tokenizer(ModelTokenizers.smolLM2)
        // <|endoftext|> and <|im_end|> by text, eos 2, and <reponame> as llama.cpp's FIM-repo token.
        XCTAssertEqual(tok.endOfGenerationIDs, [0, 2, 4])
        XCTAssertEqual(tok.id(forToken: "<|im_start|>"), 1)
        XCTAssertTrue(tok.isControl(1))
        XCTAssertFalse(tok.isControl(tok.id(forToken: "Hello") ?? -1))
        XCTAssertEqual(tok.encode("Hi", addSpecial: true), tok.encode("Hi"), "add_bos_token is false")
    }

    func testQwenCoderSpecialTokens() throws {
        let tok = try ModelTokenizers.tokenizer(ModelTokenizers.qwenCoder)
        let eog = tok.endOfGenerationIDs
        // <|endoftext|>, <|im_end|> (eos), and the FIM pad / repo / file-separator tokens.
        for id: Int32 in [151643, 151645, 151662, 151663, 151664] { XCTAssertTrue(eog.contains(id), "\(id)") }
        XCTAssertFalse(eog.contains(151644), "<|im_start|> does not end generation")
        XCTAssertEqual(tok.decode([151644, 872], skipSpecial: true), "user")
        XCTAssertEqual(tok.decode([151644, 872]), "<|im_start|>user")
        // <tool_call> is user-defined: llama.cpp splits it out even when special parsing is off.
        XCTAssertEqual(tok.encode("a<tool_call>", parseSpecial: false).last, 151657)
        XCTAssertEqual(tok.tokenPieceBytes(151665), [], "unused tokens render as nothing")
        XCTAssertEqual(tok.tokenPieceBytes(-1), [])
        XCTAssertEqual(tok.tokenPieceBytes(Int32(tok.vocabularySize)), [])
    }
}
