import XCTest
@testable import Scheduling

final class BlockPoolTests: XCTestCase {
    func testAllocateFromHeadAndFreeOrder() {
        let pool = BlockPool(blockCount: 6, blockSize: 2)
        XCTAssertEqual(pool.freeQueue(), [0, 1, 2, 3, 4, 5])
        var a: [Int32] = []
        XCTAssertTrue(pool.allocate(3, appendingTo: &a))
        XCTAssertEqual(a, [0, 1, 2])
        XCTAssertEqual(a.map { pool.refCount($0) }, [1, 1, 1])
        XCTAssertEqual(pool.numFreeBlocks, 3)
        XCTAssertEqual(pool.numUsedBlocks, 3)

        var b: [Int32] = []
        XCTAssertFalse(pool.allocate(4, appendingTo: &b), "all or nothing")
        XCTAssertTrue(b.isEmpty)
        XCTAssertEqual(pool.numFreeBlocks, 3)

        // Uncached blocks go to the head: they hold nothing worth keeping.
        pool.free(1)
        XCTAssertEqual(pool.freeQueue(), [1, 3, 4, 5])
        // A cached block goes to the tail.
        pool.register(0, hash: 7, parent: -1, tokens: [1, 2])
        pool.free(0)
        XCTAssertEqual(pool.freeQueue(), [1, 3, 4, 5, 0])
        XCTAssertTrue(pool.isCached(0))
        XCTAssertTrue(pool.checkConsistency())
    }

    func testTouchTakesFreeCachedBlockOffQueue() {
        let pool = BlockPool(blockCount: 4, blockSize: 2)
        var a: [Int32] = []
        pool.allocate(2, appendingTo: &a)
        pool.register(0, hash: 1, parent: -1, tokens: [1, 2])
        pool.register(1, hash: 2, parent: 0, tokens: [3, 4])
        pool.free(1)
        pool.free(0)
        XCTAssertEqual(pool.freeQueue(), [2, 3, 1, 0])
        pool.touch(1)
        XCTAssertEqual(pool.freeQueue(), [2, 3, 0])
        XCTAssertEqual(pool.refCount(1), 1)
        pool.touch(1)
        XCTAssertEqual(pool.refCount(1), 2)
        pool.free(1)
        XCTAssertEqual(pool.freeQueue(), [2, 3, 0], "still held once")
        pool.free(1)
        XCTAssertEqual(pool.freeQueue(), [2, 3, 0, 1])
        XCTAssertTrue(pool.checkConsistency())
    }

    func testLookupComparesTokensAndParent() {
        let pool = BlockPool(blockCount: 8, blockSize: 2)
        var held: [Int32] = []
        pool.allocate(4, appendingTo: &held)
        // Every block under the same hash: only tokens and parent tell them apart.
        pool.register(0, hash: 9, parent: -1, tokens: [1, 2])
        pool.register(1, hash: 9, parent: 0, tokens: [3, 4])
        pool.register(2, hash: 9, parent: -1, tokens: [3, 4])
        pool.register(3, hash: 9, parent: 2, tokens: [1, 2])
        XCTAssertEqual(pool.lookup(hash: 9, parent: -1, tokens: [1, 2]), 0)
        XCTAssertEqual(pool.lookup(hash: 9, parent: -1, tokens: [3, 4]), 2)
        XCTAssertEqual(pool.lookup(hash: 9, parent: 0, tokens: [3, 4]), 1)
        XCTAssertEqual(pool.lookup(hash: 9, parent: 2, tokens: [1, 2]), 3)
        XCTAssertNil(pool.lookup(hash: 9, parent: 0, tokens: [1, 2]))
        XCTAssertNil(pool.lookup(hash: 9, parent: -1, tokens: [5, 6]))
        XCTAssertNil(pool.lookup(hash: 8, parent: -1, tokens: [1, 2]), "a different hash is a different bucket")
        XCTAssertEqual(pool.numCachedBlocks, 4)
        XCTAssertTrue(pool.checkConsistency())
    }

    /// A child registered under a parent that was evicted and reused for the same tokens can never match:
    /// the parent's epoch changed, so the child's cached K/V (computed after the old parent) is unreachable.
    func testEvictedParentInvalidatesChildren() {
        let pool = BlockPool(blockCount: 4, blockSize: 2)
        var held: [Int32] = []
        pool.allocate(2, appendingTo: &held)
        pool.register(0, hash: 1, parent: -1, tokens: [1, 2])
        pool.register(1, hash: 2, parent: 0, tokens: [3, 4])
        pool.free(0)
        pool.free(1)
        XCTAssertEqual(pool.freeQueue(), [2, 3, 0, 1])
        var next: [Int32] = []
        pool.allocate(3, appendingTo: &next)
        XCTAssertEqual(next, [2, 3, 0])
        XCTAssertFalse(pool.isCached(0))
        XCTAssertTrue(pool.isCached(1))
        pool.register(0, hash: 1, parent: -1, tokens: [1, 2])
        XCTAssertEqual(pool.lookup(hash: 1, parent: -1, tokens: [1, 2]), 0)
        XCTAssertNil(pool.lookup(hash: 2, parent: 0, tokens: [3, 4]))
        XCTAssertTrue(pool.checkConsistency())
    }

    func testEvictionRemovesFromCollisionChain() {
        let pool = BlockPool(blockCount: 3, blockSize: 1)
        var held: [Int32] = []
        pool.allocate(3, appendingTo: &held)
        for b in held { pool.register(b, hash: 5, parent: -1, tokens: [Int32(b)]) }
        pool.free(1)
        pool.free(0)
        pool.free(2)
        var again: [Int32] = []
        pool.allocate(1, appendingTo: &again)
        XCTAssertEqual(again, [1], "the middle of the chain is evicted")
        XCTAssertEqual(pool.lookup(hash: 5, parent: -1, tokens: [0]), 0)
        XCTAssertNil(pool.lookup(hash: 5, parent: -1, tokens: [1]))
        XCTAssertEqual(pool.lookup(hash: 5, parent: -1, tokens: [2]), 2)
        XCTAssertEqual(pool.numCachedBlocks, 2)
        XCTAssertTrue(pool.checkConsistency())
    }

    func testBlockHashIsChainedAndOrderSensitive() {
        let h = BlockHash.hash
        let a = h(BlockHash.root, [1, 2, 3, 4])
        XCTAssertEqual(a, h(BlockHash.root, [1, 2, 3, 4]))
        XCTAssertNotEqual(a, h(BlockHash.root, [2, 1, 3, 4]))
        XCTAssertNotEqual(a, h(BlockHash.root, [1, 2, 3, 5]))
        XCTAssertNotEqual(a, h(a, [1, 2, 3, 4]), "the parent is part of the key")
        XCTAssertNotEqual(h(BlockHash.root, [1, 2, 3]), h(BlockHash.root, [1, 2, 3, 0]))
        XCTAssertNotEqual(h(BlockHash.root, [-1]), h(BlockHash.root, [Int32.max]))
        // No collisions among many single-token changes.
        var seen = Set<UInt64>()
        for t in 0..<20_000 { seen.insert(h(BlockHash.root, [Int32(t), 7, 7, 7])) }
        XCTAssertEqual(seen.count, 20_000)
    }
}
