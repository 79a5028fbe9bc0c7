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
}
