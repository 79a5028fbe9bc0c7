import Tokenizers
import XCTest

/// The streaming detokenizer on the real vocabularies: multibyte fixture cases stream without a broken character
/// and add up to the full decode (the synthetic cases are in TokenizersTests/StreamingDetokenizerTests).
final class StreamingDetokenizerRealModelTests: XCTestCase {
    func testRealModelsStreamMultibyteCases() throws {
        let names: Set = ["emoji", "chinese", "japanese_korean", "mixed_zh_en", "accented", "symbols", "greek_cyrillic"]
        for (model, fixture) in [(ModelTokenizers.smolLM2, "smollm2"), (ModelTokenizers.qwenCoder, "qwen2.5-coder-0.5b")] {
            let tok = try ModelTokenizers.tokenizer(model)
            var heldBack = 0
            for c in try TokenizerFixture.load(fixture).cases where names.contains(c.name) {
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
