import Glibc

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

    /// Maps `blockCount` blocks of `blockSize` token slots for every layer; throws when the system refuses the memory.
    public init(config: ModelConfig, blockCount: Int, blockSize: Int = 16, precision: Precision = .f32) throws(ModelError) {
        self.blockCount = blockCount
        self.blockSize = blockSize
        self.layers = config.layers
        self.kvDim = config.kvDim
        self.precision = precision
        let bytes = max(blockCount * blockSize * config.kvDim * (precision == .f32 ? 4 : 2), 64)
        mappedBytes = bytes
        // Anonymous mappings arrive zeroed and take memory only as blocks are first written, so a multi-GiB cache
        // costs nothing at start (page-aligned, so 64-byte alignment holds).
        var maps: [UnsafeMutableRawPointer] = []
        for _ in 0..<(2 * config.layers) {
            guard let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED else {
                maps.forEach { munmap($0, bytes) }
                throw .outOfMemory(what: "the KV cache (\(2 * config.layers) maps of this size)", bytes: bytes)
            }
            maps.append(p)
        }
        keys = Array(maps[..<config.layers])
        values = Array(maps[config.layers...])
    }

    private let mappedBytes: Int

    deinit {
        keys.forEach { munmap($0, mappedBytes) }
        values.forEach { munmap($0, mappedBytes) }
    }

    /// Total token slots.
    public var capacity: Int { blockCount * blockSize }
}
