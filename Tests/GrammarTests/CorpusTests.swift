import Grammar
import XCTest

/// Every corpus schema compiles; its valid documents are accepted byte by byte and complete; its invalid ones are
/// rejected exactly at the marked byte.
final class CorpusTests: XCTestCase {
    func testCorpusCoversEnoughSchemas() throws {
        let cases = try Corpus.load()
        XCTAssertGreaterThanOrEqual(cases.filter { $0.schema != nil }.count, 40)
        XCTAssertGreaterThanOrEqual(cases.reduce(0) { $0 + $1.valid.count }, 150)
    }

    func testValidDocumentsAreAcceptedAndComplete() throws {
        for c in try Corpus.load() {
            let grammar = try c.compile()
            for doc in c.valid {
                var m = GrammarMatcher(grammar: grammar)
                for (i, b) in doc.utf8.enumerated() where !m.accept(byte: b) {
                    XCTFail("\(c.name): \(doc) rejected at byte \(i)")
                    break
                }
                XCTAssertTrue(m.isComplete, "\(c.name): \(doc) is not complete")
            }
        }
    }

    func testInvalidDocumentsAreRejectedAtTheFirstBadByte() throws {
        for c in try Corpus.load() {
            let grammar = try c.compile()
            for (bytes, expected) in c.invalid {
                let doc = String(decoding: bytes, as: UTF8.self)
                var m = GrammarMatcher(grammar: grammar)
                var rejectedAt = bytes.count
                for (i, b) in bytes.enumerated() where !m.accept(byte: b) {
                    rejectedAt = i
                    break
                }
                XCTAssertEqual(rejectedAt, expected, "\(c.name): \(doc)")
                if expected == bytes.count { XCTAssertFalse(m.isComplete, "\(c.name): \(doc) should be incomplete") }
            }
        }
    }
}
