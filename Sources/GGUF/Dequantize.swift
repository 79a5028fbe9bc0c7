/// Why a ggml tensor could not be dequantized.
public enum DequantizationError: Error, CustomStringConvertible, Equatable, Sendable {
    /// The type has no f32 decoder here (i-quants, ternary, integer and f64 types).
    case unsupportedType(GGMLType)
    /// The element count does not fill a whole number of blocks.
    case partialBlock(count: Int, blockSize: Int)
    /// The element count is negative or its byte size overflows `Int`.
    case invalidCount(Int)

    /// A one-line explanation for logs and CLI errors.
    public var description: String {
        switch self {
        case .unsupportedType(let type):
            "dequantization of \(type.name) tensors is not supported"
        case .partialBlock(let count, let blockSize):
            "cannot dequantize \(count) elements: not a multiple of the block size \(blockSize)"
        case .invalidCount(let count):
            "cannot dequantize \(count) elements: invalid element count"
        }
    }
}

extension GGMLType {
    /// Whether `dequantize` supports this type.
    public var isDequantizable: Bool {
        switch self {
        case .f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K:
            true
        default:
            false
        }
    }

    /// Decodes `count` elements (a whole number of blocks) starting at `source` into `destination`.
    ///
    /// `source` may sit at any byte offset and must hold `byteCount(elements: count)` bytes in ggml's
    /// little-endian block layout; `destination` must hold `count` floats and must not overlap `source`.
    /// Results are bit-identical to gguf-py's numpy dequantizer (and to ggml's scalar `dequantize_row_*`).
    /// The call keeps no state, so callers may split a large tensor into block-aligned chunks across threads.
    public func dequantize(_ source: UnsafeRawPointer, count: Int, into destination: UnsafeMutablePointer<Float>) throws {
        guard isDequantizable else { throw DequantizationError.unsupportedType(self) }
        let (blockElements, _) = blockLayout
        guard count >= 0 else { throw DequantizationError.invalidCount(count) }
        guard count % blockElements == 0 else {
            throw DequantizationError.partialBlock(count: count, blockSize: blockElements)
        }
        guard let bytes = byteCount(elements: count) else { throw DequantizationError.invalidCount(count) }
        let blocks = count / blockElements
        switch self {
        case .f32:
            UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: bytes)
        case .f16:
            DequantKernels.f16(source, destination, count: count)
        case .bf16:
            DequantKernels.bf16(source, destination, count: count)
        case .q4_0:
            DequantKernels.q4_0(source, destination, blocks: blocks)
        case .q4_1:
            DequantKernels.q4_1(source, destination, blocks: blocks)
        case .q5_0:
            DequantKernels.q5_0(source, destination, blocks: blocks)
        case .q5_1:
            DequantKernels.q5_1(source, destination, blocks: blocks)
        case .q8_0:
            DequantKernels.q8_0(source, destination, blocks: blocks)
        case .q2_K:
            DequantKernels.q2_K(source, destination, blocks: blocks)
        case .q3_K:
            DequantKernels.q3_K(source, destination, blocks: blocks)
        case .q4_K:
            DequantKernels.q4_K(source, destination, blocks: blocks)
        case .q5_K:
            DequantKernels.q5_K(source, destination, blocks: blocks)
        case .q6_K:
            DequantKernels.q6_K(source, destination, blocks: blocks)
        default:
            throw DequantizationError.unsupportedType(self)
        }
    }
}

/// Per-type decoders over raw block bytes; callers have already validated the counts.
///
/// House rules for the inner loops (they run over whole models at load time): pointer arithmetic only,
/// wrapping integer ops (no overflow traps), byte loads or `loadUnaligned` because ggml blocks are
/// 18/20/22/… bytes and so land at any alignment, and float ops in exactly gguf-py's order with no
/// fused multiply-add, which is what makes the results bit-identical to the golden fixtures.
enum DequantKernels {
    /// F16: IEEE binary16, converted exactly.
    static func f16(_ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            y[i] = floatFromHalfBits(UInt16(littleEndian: x.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self)))
        }
    }

    /// BF16: the high half of an f32, so widening is a shift.
    static func bf16(_ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, count: Int) {
        for i in 0..<count {
            let bits = UInt16(littleEndian: x.loadUnaligned(fromByteOffset: 2 &* i, as: UInt16.self))
            y[i] = Float(bitPattern: UInt32(truncatingIfNeeded: bits) &<< 16)
        }
    }

    /// Reads a little-endian f16 scale field at `offset` and widens it.
    @inline(__always)
    static func loadHalf(_ p: UnsafeRawPointer, _ offset: Int) -> Float {
        floatFromHalfBits(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }
}
