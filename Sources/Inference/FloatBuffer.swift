import CKernels
import Glibc

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
