import Dispatch
import Grammar
import TestSupport
import XCTest

/// GrammarCache: one compile per schema text, LRU eviction, failures kept, thread-safe; mask tables shared.
final class CacheTests: XCTestCase {
    private let schema = try? TestJSON.parse(#"{"type":"object","properties":{"a":{"type":"string"}},"required":["a"]}"#)

    func testSameSchemaCompilesOnce() throws {
        let cache = GrammarCache(capacity: 8)
        let s = try XCTUnwrap(schema)
        let first = try cache.grammar(for: s)
        for _ in 0..<999 { XCTAssertTrue(try cache.grammar(for: s) === first) }
        XCTAssertEqual(cache.misses, 1)
        XCTAssertEqual(cache.hits, 999)
    }

    func testLeastRecentlyUsedIsEvicted() throws {
        let cache = GrammarCache(capacity: 2)
        let a = JSONSchemaValue.object([("type", .string("string"))])
        let b = JSONSchemaValue.object([("type", .string("integer"))])
        let c = JSONSchemaValue.object([("type", .string("boolean"))])
        let ga = try cache.grammar(for: a)
        _ = try cache.grammar(for: b)
        XCTAssertTrue(try cache.grammar(for: a) === ga)  // a is now the most recent
        _ = try cache.grammar(for: c)  // evicts b
        XCTAssertEqual(cache.count, 2)
        XCTAssertTrue(try cache.grammar(for: a) === ga)
        let misses = cache.misses
        _ = try cache.grammar(for: b)
        XCTAssertEqual(cache.misses, misses + 1)
    }

    func testFailuresAreCachedToo() {
        let cache = GrammarCache()
        let bad = JSONSchemaValue.object([("not", .object([]))])
        for _ in 0..<3 {
            XCTAssertThrowsError(try cache.grammar(for: bad)) { XCTAssertEqual($0 as? GrammarError, .unsupportedKeyword("not", path: "#/not")) }
        }
        XCTAssertEqual(cache.misses, 1)
        XCTAssertEqual(cache.hits, 2)
    }

    func testConcurrentRequestsShareOneGrammar() throws {
        let cache = GrammarCache()
        let s = try XCTUnwrap(schema)
        let results = Mutex<[ObjectIdentifier]>([])
        DispatchQueue.concurrentPerform(iterations: 64) { _ in
            guard let g = try? cache.grammar(for: s) else { return }
            results.withLock { $0.append(ObjectIdentifier(g)) }
        }
        let ids = results.withLock { $0 }
        XCTAssertEqual(ids.count, 64)
        XCTAssertEqual(Set(ids).count, 1)
    }

    func testConcurrentMatchersShareMaskTables() throws {
        let g = try GrammarCompiler.compile(schema: try XCTUnwrap(schema))
        let tokens: [[UInt8]] = [[]] + (32..<127).map { [UInt8($0)] } + [Array("\"a\":".utf8), Array("{\"a\":\"".utf8)]
        let vocabulary = TokenVocabularyIndex(tokenBytes: tokens, endOfGeneration: [0], control: [])
        let doc = Array("{\"a\":\"xyz\"}".utf8)
        let masks = Mutex<[[UInt64]]>([])
        DispatchQueue.concurrentPerform(iterations: 16) { _ in
            var m = GrammarMatcher(grammar: g, vocabulary: vocabulary)
            var all: [UInt64] = []
            var words: [UInt64] = []
            for b in doc {
                m.fillMask(into: &words)
                all += words
                _ = m.accept(token: Int32(b) - 31)
            }
            masks.withLock { $0.append(all) }
        }
        let results = masks.withLock { $0 }
        XCTAssertEqual(results.count, 16)
        XCTAssertTrue(results.allSatisfy { $0 == results[0] })
    }

    func testJSONObjectGrammarIsShared() {
        XCTAssertTrue(GrammarCompiler.jsonObject() === GrammarCache().jsonObjectGrammar())
    }
}
