import GGUF
import Grammar
import TestSupport
import Tokenizers
import XCTest

/// The golden tier: on the real Qwen2.5 (151,936 tokens) and SmolLM2 (49,152) vocabularies, fillMask equals the
/// brute-force reference at every step of tokenizing valid documents with the model's own tokenizer.
final class RealModelMaskTests: XCTestCase {
    /// Corpus cases whose valid documents are stepped through (chosen to cross strings, numbers, keys,
    /// recursion boundaries, the generic value rule, escapes and multi-byte characters).
    private static let cases = [
        "required string and integer", "recursive tree", "json_object mode", "enum of strings with quotes and unicode",
        "formats time and date-time", "empty schema is any value", "additionalProperties true", "number range",
        "free string escapes", "string length bounds count characters", "anchored pattern",
        "anyOf of objects with different required keys", "recursive linked list with anyOf null",
        "realistic person with formats, enum and pattern",
    ]

    func testQwenMasksEqualReference() throws {
        try check(model: TestModels.qwen)
    }

    func testSmolLM2MasksEqualReference() throws {
        try check(model: TestModels.smolLM2)
    }

    static func vocabulary(_ tokenizer: Tokenizer) -> (TokenVocabularyIndex, [[UInt8]], Set<Int32>) {
        let n = tokenizer.vocabularySize
        let pieces = (0..<n).map { tokenizer.tokenPieceBytes(Int32($0)) }
        let control = Set((0..<n).map(Int32.init).filter { tokenizer.isControl($0) && !tokenizer.endOfGenerationIDs.contains($0) })
        let index = TokenVocabularyIndex(tokenBytes: pieces, endOfGeneration: tokenizer.endOfGenerationIDs, control: control)
        return (index, pieces, control)
    }

    private func check(model path: String) throws {
        guard FileManager.default.fileExists(atPath: path) else {
            XCTFail("missing test model \(path): run scripts/fetch-models")
            return
        }
        let tokenizer = try Tokenizer(gguf: try GGUFFile(path: path))
        let (vocabulary, pieces, control) = RealModelMaskTests.vocabulary(tokenizer)
        let eog = tokenizer.endOfGenerationIDs
        XCTAssertFalse(eog.isEmpty)
        let corpus = try Corpus.load().filter { RealModelMaskTests.cases.contains($0.name) }
        XCTAssertEqual(corpus.count, RealModelMaskTests.cases.count)
        let reference = GrammarTestSupport.Reference(tokens: pieces, endOfGeneration: eog, control: control)
        var steps = 0
        for c in corpus {
            let grammar = try c.compile()
            for doc in c.valid {
                let ids = tokenizer.encode(doc, addSpecial: false, parseSpecial: false)
                XCTAssertEqual(ids.flatMap { pieces[Int($0)] }, Array(doc.utf8))
                var m = GrammarMatcher(grammar: grammar, vocabulary: vocabulary)
                var words: [UInt64] = []
                for (k, id) in (ids + [-1]).enumerated() {
                    m.fillMask(into: &words)
                    let expected = reference.mask(m)
                    let diff = GrammarTestSupport.difference(words, expected)
                    XCTAssertTrue(diff.isEmpty, "\(c.name): \(doc) at token \(k): differs on \(diff.prefix(8).map { tokenizer.tokenText(Int32($0)) })")
                    steps += 1
                    if id < 0 || !diff.isEmpty { break }
                    XCTAssertTrue(words[Int(id) >> 6] & (1 << UInt64(id & 63)) != 0, "\(c.name): the document's own token \(id) is masked")
                    XCTAssertTrue(m.accept(token: id), "\(c.name): \(doc) token \(k)")
                }
                XCTAssertTrue(m.isComplete, "\(c.name): \(doc)")
                // A document that cannot go on (anything but a top-level number) allows only end-of-generation.
                if let last = doc.utf8.last, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(last) {
                    XCTAssertEqual(Set(m.allowedTokens()), eog, "\(c.name): only end-of-generation once complete")
                }
            }
        }
        XCTAssertGreaterThan(steps, 100)
    }
}
