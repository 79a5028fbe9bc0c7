/// A snapshot of the engine's load and counters, published after every step (for /metrics and /health).
public struct EngineStats: Sendable, Equatable {
    public var running = 0
    public var waiting = 0
    /// Fraction of KV blocks held by live requests.
    public var kvUsage = 0.0
    public var usedBlocks = 0
    public var freeBlocks = 0
    public var cachedBlocks = 0
    public var totalBlocks = 0
    public var preemptions = 0
    public var prefixCacheQueries = 0
    public var prefixCacheHits = 0
    public var promptTokens = 0
    public var generationTokens = 0
    public var steps = 0
    /// True when no request is alive and every block is free or cached (checked by the scheduler).
    public var idleAndClean = true

    public init() {}
}
