/// Limits of one scheduler: per-step work, concurrency, KV capacity and queue length.
public struct SchedulerConfig: Sendable, Equatable {
    /// Most tokens (prefill chunks plus decodes) in one step.
    public var maxBatchTokens: Int
    /// Most requests running (holding KV blocks) at once.
    public var maxSequences: Int
    /// Token slots per KV block.
    public var blockSize: Int
    /// KV blocks in the pool.
    public var blockCount: Int
    /// Context length: prompt plus output never exceeds it.
    public var contextLength: Int
    /// Most requests in the waiting queue, preempted ones included, before `add` throws `queueFull`
    /// (a preempted request itself is never refused).
    public var maxWaiting: Int
    /// Whether full KV blocks are cached and reused across requests with a common prefix.
    public var prefixCaching: Bool

    /// A configuration; every count must be positive (`maxWaiting` may be 0).
    public init(maxBatchTokens: Int = Defaults.maxBatchTokens, maxSequences: Int = Defaults.maxSequences,
                blockSize: Int = Defaults.blockSize, blockCount: Int, contextLength: Int, maxWaiting: Int = Defaults.maxWaiting,
                prefixCaching: Bool = true) {
        self.maxBatchTokens = maxBatchTokens
        self.maxSequences = maxSequences
        self.blockSize = blockSize
        self.blockCount = blockCount
        self.contextLength = contextLength
        self.maxWaiting = maxWaiting
        self.prefixCaching = prefixCaching
    }

    /// The engine's defaults, declared once (the server's config file declares its own, for its help text).
    public enum Defaults {
        public static let maxBatchTokens = 512
        public static let maxSequences = 64
        public static let blockSize = 16
        public static let maxWaiting = 256
    }

    /// A description of the first invalid setting, or nil when the configuration is usable.
    public var invalidReason: String? {
        if maxBatchTokens < 1 { return "maxBatchTokens must be at least 1" }
        if maxSequences < 1 { return "maxSequences must be at least 1" }
        if blockSize < 1 { return "blockSize must be at least 1" }
        if blockCount < 1 || blockCount >= Int(Int32.max) { return "blockCount must be in 1..<2^31-1" }
        if contextLength < 2 { return "contextLength must be at least 2" }
        if maxWaiting < 0 { return "maxWaiting must not be negative" }
        return nil
    }
}

/// Why a request was refused before it ran: `Scheduler.add`'s checks, plus the engine's own (token ids, shutdown),
/// so there is one refusal type from the engine to the API.
public enum AdmissionError: Error, Equatable, Sendable {
    /// Prompt plus `maxTokens` exceeds the context length `limit`.
    /// `maxTokens` is nil when the request left it to the context, and the prompt alone fills it.
    case tooLong(promptTokens: Int, maxTokens: Int?, limit: Int)
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
    /// A token id of the prompt (or, with `inLogitBias`, of the logit bias) is outside the vocabulary.
    case tokenOutOfRange(Int32, vocabularySize: Int, inLogitBias: Bool)
    /// The engine is shutting down.
    case shuttingDown
}
