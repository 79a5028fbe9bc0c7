/// Limits of one scheduler: per-step work, concurrency, KV capacity and queue length.
public struct SchedulerConfig: Sendable, Equatable {
    /// Most tokens (prefill chunks plus decodes) in one step.
    public var maxNumBatchedTokens: Int
    /// Most requests running (holding KV blocks) at once.
    public var maxNumSeqs: Int
    /// Token slots per KV block.
    public var blockSize: Int
    /// KV blocks in the pool.
    public var numBlocks: Int
    /// Context length: prompt plus output never exceeds it.
    public var maxModelLen: Int
    /// Most requests in the waiting queue, preempted ones included, before `add` throws `queueFull`
    /// (a preempted request itself is never refused).
    public var maxWaiting: Int
    /// Whether full KV blocks are cached and reused across requests with a common prefix.
    public var enablePrefixCaching: Bool

    /// A configuration; every count must be positive (`maxWaiting` may be 0).
    public init(maxNumBatchedTokens: Int = 512, maxNumSeqs: Int = 64, blockSize: Int = 16, numBlocks: Int,
                maxModelLen: Int, maxWaiting: Int = 256, enablePrefixCaching: Bool = true) {
        self.maxNumBatchedTokens = maxNumBatchedTokens
        self.maxNumSeqs = maxNumSeqs
        self.blockSize = blockSize
        self.numBlocks = numBlocks
        self.maxModelLen = maxModelLen
        self.maxWaiting = maxWaiting
        self.enablePrefixCaching = enablePrefixCaching
    }

    /// A description of the first invalid setting, or nil when the configuration is usable.
    public var invalidReason: String? {
        if maxNumBatchedTokens < 1 { return "maxNumBatchedTokens must be at least 1" }
        if maxNumSeqs < 1 { return "maxNumSeqs must be at least 1" }
        if blockSize < 1 { return "blockSize must be at least 1" }
        if numBlocks < 1 || numBlocks >= Int(Int32.max) { return "numBlocks must be in 1..<2^31-1" }
        if maxModelLen < 2 { return "maxModelLen must be at least 2" }
        if maxWaiting < 0 { return "maxWaiting must not be negative" }
        return nil
    }
}

/// Why `Scheduler.add` refused a request.
public enum AdmissionError: Error, Equatable, Sendable {
    /// Prompt plus `maxTokens` exceeds the context length `limit`.
    case tooLong(promptTokens: Int, maxTokens: Int, limit: Int)
    /// Even alone, the request would need more KV blocks than the pool has.
    case exceedsKVCapacity(neededBlocks: Int, totalBlocks: Int)
    /// The waiting queue is full; try again later (HTTP 429).
    case queueFull(waiting: Int)
    /// The prompt has no tokens.
    case emptyPrompt
    /// `maxTokens` is below 1.
    case invalidMaxTokens(Int)
    /// A live request has the same id, or this request object was already added.
    case duplicateID
}
