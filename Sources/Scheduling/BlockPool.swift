/// Fixed-size KV blocks with reference counts, a free queue in eviction order, and the prefix-cache index.
///
/// Not `Sendable`: owned by the engine thread. Every id in `0..<blockCount` is usable; none is reserved
/// (vLLM keeps a null block 0 for sliding-window padding, which Hearth does not need).
///
/// A block is in the free queue exactly when its reference count is 0. A free block may still be
/// *cached* (it keeps its hash, tokens and parent so a later request can reuse it) until it is
/// popped for a new allocation, which evicts it. The queue head is evicted first.
public final class BlockPool {
    /// Number of blocks.
    public let blockCount: Int
    /// Token slots per block.
    public let blockSize: Int

    private var refCounts: [Int32]
    // Free queue: an intrusive doubly linked list over block ids, with `blockCount` as the sentinel,
    // so touching a cached block (removing it from the middle) is O(1) as in vLLM's FreeKVCacheBlockQueue.
    private var next: [Int32]
    private var prev: [Int32]
    private var sentinel: Int32 { Int32(blockCount) }
    /// Blocks in the free queue (reference count 0), cached or not.
    public private(set) var numFreeBlocks: Int

    // Prefix cache, per block.
    private var cached: [Bool]
    private var hashes: [UInt64]
    /// The block holding the previous `blockSize` tokens of the sequence, or -1 for a first block.
    private var parents: [Int32]
    /// `epochs[parent]` when this block was registered; a parent that left the cache and came back
    /// has a new epoch, so children registered under its old content can never match again.
    private var parentEpochs: [UInt32]
    /// Bumped every time a block leaves the cache.
    private var epochs: [UInt32]
    /// Token ids of every cached block, `blockSize` per block, compared on lookup to rule out hash collisions.
    private var tokens: [Int32]
    // Hash index: the first cached block with a hash, chained through `bucketNext` (collisions and duplicates).
    private var bucketHead: [UInt64: Int32]
    private var bucketNext: [Int32]
    /// Blocks registered in the prefix cache, in use or free.
    public private(set) var numCachedBlocks = 0

    /// A pool of `blockCount` free blocks of `blockSize` slots, queued in id order.
    public init(blockCount: Int, blockSize: Int) {
        precondition(blockCount > 0 && blockCount < Int(Int32.max) && blockSize > 0, "bad block pool shape")
        self.blockCount = blockCount
        self.blockSize = blockSize
        refCounts = Array(repeating: 0, count: blockCount)
        next = (0...blockCount).map { Int32(($0 + 1) % (blockCount + 1)) }
        prev = (0...blockCount).map { Int32(($0 + blockCount) % (blockCount + 1)) }
        numFreeBlocks = blockCount
        cached = Array(repeating: false, count: blockCount)
        hashes = Array(repeating: 0, count: blockCount)
        parents = Array(repeating: -1, count: blockCount)
        parentEpochs = Array(repeating: 0, count: blockCount)
        epochs = Array(repeating: 0, count: blockCount)
        tokens = Array(repeating: 0, count: blockCount * blockSize)
        bucketHead = [:]
        bucketHead.reserveCapacity(blockCount)
        bucketNext = Array(repeating: -1, count: blockCount)
    }

    /// Blocks held by at least one request.
    public var numUsedBlocks: Int { blockCount - numFreeBlocks }

    /// The block's reference count (number of requests holding it).
    public func refCount(_ block: Int32) -> Int { Int(refCounts[Int(block)]) }

    /// Whether the block is registered in the prefix cache.
    public func isCached(_ block: Int32) -> Bool { cached[Int(block)] }

    /// The free queue from head (evicted first) to tail.
    public func freeQueue() -> [Int32] {
        var out: [Int32] = []
        out.reserveCapacity(numFreeBlocks)
        var b = next[blockCount]
        while b != sentinel {
            out.append(b)
            b = next[Int(b)]
        }
        return out
    }

    // MARK: Allocation

    /// Pops `count` blocks from the queue head (evicting cached ones) with reference count 1, appending
    /// them to `blocks`; returns false and changes nothing when fewer than `count` are free.
    @discardableResult
    public func allocate(_ count: Int, appendingTo blocks: inout [Int32]) -> Bool {
        guard count <= numFreeBlocks else { return false }
        for _ in 0..<count {
            let b = next[blockCount]
            unlink(b)
            if cached[Int(b)] { evict(b) }
            refCounts[Int(b)] = 1
            blocks.append(b)
        }
        return true
    }

    /// Adds a holder to a block, taking it off the free queue if it was free (a prefix-cache hit).
    public func touch(_ block: Int32) {
        if refCounts[Int(block)] == 0 { unlink(block) }
        refCounts[Int(block)] += 1
    }

    /// Drops one holder; at zero a cached block goes to the queue tail (most recently used) and an
    /// uncached one to the head, since it holds nothing worth keeping.
    public func free(_ block: Int32) {
        precondition(refCounts[Int(block)] > 0, "block \(block) freed more often than held")
        refCounts[Int(block)] -= 1
        guard refCounts[Int(block)] == 0 else { return }
        if cached[Int(block)] {
            link(block, after: prev[blockCount])
        } else {
            link(block, after: sentinel)
        }
    }

    private func unlink(_ b: Int32) {
        let p = prev[Int(b)], n = next[Int(b)]
        next[Int(p)] = n
        prev[Int(n)] = p
        numFreeBlocks -= 1
    }

    private func link(_ b: Int32, after p: Int32) {
        let n = next[Int(p)]
        next[Int(p)] = b
        prev[Int(b)] = p
        next[Int(b)] = n
        prev[Int(n)] = b
        numFreeBlocks += 1
    }

    // MARK: Prefix cache

    /// Registers a held, full block under `hash`, with `parent` (-1 for a sequence's first block) and its tokens.
    public func register(_ block: Int32, hash: UInt64, parent: Int32, tokens blockTokens: ArraySlice<Int32>) {
        let b = Int(block)
        precondition(!cached[b] && refCounts[b] > 0, "only held, uncached blocks are registered")
        precondition(blockTokens.count == blockSize, "only full blocks are cached")
        precondition(parent < 0 || cached[Int(parent)], "a cached block's parent is cached")
        cached[b] = true
        hashes[b] = hash
        parents[b] = parent
        parentEpochs[b] = parent < 0 ? 0 : epochs[Int(parent)]
        tokens.replaceSubrange(b * blockSize ..< (b + 1) * blockSize, with: blockTokens)
        bucketNext[b] = bucketHead[hash] ?? -1
        bucketHead[hash] = block
        numCachedBlocks += 1
    }

    /// A cached block holding exactly `blockTokens` right after `parent` (-1: at the start), or nil.
    public func lookup(hash: UInt64, parent: Int32, tokens blockTokens: ArraySlice<Int32>) -> Int32? {
        guard var b = bucketHead[hash] else { return nil }
        while b >= 0 {
            let i = Int(b)
            if parents[i] == parent, parent < 0 || parentEpochs[i] == epochs[Int(parent)],
               tokens[i * blockSize ..< (i + 1) * blockSize].elementsEqual(blockTokens) {
                return b
            }
            b = bucketNext[i]
        }
        return nil
    }

    private func evict(_ block: Int32) {
        let b = Int(block), h = hashes[b]
        if bucketHead[h] == block {
            if bucketNext[b] >= 0 { bucketHead[h] = bucketNext[b] } else { bucketHead[h] = nil }
        } else {
            var p = bucketHead[h]!
            while bucketNext[Int(p)] != block { p = bucketNext[Int(p)] }
            bucketNext[Int(p)] = bucketNext[b]
        }
        bucketNext[b] = -1
        cached[b] = false
        parents[b] = -1
        epochs[b] &+= 1
        numCachedBlocks -= 1
    }

    // MARK: Checks

    /// Whether the pool's structures agree: the free queue is exactly the blocks with reference count 0,
    /// and the hash index holds exactly the cached blocks, each under its own hash.
    public func checkConsistency() -> Bool {
        var inQueue = Array(repeating: false, count: blockCount)
        var count = 0
        var p = sentinel, b = next[blockCount]
        while b != sentinel {
            guard b >= 0, Int(b) < blockCount, !inQueue[Int(b)], prev[Int(b)] == p, count < blockCount else { return false }
            inQueue[Int(b)] = true
            count += 1
            p = b
            b = next[Int(b)]
        }
        guard prev[blockCount] == p, count == numFreeBlocks else { return false }
        for i in 0..<blockCount where (refCounts[i] == 0) != inQueue[i] || refCounts[i] < 0 { return false }

        var indexed = 0
        for (h, head) in bucketHead {
            var c: Int32 = head
            while c >= 0 {
                guard cached[Int(c)], hashes[Int(c)] == h, indexed < blockCount else { return false }
                indexed += 1
                c = bucketNext[Int(c)]
            }
        }
        return indexed == numCachedBlocks && cached.lazy.filter { $0 }.count == numCachedBlocks
    }
}
