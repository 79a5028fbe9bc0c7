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

/// How the engine sizes its batches and cache.
public struct EngineConfiguration: Sendable {
    /// Tokens per forward pass (prefill chunks and decodes together).
    public var maxBatchTokens = 512
    /// Most sequences running at once.
    public var maxSequences = 64
    /// Requests waiting beyond this are refused with 429.
    public var maxWaiting = 256
    public var blockSize = 16
    /// KV blocks; with `blockSize` this fixes how many tokens all live requests may hold.
    public var kvBlocks: Int
    public var kvPrecision: KVPrecisionSetting = .f32
    public var enablePrefixCaching = true
    public var threads = 2
    /// Caps the model's context length (nil: the model's own).
    public var contextLength: Int?

    public init(kvBlocks: Int) { self.kvBlocks = kvBlocks }
}

/// KV cache element type.
public enum KVPrecisionSetting: String, Sendable { case f32, f16 }
