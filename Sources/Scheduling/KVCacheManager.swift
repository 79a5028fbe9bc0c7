/// Gives requests KV blocks for their tokens and reuses cached prefix blocks (vLLM v1's KVCacheManager,
/// for a single full-attention cache group).
///
/// Not `Sendable`: owned by the engine thread, driven by `Scheduler`. A request's blocks are
/// `request.blockIDs`; position `p` lives in block `blockIDs[p / blockSize]`, slot `p % blockSize`.
///
/// Automatic prefix caching: once every position of a block has been computed, the block is registered
/// under a hash chained from its parent block's hash and its tokens. A new request walks its own chain
/// of hashes and reuses the longest run of matching blocks (reference count + 1) instead of recomputing.
public final class KVCacheManager {
    /// The blocks.
    public let pool: BlockPool
    /// Token slots per block.
    public var blockSize: Int { pool.blockSize }
    /// Whether full blocks are registered and reused.
    public let prefixCaching: Bool
    private let hashFunction: BlockHashFunction

    /// A manager over a new pool of `blockCount` blocks.
    public init(blockCount: Int, blockSize: Int, prefixCaching: Bool = true,
                hashFunction: @escaping BlockHashFunction = BlockHash.standard) {
        pool = BlockPool(blockCount: blockCount, blockSize: blockSize)
        self.prefixCaching = prefixCaching
        self.hashFunction = hashFunction
    }

    /// The longest run of cached blocks matching the start of the request's tokens, and the tokens they hold.
    ///
    /// At most `numTokens - 1` tokens can hit: the last token is always computed, since its forward pass
    /// produces the logits to sample from (so a fully cached prompt still recomputes its last block).
    /// The blocks are not yet held: pass them to `allocateSlots` in the same step.
    public func computedBlocks(for request: Request) -> (blocks: [Int32], numTokens: Int) {
        guard prefixCaching, request.numTokens > 1 else { return ([], 0) }
        let bs = blockSize
        let maxBlocks = (request.numTokens - 1) / bs
        ensureHashes(request, upTo: maxBlocks)
        var hits: [Int32] = []
        var parent: Int32 = -1
        for i in 0..<maxBlocks {
            guard let b = pool.lookup(hash: request.blockHashes[i], parent: parent,
                                      tokens: request.tokens(i * bs ..< (i + 1) * bs)) else { break }
            hits.append(b)
            parent = b
        }
        return (hits, hits.count * bs)
    }

    /// Makes the request's blocks cover `numComputedTokens + hits + numNewTokens` positions, first taking
    /// `newComputedBlocks` (prefix-cache hits from `computedBlocks(for:)`, only for a request holding no blocks).
    ///
    /// Returns the request's whole block table, or nil (changing nothing) when too few blocks are free.
    /// Cached free blocks count as free; a hit on one of them removes it from the free queue first.
    public func allocateSlots(_ request: Request, numNewTokens: Int, newComputedBlocks: [Int32] = []) -> [Int32]? {
        precondition(newComputedBlocks.isEmpty || (request.blockIDs.isEmpty && request.numComputedTokens == 0),
                     "prefix hits only start a request's block table")
        let bs = blockSize
        let total = request.numComputedTokens + newComputedBlocks.count * bs + numNewTokens
        let needed = (total + bs - 1) / bs
        let numNew = max(0, needed - request.blockIDs.count - newComputedBlocks.count)
        var evictableHits = 0
        for b in newComputedBlocks where pool.refCount(b) == 0 { evictableHits += 1 }
        guard numNew + evictableHits <= pool.numFreeBlocks else { return nil }

        if !newComputedBlocks.isEmpty {
            for b in newComputedBlocks { pool.touch(b) }
            request.blockIDs.append(contentsOf: newComputedBlocks)
            request.numRegisteredBlocks = newComputedBlocks.count
        }
        let ok = pool.allocate(numNew, appendingTo: &request.blockIDs)
        precondition(ok, "free block count checked above")
        return request.blockIDs
    }

    /// Registers every block the request has fully computed and not yet registered, so later requests can reuse it.
    public func cacheFullBlocks(_ request: Request) {
        guard prefixCaching else { return }
        let bs = blockSize
        let full = min(request.numComputedTokens / bs, request.blockIDs.count)
        guard request.numRegisteredBlocks < full else { return }
        ensureHashes(request, upTo: full)
        while request.numRegisteredBlocks < full {
            let i = request.numRegisteredBlocks
            pool.register(request.blockIDs[i], hash: request.blockHashes[i],
                          parent: i == 0 ? -1 : request.blockIDs[i - 1],
                          tokens: request.tokens(i * bs ..< (i + 1) * bs))
            request.numRegisteredBlocks += 1
        }
    }

    /// Releases all of the request's blocks, last block first so a request's tail is evicted before its
    /// prefix (vLLM's order); cached blocks keep their contents until reused.
    public func free(_ request: Request) {
        for b in request.blockIDs.reversed() { pool.free(b) }
        request.blockIDs = []
        request.numRegisteredBlocks = 0
    }

    /// Extends `request.blockHashes` to its first `count` full blocks; the hashes depend only on tokens,
    /// so they survive preemption.
    private func ensureHashes(_ request: Request, upTo count: Int) {
        let bs = blockSize
        while request.blockHashes.count < count {
            let i = request.blockHashes.count
            let parent = i == 0 ? BlockHash.root : request.blockHashes[i - 1]
            request.blockHashes.append(hashFunction(parent, request.tokens(i * bs ..< (i + 1) * bs)))
        }
    }
}
