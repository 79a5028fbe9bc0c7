@testable import Grammar
import XCTest

/// The automaton pieces on their own: UTF-8 byte sequences of code point ranges, and patterns over non-ASCII text.
final class AutomatonTests: XCTestCase {
    /// Every scalar value in a set is matched by exactly one of the set's byte sequences, and nothing outside is.
    func testUTF8SequencesCoverExactlyTheSet() {
        let sets = [CodePointSet.any, .dot, CodePointSet([0x41...0x5A, 0x3B1...0x3C9, 0x4E00...0x9FFF]),
                    CodePointSet([0x7F...0x800]), CodePointSet([0xFFFF...0x10000]), CodePointSet.space.complement]
        var samples: [UInt32] = Array(0...0x1000)
        samples += stride(from: 0x1000, through: 0x10FFFF, by: 97).map { UInt32($0) }
        samples += [0xD7FF, 0xE000, 0xFFFF, 0x10000, 0x10FFFF, 0x7FF, 0x800]
        for set in sets {
            let sequences = set.utf8Sequences
            for cp in samples where !(0xD800...0xDFFF).contains(cp) {
                var bytes: [UInt8] = []
                JSONText.appendUTF8(cp, to: &bytes)
                let matches = sequences.filter { seq in
                    seq.count == bytes.count && zip(seq, bytes).allSatisfy { $0.contains($1) }
                }.count
                XCTAssertEqual(matches, set.contains(cp) ? 1 : 0, "U+\(String(cp, radix: 16))")
            }
        }
    }

    func testPatternsOverNonASCIIText() throws {
        let g = try GrammarTestSupport.compile(#"{"type":"string","pattern":"^[α-ω]+ [^a-z]{2}\\.$"}"#)
        XCTAssertTrue(GrammarTestSupport.accepts(g, "\"αβγ 日本.\""))
        XCTAssertTrue(GrammarTestSupport.accepts(g, "\"ω \\\"\\n.\""))
        XCTAssertFalse(GrammarTestSupport.accepts(g, "\"αβγ ab.\""))
        XCTAssertFalse(GrammarTestSupport.accepts(g, "\"abc 日本.\""))
    }

    func testStatesAndRulesAreReported() throws {
        let tree = try GrammarTestSupport.compile(##"{"$defs":{"n":{"type":"object","properties":{"c":{"type":"array","items":{"$ref":"#/$defs/n"}}}}},"$ref":"#/$defs/n"}"##)
        XCTAssertEqual(tree.ruleCount, 2)
        XCTAssertGreaterThan(tree.stateCount, 10)
        XCTAssertEqual(GrammarCompiler.jsonObject().ruleCount, 2)
    }
}
