import Grammar
import XCTest

/// fillMask equals the brute-force reference at every step of every valid corpus document, on a synthetic
/// vocabulary made to straddle grammar boundaries: every single byte, and every substring of 2 to 5 bytes of the
/// corpus documents (so tokens close strings and objects and run on into what follows). No model needed.
final class SyntheticMaskTests: XCTestCase {
    func testMaskEqualsReferenceOnEveryCorpusDocument() throws {
        let cases = try Corpus.load()
        var pieces = Set<[UInt8]>()
        for b in 0...255 { pieces.insert([UInt8(b)]) }
        for c in cases {
            for doc in c.valid {
                let bytes = Array(doc.utf8)
                for n in 2...5 where bytes.count >= n {
                    for i in 0...(bytes.count - n) { pieces.insert(Array(bytes[i..<(i + n)])) }
                }
            }
        }
        var tokens: [[UInt8]] = [[], Array("<eos>".utf8), Array("<ctl>".utf8)]
        tokens += pieces.sorted { $0.lexicographicallyPrecedes($1) }
        let eog: Set<Int32> = [1]
        let control: Set<Int32> = [2]
        let vocabulary = TokenVocabularyIndex(tokenBytes: tokens, endOfGeneration: eog, control: control)
        var idOf: [[UInt8]: Int32] = [:]
        for (i, t) in tokens.enumerated() where i > 2 { idOf[t] = Int32(i) }
        let reference = GrammarTestSupport.Reference(tokens: tokens, endOfGeneration: eog, control: control)
        var steps = 0
        for c in cases {
            let grammar = try c.compile()
            for doc in c.valid {
                var m = GrammarMatcher(grammar: grammar, vocabulary: vocabulary)
                var words: [UInt64] = []
                // Step through the document in chunks of 1, 2 and 3 bytes (tokens that exist in the vocabulary).
                var at = 0
                let bytes = Array(doc.utf8)
                while true {
                    m.fillMask(into: &words)
                    let expected = reference.mask(m)
                    let diff = GrammarTestSupport.difference(words, expected)
                    XCTAssertTrue(diff.isEmpty, "\(c.name): \(doc) at byte \(at): differs on \(diff.prefix(8).map { String(decoding: tokens[$0], as: UTF8.self) })")
                    steps += 1
                    if !diff.isEmpty || at == bytes.count { break }
                    let n = min(1 + (at % 3), bytes.count - at)
                    let piece = Array(bytes[at..<(at + n)])
                    guard let token = idOf[piece] else {
                        XCTFail("no token for \(piece)")
                        break
                    }
                    XCTAssertTrue(m.accept(token: token), "\(c.name): \(doc) token at \(at)")
                    at += n
                }
                XCTAssertTrue(m.isComplete, "\(c.name): \(doc)")
                XCTAssertTrue(m.accept(token: 1))
            }
        }
        XCTAssertGreaterThan(steps, 1000)
    }
}
