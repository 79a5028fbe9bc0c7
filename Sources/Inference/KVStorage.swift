/// Paged key/value storage: per layer, K and V laid out as `(block, slot, kvHead, headDim)`.
///
/// The scheduler hands out block ids; a sequence's block table maps its position `p` to
/// block `table[p / blockSize]`, slot `p % blockSize`. Owned by the engine thread.
public final class KVStorage: @unchecked Sendable {
    // Mutated only by the forward pass on the engine thread that owns the Transformer.
    /// Element type of the stored keys and values.
    public enum Precision: String, Sendable { case f32, f16 }

    public let blockCount: Int
    public let blockSize: Int
    public let layers: Int
    public let kvDim: Int
    public let precision: Precision
    let keys: [UnsafeMutableRawPointer]
    let values: [UnsafeMutableRawPointer]

    /// Bytes needed for `blocks` blocks of the given model and precision.
    public static func bytes(blocks: Int, blockSize: Int, config: ModelConfig, precision: Precision) -> Int {
        2 * config.layers * blocks * blockSize * config.kvDim * (precision == .f32 ? 4 : 2)
    }

    /// Allocates `blockCount` blocks of `blockSize` token slots for every layer.
    public init(config: ModelConfig, blockCount: Int, blockSize: Int = 16, precision: Precision = .f32) {
        self.blockCount = blockCount
        self.blockSize = blockSize
        self.layers = config.layers
        self.kvDim = config.kvDim
        self.precision = precision
        let bytes = blockCount * blockSize * config.kvDim * (precision == .f32 ? 4 : 2)
        func alloc() -> UnsafeMutableRawPointer {
            let p = UnsafeMutableRawPointer.allocate(byteCount: max(bytes, 64), alignment: 64)
            p.initializeMemory(as: UInt8.self, repeating: 0, count: max(bytes, 64))
            return p
        }
        keys = (0..<config.layers).map { _ in alloc() }
        values = (0..<config.layers).map { _ in alloc() }
    }

    deinit {
        keys.forEach { $0.deallocate() }
        values.forEach { $0.deallocate() }
    }

    /// Total token slots.
    public var capacity: Int { blockCount * blockSize }
}
