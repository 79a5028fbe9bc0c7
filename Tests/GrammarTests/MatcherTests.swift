import Grammar
import XCTest

/// Token-level behaviour on a small synthetic vocabulary: end-of-generation only when complete (and then alone),
/// control tokens never, empty tokens never, snapshots and reset.
final class MatcherTests: XCTestCase {
    // 0: EOG, 1: control, 2: empty, then text tokens.
    private let pieces = ["", "<ctl>", "", "{", "}", "\"", "a", "\":", "1", "{\"a\":", "2}", " ", "}}", "\"a\"", ":1}"]
    private lazy var vocabulary = TokenVocabularyIndex(tokenBytes: pieces.enumerated().map { $0.offset == 0 ? [] : Array($0.element.utf8) },
                                                       endOfGeneration: [0], control: [1])
    private func id(_ piece: String) -> Int32 { Int32(pieces.lastIndex(of: piece) ?? -1) }

    private func grammar() throws -> CompiledGrammar {
        try GrammarTestSupport.compile(#"{"type":"object","properties":{"a":{"type":"integer"}},"required":["a"]}"#)
    }

    func testEndOfGenerationOnlyWhenCompleteAndThenAlone() throws {
        var m = GrammarMatcher(grammar: try grammar(), vocabulary: vocabulary)
        XCTAssertFalse(m.allowedTokens().contains(0))
        XCTAssertFalse(m.accept(token: 0))
        XCTAssertTrue(m.accept(token: id("{\"a\":")))
        XCTAssertFalse(m.isComplete)
        XCTAssertEqual(m.allowedTokens(), [id("1"), id("2}"), id(" ")].sorted())
        XCTAssertTrue(m.accept(token: id("2}")))
        XCTAssertTrue(m.isComplete)
        XCTAssertEqual(m.allowedTokens(), [0])
        XCTAssertFalse(m.accept(token: id("}")))
        XCTAssertTrue(m.accept(token: 0))
        XCTAssertTrue(m.isTerminated)
        XCTAssertEqual(m.allowedTokens(), [])
        XCTAssertFalse(m.accept(token: 0))
    }

    func testControlEmptyAndOutOfRangeTokensAreNeverAllowed() throws {
        var m = GrammarMatcher(grammar: try grammar(), vocabulary: vocabulary)
        for bad: Int32 in [1, 2, -1, 99] { XCTAssertFalse(m.accept(token: bad)) }
        XCTAssertFalse(m.allowedTokens().contains(1))
        XCTAssertFalse(m.allowedTokens().contains(2))
        XCTAssertTrue(m.accept(token: id("{")))
    }

    func testSnapshotRollbackAndReset() throws {
        var m = GrammarMatcher(grammar: try grammar(), vocabulary: vocabulary)
        XCTAssertTrue(m.accept(token: id("{\"a\":")))
        let snapshot = m
        XCTAssertTrue(m.accept(token: id("1")))
        XCTAssertTrue(m.accept(token: id("}")))
        XCTAssertTrue(m.isComplete)
        m = snapshot
        XCTAssertFalse(m.isComplete)
        XCTAssertTrue(m.accept(token: id("2}")))
        m.reset()
        XCTAssertFalse(m.accept(token: id("}")))
        XCTAssertTrue(m.accept(token: id("{")))
        // Replaying the same tokens reaches the same state.
        var replay = GrammarMatcher(grammar: try grammar(), vocabulary: vocabulary)
        XCTAssertTrue(replay.accept(token: id("{")))
        XCTAssertEqual(replay.allowedTokens(), m.allowedTokens())
    }

    func testRejectedTokenLeavesStateUnchanged() throws {
        var m = GrammarMatcher(grammar: try grammar(), vocabulary: vocabulary)
        XCTAssertTrue(m.accept(token: id("{")))
        let before = m.allowedTokens()
        XCTAssertFalse(m.accept(token: id(":1}")))
        XCTAssertEqual(m.allowedTokens(), before)
        XCTAssertFalse(m.accept(bytes: Array("\"a\":x".utf8)))
        XCTAssertEqual(m.allowedTokens(), before)
    }

    func testMaskWordsAreResized() throws {
        let m = GrammarMatcher(grammar: try grammar(), vocabulary: vocabulary)
        var words: [UInt64] = [UInt64.max, UInt64.max, UInt64.max]
        m.fillMask(into: &words)
        XCTAssertEqual(words.count, 1)
        XCTAssertEqual(words[0], (1 << UInt64(id("{"))) | (1 << UInt64(id("{\"a\":"))))
    }

    func testTopLevelNumberMayContinueAfterComplete() throws {
        let g = try GrammarTestSupport.compile(#"{"type":"integer"}"#)
        var m = GrammarMatcher(grammar: g, vocabulary: vocabulary)
        XCTAssertTrue(m.accept(token: id("1")))
        XCTAssertTrue(m.isComplete)
        XCTAssertEqual(m.allowedTokens(), [0, id("1")])
    }
}
