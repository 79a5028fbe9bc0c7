import CKernels
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A 64-byte-aligned float array allocated once and freed with its owner; no copy-on-write, no bounds checks.
public final class FloatBuffer: @unchecked Sendable {
    // Owned by whoever holds the reference: weights are read-only after load; scratch belongs to the engine thread.
    public let pointer: UnsafeMutablePointer<Float>
    public let count: Int

    /// Allocates `count` floats, zeroed unless the caller will overwrite every one (`zeroed: false` saves a pass
    /// over gigabytes of weights at load).
    public init(count: Int, zeroed: Bool = true) {
        self.count = count
        var raw: UnsafeMutableRawPointer?
        let bytes = max(count, 1) * MemoryLayout<Float>.size
        precondition(posix_memalign(&raw, 64, bytes) == 0 && raw != nil, "out of memory allocating \(bytes) bytes")
        if zeroed { memset(raw!, 0, bytes) }
        pointer = raw!.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    deinit { free(pointer) }

    /// Pointer to element `offset`.
    @inline(__always) public subscript(offset offset: Int) -> UnsafeMutablePointer<Float> { pointer + offset }
}

/// A weight matrix `(rows, cols)` in f32, used as `y = x · Wᵀ` (one row per output feature, as GGUF stores it).
///
/// It is held twice: row-major for OpenBLAS (prompt rows) and in 16-row panels for the row-invariant
/// kernel (generated rows and logits). The output head keeps only the panels.
public final class Matrix: @unchecked Sendable {
    // Written during loading by the one thread that fills this matrix, read-only afterwards.
    public let rows: Int
    public let cols: Int
    /// Row-major copy, `(rows, cols)`; nil once dropped after packing.
    public private(set) var rowMajor: FloatBuffer?
    /// `(rows/16, cols, 16)`: `packed[p][k][j] = W[16p + j][k]`, zero-padded to whole panels.
    public let packed: FloatBuffer

    public init(rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
        // Dequantization writes every row-major element and packing every panel element (padding included).
        rowMajor = FloatBuffer(count: rows * cols, zeroed: false)
        packed = FloatBuffer(count: (rows + 15) / 16 * 16 * cols, zeroed: false)
    }

    /// The row-major data (only valid before `pack(dropRowMajor: true)`).
    public var pointer: UnsafeMutablePointer<Float> { rowMajor!.pointer }

    /// Number of 16-row panels.
    public var panels: Int { (rows + 15) / 16 }

    /// Fills the panel copy from the row-major data; `dropRowMajor` frees the row-major copy afterwards.
    public func pack(dropRowMajor: Bool) {
        guard let r = rowMajor else { return }
        hk_pack_panels(r.pointer, rows, cols, packed.pointer)
        if dropRowMajor { rowMajor = nil }
    }
}
