import XCTest
@testable import Scheduling

final class PrefixCacheTests: XCTestCase {
    /// A second request with the same 3-block prefix reuses those blocks (shared ids, refcount 2).
    func testSecondRequestReusesThreeBlockPrefix() {
        let s = Scheduler(config: config(blockSize: 16))
        let engine = FakeEngine(s)
        let prefix = tokens(48)
        let a = s.addOrFail(1, prefix + tokens(5, from: 9000), maxTokens: 10)
        engine.step()
        XCTAssertEqual(s.stats.numCachedBlocks, 3, "the three full prompt blocks are cached once computed")

        let b = s.addOrFail(2, prefix + tokens(7, from: 7000), maxTokens: 10)
        let (out, _) = engine.step()
        let eb = out.entry(2)!
        XCTAssertEqual(b.numCachedTokens, 48)
        XCTAssertEqual(eb.start, 48)
        XCTAssertEqual(eb.count, 7)
        XCTAssertEqual(Array(eb.blockTable.prefix(3)), Array(a.blockIDs.prefix(3)))
        XCTAssertNotEqual(eb.blockTable[3], a.blockIDs[3])
        for blk in a.blockIDs.prefix(3) { XCTAssertEqual(s.kvCache.pool.refCount(blk), 2) }
        XCTAssertEqual(s.kvCache.pool.refCount(a.blockIDs[3]), 1)
        XCTAssertEqual(s.stats.prefixCacheQueries, 53 + 55)
        XCTAssertEqual(s.stats.prefixCacheHits, 48)
        XCTAssertEqual(a.numCachedTokens, 0)

        // Sharing survives one owner finishing: the other still reads correct K/V.
        s.finish(1, reason: .cancelled)
        for blk in b.blockIDs.prefix(3) { XCTAssertEqual(s.kvCache.pool.refCount(blk), 1) }
        engine.runToCompletion()
        XCTAssertTrue(engine.failures.isEmpty, "\(engine.failures)")
        XCTAssertGreaterThan(engine.positionsVerified, 48)
        XCTAssertTrue(s.checkIdleInvariant())
    }

    /// A fully cached prompt still computes its last token: a 48-token prompt hits 32 tokens, a 49-token one 48.
    func testLastPromptTokenIsAlwaysComputed() {
        let s = Scheduler(config: config(blockSize: 16))
        let engine = FakeEngine(s)
        s.addOrFail(1, tokens(49), maxTokens: 1)
        engine.runToCompletion()
        let exact = s.addOrFail(2, tokens(48), maxTokens: 1)
        let (out, _) = engine.step()
        XCTAssertEqual(exact.numCachedTokens, 32)
        XCTAssertEqual(out.entry(2)?.start, 32)
        XCTAssertEqual(out.entry(2)?.count, 16)
        let longer = s.addOrFail(3, tokens(49), maxTokens: 1)
        let (out3, _) = engine.step()
        XCTAssertEqual(longer.numCachedTokens, 48)
        XCTAssertEqual(out3.entry(3)?.count, 1)
        XCTAssertEqual(out3.entry(3)?.sampled, true)
        XCTAssertTrue(engine.failures.isEmpty, "\(engine.failures)")
    }

    /// Blocks are registered only after the step computing them is applied, so a request planned in the
    /// same step never reads K/V that is still being written.
    func testBlocksAreCachedOnlyAfterTheirStepIsApplied() {
        let s = Scheduler(config: config(budget: 16, blockSize: 16))
        let engine = FakeEngine(s)
        s.addOrFail(1, tokens(40), maxTokens: 1)
        let out = s.schedule()
        XCTAssertEqual(s.stats.numCachedBlocks, 0)
        s.update(out, sampledTokens: engine.run(out))
        XCTAssertEqual(s.stats.numCachedBlocks, 1)
        // Budget is spent on request 1's next chunk; request 2 waits, then hits the blocks computed so far.
        let b = s.addOrFail(2, tokens(40), maxTokens: 1)
        engine.step()
        XCTAssertEqual(s.stats.numCachedBlocks, 2)
        engine.step()
        XCTAssertEqual(b.numCachedTokens, 32)
        engine.runToCompletion()
        XCTAssertTrue(engine.failures.isEmpty, "\(engine.failures)")
    }

    /// Output tokens fill blocks too; a follow-up turn that starts with prompt + answer reuses them.
    func testOutputBlocksAreReusedByFollowUp() {
        let s = Scheduler(config: config(blockSize: 4))
        let engine = FakeEngine(s)
        let a = s.addOrFail(1, tokens(6), maxTokens: 10)
        engine.runToCompletion()
        let history = a.allTokens
        XCTAssertEqual(history.count, 16)
        // The last sampled token was never computed, so 15 positions (3 full blocks) were cached.
        let b = s.addOrFail(2, history + tokens(3, from: 500), maxTokens: 2)
        engine.step()
        XCTAssertEqual(b.numCachedTokens, 12)
        engine.runToCompletion()
        XCTAssertTrue(engine.failures.isEmpty, "\(engine.failures)")
    }

    /// With every hash equal, lookups still only return blocks with the right tokens and the right parent.
    func testConstantHashNeverServesWrongBlocks() {
        let s = Scheduler(config: config(blockSize: 4, blockCount: 64), hashFunction: { _, _ in 42 })
        let engine = FakeEngine(s)
        let x = tokens(4, from: 100), y = tokens(4, from: 200), z = tokens(4, from: 300)
        s.addOrFail(1, x + y + z + [7], maxTokens: 1)
        engine.runToCompletion()
        XCTAssertEqual(s.stats.numCachedBlocks, 3)

        let other = s.addOrFail(2, z + y + x + [7], maxTokens: 1)
        engine.step()
        XCTAssertEqual(other.numCachedTokens, 0, "same hash, different tokens: no hit")

        let sameTail = s.addOrFail(3, z + x + [1, 2, 3, 4] + [7], maxTokens: 1)
        engine.step()
        XCTAssertEqual(sameTail.numCachedTokens, 4, "block 'x' after 'z' is not the cached 'x' at the start")

        let same = s.addOrFail(4, x + y + z + [9], maxTokens: 1)
        engine.step()
        XCTAssertEqual(same.numCachedTokens, 12, "true matches are still found through the collisions")
        engine.runToCompletion()
        XCTAssertTrue(engine.failures.isEmpty, "\(engine.failures)")
        XCTAssertTrue(s.checkIdleInvariant())
    }

    func testPrefixCachingDisabled() {
        let s = Scheduler(config: config(blockSize: 4, prefixCaching: false))
        let engine = FakeEngine(s)
        s.addOrFail(1, tokens(20), maxTokens: 2)
        engine.runToCompletion()
        let b = s.addOrFail(2, tokens(20), maxTokens: 2)
        engine.step()
        XCTAssertEqual(b.numCachedTokens, 0)
        XCTAssertEqual(s.stats.numCachedBlocks, 0)
        XCTAssertEqual(s.stats.prefixCacheQueries, 0)
        engine.runToCompletion()
        XCTAssertTrue(s.checkIdleInvariant())
    }

    /// vLLM's test_evict, adapted: freed blocks queue tail-first; cached blocks evict in LRU order.
    func testEvictionOrderIsLeastRecentlyUsed() {
        let m = KVCacheManager(blockCount: 10, blockSize: 16)
        let r0 = Request(id: 0, promptTokens: tokens(5 * 16 + 7, from: 0), maxTokens: 1)
        XCTAssertEqual(m.allocateSlots(r0, numNewTokens: 5 * 16 + 7), [0, 1, 2, 3, 4, 5])
        let r1 = Request(id: 1, promptTokens: tokens(3 * 16, from: 5 * 16 + 7), maxTokens: 1)
        XCTAssertEqual(m.allocateSlots(r1, numNewTokens: 3 * 16), [6, 7, 8])
        XCTAssertEqual(m.pool.numFreeBlocks, 1)
        r0.numComputedTokens = 5 * 16 + 7
        r1.numComputedTokens = 3 * 16
        m.cacheFullBlocks(r0)
        m.cacheFullBlocks(r1)
        XCTAssertEqual(m.pool.numCachedBlocks, 8)

        m.free(r0)
        m.free(r1)
        // The uncached partial block 5 goes to the head; cached blocks to the tail, each request's last first.
        XCTAssertEqual(m.pool.freeQueue(), [5, 9, 4, 3, 2, 1, 0, 8, 7, 6])

        // Touch the first two blocks: they leave the queue; the new block comes from the head.
        let r2 = Request(id: 2, promptTokens: tokens(2 * 16 + 3, from: 0), maxTokens: 1)
        let (hits, n) = m.computedBlocks(for: r2)
        XCTAssertEqual(hits, [0, 1])
        XCTAssertEqual(n, 32)
        XCTAssertEqual(m.allocateSlots(r2, numNewTokens: 3, newComputedBlocks: hits), [0, 1, 5])
        XCTAssertEqual(m.pool.freeQueue(), [9, 4, 3, 2, 8, 7, 6])

        // Allocating three more evicts 9 (uncached) then 4 and 3, r0's least recently freed blocks.
        let r3 = Request(id: 3, promptTokens: tokens(40, from: 20000), maxTokens: 1)
        XCTAssertEqual(m.allocateSlots(r3, numNewTokens: 40), [9, 4, 3])
        XCTAssertFalse(m.pool.isCached(4))
        XCTAssertFalse(m.pool.isCached(3))
        XCTAssertTrue(m.pool.isCached(2))
        let again = Request(id: 4, promptTokens: tokens(5 * 16 + 7, from: 0), maxTokens: 1)
        XCTAssertEqual(m.computedBlocks(for: again).blocks, [0, 1, 2], "the chain stops at the evicted block 3")

        // Freeing r2 puts its (cached) prefix back at the tail, most recently used.
        m.free(r2)
        XCTAssertEqual(m.pool.freeQueue(), [5, 2, 8, 7, 6, 1, 0])
        XCTAssertTrue(m.pool.checkConsistency())
    }

    /// Hits on free cached blocks count against the free blocks they come from.
    func testAllocationCountsEvictableHits() {
        let m = KVCacheManager(blockCount: 4, blockSize: 4)
        let r0 = Request(id: 0, promptTokens: tokens(12), maxTokens: 1)
        XCTAssertNotNil(m.allocateSlots(r0, numNewTokens: 12))
        r0.numComputedTokens = 12
        m.cacheFullBlocks(r0)
        m.free(r0)
        // 13 tokens: 3 cached blocks hit, 1 more needed; 4 free in total, so it fits exactly.
        let r1 = Request(id: 1, promptTokens: tokens(12) + [5], maxTokens: 1)
        let (hits, _) = m.computedBlocks(for: r1)
        XCTAssertEqual(hits.count, 3)
        XCTAssertEqual(m.allocateSlots(r1, numNewTokens: 1, newComputedBlocks: hits)?.count, 4)
        m.free(r1)
        // 17 tokens would need 2 new blocks besides the 3 hits: refused, and nothing changes.
        let r2 = Request(id: 2, promptTokens: tokens(12) + [5, 6, 7, 8, 9], maxTokens: 1)
        let (hits2, _) = m.computedBlocks(for: r2)
        let before = m.pool.freeQueue()
        XCTAssertNil(m.allocateSlots(r2, numNewTokens: 5, newComputedBlocks: hits2))
        XCTAssertEqual(m.pool.freeQueue(), before)
        XCTAssertTrue(r2.blockIDs.isEmpty)
        XCTAssertTrue(m.pool.checkConsistency())
    }
}
