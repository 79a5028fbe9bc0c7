// K-quants: 256-element super-blocks with per-sub-block scales (ggml-common.h block_q2_K … block_q6_K;
// ggml-quants.c dequantize_row_q*_K). Offsets below are byte offsets inside one block.

extension DequantKernels {
    /// Q2_K: scales[16] @0 (low nibble scale, high nibble min), qs[64] @16 (2-bit), f16 d @80, f16 dmin @82.
    ///
    /// Sub-block g (16 elements) reads bit pair 2·((g/2)%4) of qs[32·(g/8) + 16·(g%2) + l]; x = d·sc·q - dmin·m.
    static func q2_K(_ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, blocks: Int) {
        var x = x, y = y
        for _ in 0..<blocks {
            let d = loadHalf(x, 80)
            let dmin = loadHalf(x, 82)
            for g in 0..<16 {
                let sc = x.load(fromByteOffset: g, as: UInt8.self)
                let dl = d * Float(sc & 0x0F)
                let ml = dmin * Float(sc &>> 4)
                let q = x + (16 &+ 32 &* (g &>> 3) &+ 16 &* (g & 1))
                let shift = UInt8(truncatingIfNeeded: 2 &* ((g &>> 1) & 3))
                let out = y + 16 &* g
                for l in 0..<16 {
                    out[l] = dl * Float((q.load(fromByteOffset: l, as: UInt8.self) &>> shift) & 3) - ml
                }
            }
            x += 84
            y += 256
        }
    }

    /// Q3_K: hmask[32] @0, qs[64] @32 (low 2 bits), scales[12] @96 (sixteen 6-bit values), f16 d @108.
    ///
    /// Sub-block g uses the same qs bytes and bit pairs as Q2_K, plus bit (g/2) of hmask[16·(g%2) + l];
    /// a clear hmask bit means q - 4. Scale g: low nibble from byte g%8 (high nibble when g ≥ 8), top two
    /// bits from byte 8 + g%4 at bit 2·(g/4); stored with a +32 bias.
    static func q3_K(_ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, blocks: Int) {
        var x = x, y = y
        for _ in 0..<blocks {
            let d = loadHalf(x, 108)
            let scales = x + 96
            for g in 0..<16 {
                let low = scales.load(fromByteOffset: g & 7, as: UInt8.self) &>> UInt8(truncatingIfNeeded: (g &>> 3) &* 4)
                let high = scales.load(fromByteOffset: 8 &+ (g & 3), as: UInt8.self) &>> UInt8(truncatingIfNeeded: (g &>> 2) &* 2)
                let scale = Int32((low & 0x0F) | ((high & 0x03) &<< 4)) &- 32
                let dl = d * Float(scale)
                let q = x + (32 &+ 32 &* (g &>> 3) &+ 16 &* (g & 1))
                let hm = x + 16 &* (g & 1)
                let shift = UInt8(truncatingIfNeeded: 2 &* ((g &>> 1) & 3))
                let hbit = UInt8(truncatingIfNeeded: g &>> 1)
                let out = y + 16 &* g
                for l in 0..<16 {
                    let lowBits = Int32((q.load(fromByteOffset: l, as: UInt8.self) &>> shift) & 3)
                    let missing = Int32(((hm.load(fromByteOffset: l, as: UInt8.self) &>> hbit) & 1) ^ 1) &<< 2
                    out[l] = dl * Float(lowBits &- missing)
                }
            }
            x += 110
            y += 256
        }
    }

    /// The j-th 6-bit (scale, min) pair of Q4_K/Q5_K's 12-byte table (ggml-quants.c get_scale_min_k4):
    /// bytes 0–3 hold scales 0–3, bytes 4–7 mins 0–3, each with 2 spare top bits that extend
    /// scales/mins 4–7, whose low nibbles sit in bytes 8–11.
    @inline(__always)
    static func scaleMinK4(_ j: Int, _ s: UnsafeRawPointer) -> (scale: Float, min: Float) {
        if j < 4 {
            return (Float(s.load(fromByteOffset: j, as: UInt8.self) & 63),
                    Float(s.load(fromByteOffset: j &+ 4, as: UInt8.self) & 63))
        }
        let packed = s.load(fromByteOffset: j &+ 4, as: UInt8.self)
        let scale = (packed & 0x0F) | ((s.load(fromByteOffset: j &- 4, as: UInt8.self) &>> 6) &<< 4)
        let min = (packed &>> 4) | ((s.load(fromByteOffset: j, as: UInt8.self) &>> 6) &<< 4)
        return (Float(scale), Float(min))
    }

    /// Q4_K: f16 d @0, f16 dmin @2, scales[12] @4, qs[128] @16; each 64 elements share 32 bytes of qs
    /// (low nibbles first, then high nibbles) and two (scale, min) pairs; x = d·sc·q - dmin·m.
    static func q4_K(_ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, blocks: Int) {
        var x = x, y = y
        for _ in 0..<blocks {
            let d = loadHalf(x, 0)
            let dmin = loadHalf(x, 2)
            let scales = x + 4
            for g in 0..<4 {
                let (sc1, m1) = scaleMinK4(2 &* g, scales)
                let (sc2, m2) = scaleMinK4(2 &* g &+ 1, scales)
                let d1 = d * sc1, min1 = dmin * m1
                let d2 = d * sc2, min2 = dmin * m2
                let q = x + (16 &+ 32 &* g)
                let out = y + 64 &* g
                for l in 0..<32 {
                    let b = q.load(fromByteOffset: l, as: UInt8.self)
                    out[l] = d1 * Float(b & 0x0F) - min1
                    out[l &+ 32] = d2 * Float(b &>> 4) - min2
                }
            }
            x += 144
            y += 256
        }
    }

    /// Q5_K: as Q4_K plus qh[32] @16 (qs moves to @48); 64-element group g takes its 5th bits from
    /// bits 2g (low-nibble half) and 2g+1 (high-nibble half) of qh[l].
    static func q5_K(_ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, blocks: Int) {
        var x = x, y = y
        for _ in 0..<blocks {
            let d = loadHalf(x, 0)
            let dmin = loadHalf(x, 2)
            let scales = x + 4
            let qh = x + 16
            for g in 0..<4 {
                let (sc1, m1) = scaleMinK4(2 &* g, scales)
                let (sc2, m2) = scaleMinK4(2 &* g &+ 1, scales)
                let d1 = d * sc1, min1 = dmin * m1
                let d2 = d * sc2, min2 = dmin * m2
                let q = x + (48 &+ 32 &* g)
                let out = y + 64 &* g
                let shift = UInt8(truncatingIfNeeded: 2 &* g)
                for l in 0..<32 {
                    let b = q.load(fromByteOffset: l, as: UInt8.self)
                    let h = qh.load(fromByteOffset: l, as: UInt8.self) &>> shift
                    out[l] = d1 * Float((b & 0x0F) | ((h & 1) &<< 4)) - min1
                    out[l &+ 32] = d2 * Float((b &>> 4) | ((h & 2) &<< 3)) - min2
                }
            }
            x += 176
            y += 256
        }
    }

    /// Q6_K: ql[128] @0 (low nibbles), qh[64] @128 (2-bit tops), int8 scales[16] @192, f16 d @208.
    ///
    /// Each 128-element half uses 64 bytes of ql and 32 of qh: element l, l+32, l+64, l+96 take
    /// ql[l] low, ql[l+32] low, ql[l] high, ql[l+32] high nibbles and qh[l] bit pairs 0, 2, 4, 6;
    /// one scale per 16 elements; x = (d·sc)·(q - 32).
    static func q6_K(_ x: UnsafeRawPointer, _ y: UnsafeMutablePointer<Float>, blocks: Int) {
        var x = x, y = y
        for _ in 0..<blocks {
            let d = loadHalf(x, 208)
            for half in 0..<2 {
                let ql = x + 64 &* half
                let qh = x + (128 &+ 32 &* half)
                let sc = x + (192 &+ 8 &* half)
                let out = y + 128 &* half
                for part in 0..<2 {
                    let s1 = d * Float(sc.load(fromByteOffset: part, as: Int8.self))
                    let s2 = d * Float(sc.load(fromByteOffset: part &+ 2, as: Int8.self))
                    let s3 = d * Float(sc.load(fromByteOffset: part &+ 4, as: Int8.self))
                    let s4 = d * Float(sc.load(fromByteOffset: part &+ 6, as: Int8.self))
                    let base = 16 &* part
                    for l in base..<(base &+ 16) {
                        let a = ql.load(fromByteOffset: l, as: UInt8.self)
                        let b = ql.load(fromByteOffset: l &+ 32, as: UInt8.self)
                        let h = qh.load(fromByteOffset: l, as: UInt8.self)
                        out[l] = s1 * Float(Int32((a & 0x0F) | ((h & 0x03) &<< 4)) &- 32)
                        out[l &+ 32] = s2 * Float(Int32((b & 0x0F) | ((h & 0x0C) &<< 2)) &- 32)
                        out[l &+ 64] = s3 * Float(Int32((a &>> 4) | (h & 0x30)) &- 32)
                        out[l &+ 96] = s4 * Float(Int32((b &>> 4) | ((h & 0xC0) &>> 2)) &- 32)
                    }
                }
            }
            x += 210
            y += 256
        }
    }
}
