#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

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
        let bytes = max(blockCount * blockSize * config.kvDim * (precision == .f32 ? 4 : 2), 64)
        mappedBytes = bytes
        // Anonymous mappings arrive zeroed and take memory only as blocks are first written, so a multi-GiB cache
        // costs nothing at start (page-aligned, so 64-byte alignment holds).
        func alloc() -> UnsafeMutableRawPointer {
            guard let p = mmap(nil, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0), p != MAP_FAILED else {
                fatalError("out of memory mapping \(bytes) bytes of KV cache")
            }
            return p
        }
        keys = (0..<config.layers).map { _ in alloc() }
        values = (0..<config.layers).map { _ in alloc() }
    }

    private let mappedBytes: Int

    deinit {
        keys.forEach { munmap($0, mappedBytes) }
        values.forEach { munmap($0, mappedBytes) }
    }

    /// Total token slots.
    public var capacity: Int { blockCount * blockSize }
}
