import Foundation
import Inference
import Scheduling

/// How the engine sizes its batches and cache.
public struct EngineConfiguration: Sendable {
    /// Tokens per forward pass (prefill chunks and decodes together).
    public var maxBatchTokens = SchedulerConfig.Defaults.maxBatchTokens
    /// Most sequences running at once.
    public var maxSequences = SchedulerConfig.Defaults.maxSequences
    /// Requests waiting beyond this are refused with 429.
    public var maxWaiting = SchedulerConfig.Defaults.maxWaiting
    /// Token slots per KV block.
    public var blockSize = SchedulerConfig.Defaults.blockSize
    /// KV blocks; with `blockSize` this fixes how many tokens all live requests may hold.
    public var blockCount: Int
    public var kvPrecision: KVStorage.Precision = .f32
    /// Whether KV blocks of shared prompt prefixes are reused across requests.
    public var prefixCaching = true
    /// Threads for the compute kernels: every processor this process may run on, as `hearth serve` defaults to.
    public var threads = max(1, ProcessInfo.processInfo.activeProcessorCount)
    /// Caps the model's context length (nil: the model's own).
    public var contextLength: Int?

    public init(blockCount: Int) { self.blockCount = blockCount }

    /// A configuration whose KV cache fills `memoryBudget` bytes (nil: `defaultKVBudget()`) for `model`, at least
    /// one block.
    public static func sized(for model: ModelConfig, memoryBudget: Int?, precision: KVStorage.Precision,
                             blockSize: Int = SchedulerConfig.Defaults.blockSize) -> EngineConfiguration {
        let perBlock = KVStorage.bytes(blocks: 1, blockSize: blockSize, config: model, precision: precision)
        var c = EngineConfiguration(blockCount: max((memoryBudget ?? defaultKVBudget()) / perBlock, 1))
        c.blockSize = blockSize
        c.kvPrecision = precision
        return c
    }

    /// The bytes the KV cache of this configuration takes for `model`.
    public func kvBytes(for model: ModelConfig) -> Int {
        KVStorage.bytes(blocks: blockCount, blockSize: blockSize, config: model, precision: kvPrecision)
    }

    /// 20% of physical memory, at most 8 GiB: room for many long conversations without crowding the weights.
    public static func defaultKVBudget() -> Int {
        min(Int(Double(ProcessInfo.processInfo.physicalMemory) * 0.2), 8 << 30)
    }
}
