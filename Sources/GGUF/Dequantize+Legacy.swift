// Legacy 32-element quants (ggml-common.h block_q4_0 … block_q8_0; ggml-quants.c dequantize_row_q*_0/1).
// In the 4/5-bit types byte j of qs holds element j in its low nibble and element j+16 in its high nibble.

extension DequantKernels {
    /// Q4_0: f16 d, 16 bytes of nibbles; x = (q - 8)·d.
    static func q4_0(_ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, blocks: Int) {
        var x = x, y = y
        for _ in 0..<blocks {
            let d = loadHalf(x, 0)
            let qs = x + 2
            for j in 0..<16 {
                let b = qs.load(fromByteOffset: j, as: UInt8.self)
                y[j] = Float(Int32(b & 0x0F) &- 8) * d
                y[j &+ 16] = Float(Int32(b &>> 4) &- 8) * d
            }
            x += 18
            y += 32
        }
    }

    /// Q4_1: f16 d, f16 m, 16 bytes of nibbles; x = q·d + m.
    static func q4_1(_ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, blocks: Int) {
        var x = x, y = y
        for _ in 0..<blocks {
            let d = loadHalf(x, 0)
            let m = loadHalf(x, 2)
            let qs = x + 4
            for j in 0..<16 {
                let b = qs.load(fromByteOffset: j, as: UInt8.self)
                y[j] = d * Float(b & 0x0F) + m
                y[j &+ 16] = d * Float(b &>> 4) + m
            }
            x += 20
            y += 32
        }
    }

    /// Q5_0: f16 d, u32 qh (bit j is the 5th bit of element j), 16 bytes of nibbles; x = (q - 16)·d.
    static func q5_0(_ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, blocks: Int) {
        var x = x, y = y
        for _ in 0..<blocks {
            let d = loadHalf(x, 0)
            let qh = UInt32(littleEndian: x.loadUnaligned(fromByteOffset: 2, as: UInt32.self))
            let qs = x + 6
            for j in 0..<16 {
                let b = UInt32(qs.load(fromByteOffset: j, as: UInt8.self))
                // Tests against a per-lane constant mask rather than shifting by j: SSE2 has no per-lane shifts.
                let h0: UInt32 = qh & (1 &<< UInt32(j)) != 0 ? 0x10 : 0
                let h1: UInt32 = qh & (0x10000 &<< UInt32(j)) != 0 ? 0x10 : 0
                y[j] = Float(Int32(bitPattern: (b & 0x0F) | h0) &- 16) * d
                y[j &+ 16] = Float(Int32(bitPattern: (b &>> 4) | h1) &- 16) * d
            }
            x += 22
            y += 32
        }
    }

    /// Q5_1: f16 d, f16 m, u32 qh, 16 bytes of nibbles; x = q·d + m.
    static func q5_1(_ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, blocks: Int) {
        var x = x, y = y
        for _ in 0..<blocks {
            let d = loadHalf(x, 0)
            let m = loadHalf(x, 2)
            let qh = UInt32(littleEndian: x.loadUnaligned(fromByteOffset: 4, as: UInt32.self))
            let qs = x + 8
            for j in 0..<16 {
                let b = UInt32(qs.load(fromByteOffset: j, as: UInt8.self))
                let h0: UInt32 = qh & (1 &<< UInt32(j)) != 0 ? 0x10 : 0
                let h1: UInt32 = qh & (0x10000 &<< UInt32(j)) != 0 ? 0x10 : 0
                y[j] = d * Float((b & 0x0F) | h0) + m
                y[j &+ 16] = d * Float((b &>> 4) | h1) + m
            }
            x += 24
            y += 32
        }
    }

    /// Q8_0: f16 d, 32 signed bytes; x = q·d.
    static func q8_0(_ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, blocks: Int) {
        var x = x, y = y
        for _ in 0..<blocks {
            let d = loadHalf(x, 0)
            let qs = x + 2
            for j in 0..<32 {
                y[j] = Float(qs.load(fromByteOffset: j, as: Int8.self)) * d
            }
            x += 34
            y += 32
        }
    }
}
