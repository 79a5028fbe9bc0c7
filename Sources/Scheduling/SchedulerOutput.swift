/// One request's share of a step: which positions to compute and where their K/V go.
public struct ScheduledRequest: Sendable, Equatable {
    /// The request.
    public let id: RequestID
    /// First position computed this step (the request's `numComputedTokens` when scheduled, after prefix-cache hits).
    public let start: Int
    /// Tokens computed this step: `allTokens[start ..< start + count]` at positions `start ..< start + count`.
    public let count: Int
    /// KV block ids covering at least positions `0 ..< start + count` (position `p` → `blockTable[p / blockSize]`).
    public let blockTable: [Int32]
    /// The step reaches the request's last known token, so the engine samples a token for it.
    public let sampled: Bool

    /// One past the last position computed.
    public var end: Int { start + count }
}

/// The plan of one engine step, from `Scheduler.schedule()`; hand it back to `Scheduler.update`.
public struct SchedulerOutput: Sendable, Equatable {
    /// Sequence number of the step; `update` ignores an output that is not the latest.
    public var step: UInt64
    /// Requests to run, running ones first (in admission order), then newly admitted ones (FCFS).
    public var scheduled: [ScheduledRequest]
    /// Requests preempted while planning this step: their blocks were freed and they wait to recompute.
    public var preempted: [RequestID]
    /// Sum of `count` over `scheduled`; at most `maxBatchTokens`.
    public var totalTokens: Int
    /// How many of `scheduled` sample a token (logit rows the engine needs).
    public var numSampled: Int

    /// Whether nothing is scheduled.
    public var isEmpty: Bool { scheduled.isEmpty }
}

/// Counters for metrics and health checks.
public struct SchedulerStats: Sendable, Equatable {
    /// Requests holding KV blocks.
    public var numRunning: Int
    /// Requests in the waiting queue, preempted ones included.
    public var numWaiting: Int
    /// Preempted requests in the waiting queue.
    public var numPreempted: Int
    /// Fraction of blocks held by requests, in 0...1.
    public var kvUsage: Double
    /// Blocks held by requests.
    public var numUsedBlocks: Int
    /// Blocks not held by any request, including cached ones that can be evicted.
    public var numFreeBlocks: Int
    /// Blocks registered in the prefix cache (held or free).
    public var numCachedBlocks: Int
    /// Total blocks.
    public var blockCount: Int
    /// Preemptions since start.
    public var numPreemptions: Int
    /// Tokens looked up in the prefix cache since start (a request's `numTokens` at each admission, as vLLM counts).
    public var prefixCacheQueries: Int
    /// Of those, tokens served from the cache.
    public var prefixCacheHits: Int
    /// Requests finished since start, by any reason.
    public var numFinished: Int
}
