import Tokenizers
import XCTest

/// The streaming detokenizer never splits a UTF-8 character and adds up to the full decode.
final class StreamingDetokenizerTests: XCTestCase {
    /// ids 0...255 are single bytes.
    private func byteTokenizer() throws -> Tokenizer {
        try Tokenizer(vocabulary: Synthetic.vocabulary(pre: "qwen2", tokens: Synthetic.byteTokens(), merges: []))
    }

    func testHoldsBackSplitCharacters() throws {
        var d = StreamingDetokenizer(tokenizer: try byteTokenizer())
        XCTAssertEqual(d.append(0x61), "a")
        XCTAssertEqual(d.append(0xC3), "")
        XCTAssertEqual(d.append(0xA9), "é")
        for b: Int32 in [0xF0, 0x9F, 0x98] { XCTAssertEqual(d.append(b), "") }
        XCTAssertEqual(d.append(0x80), "😀")
        XCTAssertEqual(d.finish(), "")
    }

    func testUnfinishedCharacterBecomesReplacementAtFinish() throws {
        var d = StreamingDetokenizer(tokenizer: try byteTokenizer())
        XCTAssertEqual(d.append(0x62), "b")
        XCTAssertEqual(d.append(0xE4), "")
        XCTAssertEqual(d.append(0xBD), "")
        XCTAssertEqual(d.finish(), "\u{FFFD}")
        XCTAssertEqual(d.finish(), "")
    }

    func testInvalidBytesAreNotHeldBack() throws {
        var d = StreamingDetokenizer(tokenizer: try byteTokenizer())
        XCTAssertEqual(d.append(0xA9), "\u{FFFD}", "a lone continuation byte can never complete")
        XCTAssertEqual(d.append(0xC3), "")
        XCTAssertEqual(d.append(0x41), "\u{FFFD}A")
        XCTAssertEqual(d.append(0xED), "")
        XCTAssertEqual(d.append(0xA0), "\u{FFFD}\u{FFFD}", "surrogate encodings are invalid")
    }

    func testRealModelsStreamMultibyteCases() throws {
        let names: Set = ["emoji", "chinese", "japanese_korean", "mixed_zh_en", "accented", "symbols", "greek_cyrillic"]
        for (model, fixture) in [(TestModels.smolLM2, "smollm2"), (TestModels.qwenCoder, "qwen2.5-coder-0.5b")] {
            let tok = try TestModels.tokenizer(model)
            var heldBack = 0
            for c in try Fixture.load(fixture).cases where names.contains(c.name) {
                var d = StreamingDetokenizer(tokenizer: tok)
                var text = ""
                for id in c.ids {
                    let chunk = d.append(id)
                    XCTAssertFalse(chunk.unicodeScalars.contains("\u{FFFD}"), "\(fixture) \(c.label): broken chunk")
                    if chunk.isEmpty && !tok.tokenPieceBytes(id).isEmpty { heldBack += 1 }
                    text += chunk
                }
                text += d.finish()
                XCTAssertEqual(text, tok.decode(c.ids), "\(fixture) \(c.label)")
                XCTAssertEqual(text, c.detokenized, "\(fixture) \(c.label)")
            }
            XCTAssertGreaterThan(heldBack, 0, "\(fixture): some token ended inside a character")
        }
    }
}
