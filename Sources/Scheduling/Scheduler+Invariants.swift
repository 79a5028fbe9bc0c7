extension Scheduler {
    /// Whether every bookkeeping invariant holds: the pool is consistent; each block's reference count
    /// equals the number of live requests holding it; a block held twice is a cached (shared prefix)
    /// block; running requests' blocks cover their computed tokens; queued requests hold nothing.
    /// O(blocks + tokens held); meant for tests and debug checks.
    public func checkInvariants() -> Bool {
        let pool = kvCache.pool
        guard pool.checkConsistency(), running.count <= config.maxSequences else { return false }
        var holders = Array(repeating: 0, count: pool.blockCount)
        var seenIDs = Set<RequestID>()
        var queuedPreempted = 0
        for r in running {
            guard r.status == .running, live[r.id] === r, seenIDs.insert(r.id).inserted,
                  r.numComputedTokens <= r.numTokens,
                  r.numComputedTokens <= r.blockIDs.count * pool.blockSize,
                  r.numRegisteredBlocks <= r.blockIDs.count else { return false }
            var own = Set<Int32>()
            for (i, b) in r.blockIDs.enumerated() {
                guard b >= 0, Int(b) < pool.blockCount, own.insert(b).inserted else { return false }
                if i < r.numRegisteredBlocks, !pool.isCached(b) { return false }
                holders[Int(b)] += 1
            }
        }
        for i in 0..<waiting.count {
            let r = waiting[i]
            guard r.isQueued, live[r.id] === r, seenIDs.insert(r.id).inserted,
                  r.blockIDs.isEmpty, r.numComputedTokens == 0 else { return false }
            if r.status == .preempted { queuedPreempted += 1 }
        }
        guard seenIDs.count == live.count, queuedPreempted == numQueuedPreempted else { return false }
        for b in 0..<pool.blockCount {
            let block = Int32(b)
            guard holders[b] == pool.refCount(block) else { return false }
            if holders[b] > 1, !pool.isCached(block) { return false }
        }
        return true
    }

    /// Whether the scheduler is idle (no live request) and every block is back in the free queue
    /// with reference count 0, cached or not.
    public func checkIdleInvariant() -> Bool {
        live.isEmpty && !hasWork && checkInvariants() && kvCache.pool.numFreeBlocks == kvCache.pool.blockCount
    }
}
