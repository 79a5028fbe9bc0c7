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

    /// Allocates `count` zeroed floats.
    public init(count: Int) {
        self.count = count
        var raw: UnsafeMutableRawPointer?
        let bytes = max(count, 1) * MemoryLayout<Float>.size
        precondition(posix_memalign(&raw, 64, bytes) == 0 && raw != nil, "out of memory allocating \(bytes) bytes")
        memset(raw!, 0, bytes)
        pointer = raw!.bindMemory(to: Float.self, capacity: max(count, 1))
    }

    deinit { free(pointer) }

    /// Pointer to element `offset`.
    @inline(__always) public subscript(offset offset: Int) -> UnsafeMutablePointer<Float> { pointer + offset }
}

/// A row-major weight matrix `(rows, cols)` in f32, used as `y = x · Wᵀ` (one row per output feature, as GGUF stores it).
public struct Matrix: Sendable {
    public let buffer: FloatBuffer
    public let rows: Int
    public let cols: Int
    public var pointer: UnsafeMutablePointer<Float> { buffer.pointer }

    public init(rows: Int, cols: Int) {
        self.rows = rows
        self.cols = cols
        buffer = FloatBuffer(count: rows * cols)
    }
}
