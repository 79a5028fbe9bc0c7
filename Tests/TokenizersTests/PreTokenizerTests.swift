import Tokenizers
import XCTest

/// Hand-checked word splits for each supported `tokenizer.ggml.pre`.
final class PreTokenizerTests: XCTestCase {
    func testNamesMapToLlamaCppFamilies() {
        XCTAssertEqual(PreTokenizer(ggufName: "smollm"), .smollm)
        XCTAssertEqual(PreTokenizer(ggufName: "qwen2"), .qwen2)
        XCTAssertEqual(PreTokenizer(ggufName: "deepseek-r1-qwen"), .qwen2)
        XCTAssertEqual(PreTokenizer(ggufName: "llama-bpe"), .llama3)
        XCTAssertEqual(PreTokenizer(ggufName: "gpt-2"), .gpt2)
        XCTAssertNil(PreTokenizer(ggufName: "foo"))
    }

    func testGPT2() {
        let p = PreTokenizer.gpt2
        XCTAssertEqual(p.split("Hello  world's 123abc"), ["Hello", " ", " world", "'s", " 123", "abc"])
        XCTAssertEqual(p.split("I'M ok"), ["I", "'", "M", " ok"], "contractions are case-sensitive")
        XCTAssertEqual(p.split("a\tb"), ["a", "\t", "b"])
        XCTAssertEqual(p.split("x   "), ["x", "   "], "trailing spaces stay together")
        XCTAssertEqual(p.split("a\n\nb"), ["a", "\n", "\n", "b"])
        XCTAssertEqual(p.split("(x) ??"), ["(", "x", ")", " ??"])
    }

    func testSmolLMSplitsEveryDigit() {
        let p = PreTokenizer.smollm
        XCTAssertEqual(p.split("abc 1234"), ["abc", " ", "1", "2", "3", "4"])
        XCTAssertEqual(p.split("v2.0 x"), ["v", "2", ".", "0", " x"])
        XCTAssertEqual(p.split("a  1"), ["a", "  ", "1"], "digits cut chunks before the GPT-2 pattern runs")
        XCTAssertEqual(p.split("٣٤"), ["٣", "٤"], "non-ASCII digits are \\p{N} too")
    }

    func testQwen2SplitsDigitsOneByOne() {
        let p = PreTokenizer.qwen2
        XCTAssertEqual(p.split("12345"), ["1", "2", "3", "4", "5"])
        XCTAssertEqual(p.split("hello\n\n  world"), ["hello", "\n\n", " ", " world"])
        XCTAssertEqual(p.split("I'M here"), ["I", "'M", " here"], "contractions fold case")
        XCTAssertEqual(p.split("(foo)\n"), ["(foo", ")\n"], "one non-letter may lead a word")
        XCTAssertEqual(p.split("你好 世界"), ["你好", " 世界"])
        XCTAssertEqual(p.split("x = 1;"), ["x", " =", " ", "1", ";"])
        XCTAssertEqual(p.split("\tif"), ["\tif"])
    }

    func testLlama3GroupsDigitsByThree() {
        let p = PreTokenizer.llama3
        XCTAssertEqual(p.split("1234567"), ["123", "456", "7"])
        XCTAssertEqual(p.split("x 12345 y"), ["x", " ", "123", "45", " y"])
        XCTAssertEqual(p.split("don't"), ["don", "'t"])
        XCTAssertEqual(p.split("a \r\n b"), ["a", " \r\n", " b"])
        XCTAssertEqual(p.split("end  "), ["end", "  "])
    }

    func testCodePointsNewerThanLlamaCppTablesAreUnassigned() {
        // U+11BC2 (Sunuwar, Unicode 16) is a letter to Swift but unassigned ("other") in llama.cpp's
        // Unicode 15.1 tables, so the apostrophe joins it instead of starting a contraction.
        XCTAssertEqual(PreTokenizer.gpt2.split("\u{11BC2}'m"), ["\u{11BC2}'", "m"])
        XCTAssertEqual(PreTokenizer.gpt2.split("\u{1E030}'m"), ["\u{1E030}", "'m"], "U+1E030 (Unicode 15.0) is a letter")
    }

    func testUnicodeCategories() {
        // Precomposed letters are \p{L}; emoji are neither letter, number nor space.
        XCTAssertEqual(PreTokenizer.gpt2.split("naïve café"), ["naïve", " café"])
        XCTAssertEqual(PreTokenizer.qwen2.split("hi 🍕🍕!"), ["hi", " 🍕🍕!"])
        XCTAssertEqual(PreTokenizer.gpt2.split("a\u{3000}b"), ["a", "\u{3000}", "b"], "U+3000 is whitespace")
        XCTAssertEqual(PreTokenizer.qwen2.split("x\u{00A0}\u{00A0}y"), ["x", "\u{00A0}", "\u{00A0}y"])
    }
}
