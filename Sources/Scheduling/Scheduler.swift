/// Continuous-batching scheduler over a paged KV cache, after vLLM v1's `Scheduler`: each step it picks
/// which requests run and how many tokens each computes, within a token budget and a sequence limit.
///
/// Not `Sendable`: owned by the engine thread, which calls `add`, `schedule`, `update` and `finish`.
/// It only counts tokens and hands out block ids; the engine runs the model.
///
/// One step: `let out = schedule()`; run `out.scheduled`; sample a token for each entry with `sampled`;
/// `update(out, sampledTokens:)`. Computed counts advance only in `update`, so an output that is
/// never passed to `update` (a failed step) is simply recomputed by the next `schedule()`.
///
/// Policy, first come first served:
/// - Running requests go first, in admission order, each computing as many of its pending tokens as the
///   budget allows (chunked prefill), so decodes never wait behind a new long prompt.
/// - A running request that cannot get blocks preempts the newest running request (possibly itself),
///   which drops its KV and goes to the front of the waiting queue to recompute later.
/// - Then, if nothing was preempted, waiting requests are admitted in order while budget, sequence
///   slots and blocks last; the first that does not fit stops admission (no overtaking).
public final class Scheduler {
    /// The limits.
    public let config: SchedulerConfig
    /// The KV blocks and prefix cache; only the scheduler drives it.
    let kvCache: KVCacheManager

    private(set) var waiting = RequestQueue()
    /// Requests holding blocks, oldest admission first.
    private(set) var running: [Request] = []
    /// Every live (not finished) request.
    private(set) var live: [RequestID: Request] = [:]
    private var nextArrival: UInt64 = 0
    private var lastStep: UInt64 = 0
    private var pendingStep: UInt64?
    private var numPreemptions = 0
    private var numFinished = 0
    private(set) var numQueuedPreempted = 0
    private var prefixCacheQueries = 0
    private var prefixCacheHits = 0

    /// A scheduler with an empty pool of `config.blockCount` blocks; the configuration must be valid
    /// (see `SchedulerConfig.invalidReason`). `hashFunction` keys the prefix cache (tests inject collisions).
    public init(config: SchedulerConfig, hashFunction: @escaping BlockHashFunction = BlockHash.standard) {
        precondition(config.invalidReason == nil, "invalid scheduler config: \(config.invalidReason ?? "")")
        self.config = config
        kvCache = KVCacheManager(blockCount: config.blockCount, blockSize: config.blockSize,
                                 prefixCaching: config.prefixCaching, hashFunction: hashFunction)
        running.reserveCapacity(config.maxSequences)
        live.reserveCapacity(config.maxWaiting + config.maxSequences)
    }

    // MARK: Admission

    /// Queues a new request, or throws if it could never be served or the queue is full.
    ///
    /// A request needs KV for at most `prompt + maxTokens - 1` positions (the last sampled token is
    /// never fed back), so one that fits the pool alone can always finish: the oldest running request
    /// preempts every other one if it must.
    public func add(_ request: Request) throws(AdmissionError) {
        guard !request.admitted, live[request.id] == nil else { throw .duplicateID }
        let prompt = request.promptTokens.count
        guard prompt > 0 else { throw .emptyPrompt }
        guard request.maxTokens >= 1 else { throw .invalidMaxTokens(request.maxTokens) }
        guard prompt <= config.contextLength, request.maxTokens <= config.contextLength - prompt else {
            throw .tooLong(promptTokens: prompt, maxTokens: request.maxTokens, limit: config.contextLength)
        }
        let neededBlocks = (prompt + request.maxTokens - 1 + config.blockSize - 1) / config.blockSize
        guard neededBlocks <= config.blockCount else {
            throw .exceedsKVCapacity(neededBlocks: neededBlocks, totalBlocks: config.blockCount)
        }
        // Requests a free sequence slot will take at the next step are not waiting for one: a burst into an idle
        // engine is admitted up to the free slots plus the queue, not refused before the first step runs.
        let freeSlots = max(0, config.maxSequences - running.count)
        guard waiting.count < config.maxWaiting + freeSlots else { throw .queueFull(waiting: waiting.count) }
        request.admitted = true
        request.arrivalOrder = nextArrival
        nextArrival += 1
        live[request.id] = request
        waiting.pushBack(request)
    }

    // MARK: Stepping

    /// Plans the next step: which requests run, how many tokens each, and their block tables.
    public func schedule() -> SchedulerOutput {
        lastStep += 1
        pendingStep = lastStep
        var budget = config.maxBatchTokens
        var scheduled: [ScheduledRequest] = []
        scheduled.reserveCapacity(min(running.count + waiting.count, config.maxSequences))
        var preempted: [RequestID] = []
        var numSampled = 0

        // Running requests first, oldest first; make room by preempting the newest.
        var i = 0
        while i < running.count, budget > 0 {
            let r = running[i]
            let numNew = min(r.numTokens - r.numComputedTokens, budget)
            guard numNew > 0 else { i += 1; continue }
            var table = kvCache.allocateSlots(r, numNewTokens: numNew)
            while table == nil {
                let victim = running.removeLast()
                preempt(victim)
                preempted.append(victim.id)
                if victim === r { break }
                table = kvCache.allocateSlots(r, numNewTokens: numNew)
            }
            guard let table else { break }
            let item = ScheduledRequest(id: r.id, start: r.numComputedTokens, count: numNew, blockTable: table,
                                        sampled: r.numComputedTokens + numNew == r.numTokens)
            scheduled.append(item)
            numSampled += item.sampled ? 1 : 0
            budget -= numNew
            i += 1
        }

        // Then waiting requests in order, unless this step had to preempt (vLLM: no admission under pressure).
        while preempted.isEmpty, budget > 0, running.count < config.maxSequences, let r = waiting.first {
            let (hits, numHit) = kvCache.computedBlocks(for: r)
            let numNew = min(r.numTokens - numHit, budget)
            guard let table = kvCache.allocateSlots(r, numNewTokens: numNew, newComputedBlocks: hits) else { break }
            waiting.popFront()
            admit(r, numHit: numHit)
            let item = ScheduledRequest(id: r.id, start: numHit, count: numNew, blockTable: table,
                                        sampled: numHit + numNew == r.numTokens)
            scheduled.append(item)
            numSampled += item.sampled ? 1 : 0
            budget -= numNew
        }

        return SchedulerOutput(step: lastStep, scheduled: scheduled, preempted: preempted,
                               totalTokens: config.maxBatchTokens - budget, numSampled: numSampled)
    }

    /// Applies a finished step: advances computed counts, caches newly full blocks, appends the sampled
    /// tokens and finishes requests that hit a stop token, `maxTokens` or the context length.
    ///
    /// Returns the requests this call finished (their blocks are already freed). Entries for requests
    /// finished meanwhile are skipped; an output other than the latest from `schedule()`, or one already
    /// applied, is ignored. A `sampled` entry with no token in `sampledTokens` finishes with `.error`.
    @discardableResult
    public func update(_ output: SchedulerOutput, sampledTokens: [RequestID: Int32]) -> [Request] {
        guard output.step == pendingStep else { return [] }
        pendingStep = nil
        var finished: [Request] = []
        for s in output.scheduled {
            guard let r = live[s.id], r.status == .running, r.numComputedTokens == s.start else { continue }
            r.numComputedTokens = s.end
            kvCache.cacheFullBlocks(r)
            guard s.sampled else { continue }
            guard let token = sampledTokens[s.id] else {
                finishLive(r, reason: .error)
                finished.append(r)
                continue
            }
            r.append(token)
            if let reason = stopReason(r, token) {
                finishLive(r, reason: reason)
                finished.append(r)
            }
        }
        return finished
    }

    /// Finishes a request in any state (cancelled, stop string, error), freeing its blocks at once.
    /// Returns false, doing nothing, for an unknown or already finished id.
    ///
    /// Safe between `schedule()` and `update`: the engine may still run the planned step, since freed
    /// blocks are only handed out again by the next `schedule()` and the positions a step writes are never
    /// in a cached block; `update` then skips the request.
    @discardableResult
    public func finish(_ id: RequestID, reason: FinishReason) -> Bool {
        guard let r = live[id] else { return false }
        finishLive(r, reason: reason)
        return true
    }

    // MARK: Queries

    /// The live (not finished) request with this id.
    public func request(_ id: RequestID) -> Request? { live[id] }

    /// Whether any request is running or waiting.
    public var hasWork: Bool { !running.isEmpty || !waiting.isEmpty }

    /// Current counters.
    public var stats: SchedulerStats {
        let pool = kvCache.pool
        return SchedulerStats(
            numRunning: running.count, numWaiting: waiting.count, numPreempted: numQueuedPreempted,
            kvUsage: Double(pool.numUsedBlocks) / Double(pool.blockCount),
            numUsedBlocks: pool.numUsedBlocks, numFreeBlocks: pool.numFreeBlocks,
            numCachedBlocks: pool.numCachedBlocks, blockCount: pool.blockCount,
            numPreemptions: numPreemptions, prefixCacheQueries: prefixCacheQueries,
            prefixCacheHits: prefixCacheHits, numFinished: numFinished)
    }

    /// The waiting queue, front first (for inspection).
    public var waitingIDs: [RequestID] { (0..<waiting.count).map { waiting[$0].id } }

    /// The running requests' ids, oldest admission first (for inspection).
    public var runningIDs: [RequestID] { running.map(\.id) }

    // MARK: Transitions

    /// Moves a queued request to running with `numHit` tokens already computed by prefix-cache hits.
    private func admit(_ r: Request, numHit: Int) {
        if r.status == .preempted {
            numQueuedPreempted -= 1
        } else {
            r.numCachedTokens = numHit
        }
        if kvCache.prefixCaching {
            prefixCacheQueries += r.numTokens
            prefixCacheHits += numHit
        }
        r.transition(to: .running)
        r.numComputedTokens = numHit
        running.append(r)
    }

    private func preempt(_ r: Request) {
        kvCache.free(r)
        r.transition(to: .preempted)
        waiting.pushFront(r)
        numQueuedPreempted += 1
        numPreemptions += 1
    }

    private func finishLive(_ r: Request, reason: FinishReason) {
        switch r.status {
        case .running:
            if let i = running.firstIndex(where: { $0 === r }) { running.remove(at: i) }
            kvCache.free(r)
        case .waiting:
            waiting.remove(r)
        case .preempted:
            waiting.remove(r)
            numQueuedPreempted -= 1
        case .finished:
            return
        }
        r.transition(to: .finished(reason))
        live[r.id] = nil
        numFinished += 1
    }

    /// Why the request stops after sampling `token`, if it does. A stop token wins over the length limit
    /// when both apply, since it is the model's own end.
    private func stopReason(_ r: Request, _ token: Int32) -> FinishReason? {
        if r.stopTokenIDs.contains(token) { return .stop }
        if r.outputTokens.count >= r.maxTokens || r.numTokens >= config.contextLength { return .length }
        return nil
    }
}
