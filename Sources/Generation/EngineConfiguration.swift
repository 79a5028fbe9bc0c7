import Foundation
import Inference

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
    public var kvPrecision: KVStorage.Precision = .f32
    public var enablePrefixCaching = true
    public var threads = 2
    /// Caps the model's context length (nil: the model's own).
    public var contextLength: Int?

    public init(kvBlocks: Int) { self.kvBlocks = kvBlocks }

    /// A configuration whose KV cache fills `memoryBudget` bytes (nil: `defaultKVBudget()`) for `model`, at least
    /// one block.
    public static func sized(for model: ModelConfig, memoryBudget: Int?, precision: KVStorage.Precision,
                             blockSize: Int = 16) -> EngineConfiguration {
        let perBlock = KVStorage.bytes(blocks: 1, blockSize: blockSize, config: model, precision: precision)
        var c = EngineConfiguration(kvBlocks: max((memoryBudget ?? defaultKVBudget()) / perBlock, 1))
        c.blockSize = blockSize
        c.kvPrecision = precision
        return c
    }

    /// The bytes the KV cache of this configuration takes for `model`.
    public func kvBytes(for model: ModelConfig) -> Int {
        KVStorage.bytes(blocks: kvBlocks, blockSize: blockSize, config: model, precision: kvPrecision)
    }

    /// 20% of physical memory, at most 8 GiB: room for many long conversations without crowding the weights.
    public static func defaultKVBudget() -> Int {
        min(Int(Double(ProcessInfo.processInfo.physicalMemory) * 0.2), 8 << 30)
    }
}
