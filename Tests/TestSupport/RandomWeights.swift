import GGUF

/// Random tensor data written straight in GGML block formats from a seeded generator, so a synthetic model can use
/// the same types (and so the same kernels) as a quantized real one without a quantizer.
///
/// Codes are drawn uniformly and each block's scale is set so the weights have mean about zero and the standard
/// deviation asked for: symmetric code ranges for the zero-point types (Q4_0 codes 1...15, Q5_0 1...31, Q8_0
/// -127...127) and a min of -(middle code)·scale for the offset types (Q4_1, Q5_1, Q2_K, Q4_K, Q5_K); block
/// layouts as in ggml-quants.c's `dequantize_row_*`. Every type the loader packs is covered.
public struct RandomWeights {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    /// SplitMix64 (Steele, Lea, Flood 2014): fixed, fast, and the same on every platform and Swift version.
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// Uniform in `range` (modulo bias is irrelevant at these sizes).
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        range.lowerBound + Int(next() % UInt64(range.count))
    }

    /// Uniform in [-1, 1).
    public mutating func unit() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }

    /// `count` floats uniform around `mean` with standard deviation `std`.
    public mutating func floats(_ count: Int, mean: Float = 0, std: Float) -> [Float] {
        // A uniform [-a, a) has standard deviation a/√3.
        (0..<count).map { _ in mean + unit() * std * 1.732_050_8 }
    }

    /// Why a tensor could not be made.
    public struct Unsupported: Error, CustomStringConvertible {
        public let description: String
    }

    /// A `(rows, cols)` matrix of `type` (GGUF dims `[cols, rows]`) with weights of about zero mean and `std`.
    public mutating func tensor(_ type: GGMLType, rows: Int, cols: Int, std: Float) throws -> [UInt8] {
        guard let rowBytes = type.byteCount(elements: cols) else {
            throw Unsupported(description: "\(cols) columns are not whole \(type.name) blocks")
        }
        let blocks = rows * cols / type.blockLayout.elements
        var out: [UInt8] = []
        out.reserveCapacity(rows * rowBytes)
        switch type {
        case .f32:
            for x in floats(rows * cols, std: std) { Self.appendU32(x.bitPattern, to: &out) }
        case .f16:
            for x in floats(rows * cols, std: std) { Self.appendU16(Float16(x).bitPattern, to: &out) }
        case .bf16:
            // Truncation is a valid bf16 value; rounding would not change what the test exercises.
            for x in floats(rows * cols, std: std) { Self.appendU16(UInt16(truncatingIfNeeded: x.bitPattern >> 16), to: &out) }
        case .q8_0:
            // Codes -127...127: standard deviation √((255² - 1) / 12) ≈ 73.6.
            for _ in 0..<blocks {
                Self.appendU16(Float16(std / 73.6).bitPattern, to: &out)
                for _ in 0..<32 { out.append(UInt8(bitPattern: Int8(int(-127...127)))) }
            }
        case .q4_0:
            // Value (q - 8)·d, q in 1...15: standard deviation √((15² - 1) / 12) ≈ 4.32.
            for _ in 0..<blocks {
                Self.appendU16(Float16(std / 4.32).bitPattern, to: &out)
                for _ in 0..<16 { out.append(UInt8(int(1...15) | int(1...15) << 4)) }
            }
        case .q4_1:
            // Value q·d + m, q in 0...15 (≈ 4.61 standard deviation), m = -7.5·d.
            for _ in 0..<blocks {
                let d = std / 4.61
                Self.appendU16(Float16(d).bitPattern, to: &out)
                Self.appendU16(Float16(-7.5 * d).bitPattern, to: &out)
                for _ in 0..<16 { out.append(UInt8(int(0...15) | int(0...15) << 4)) }
            }
        case .q5_0:
            // Value (q - 16)·d, q in 1...31 (≈ 8.94); q's fifth bit in qh (bit j for element j, j + 16 for j + 16).
            for _ in 0..<blocks {
                Self.appendU16(Float16(std / 8.94).bitPattern, to: &out)
                appendFiveBitCodes((0..<32).map { _ in int(1...31) }, to: &out)
            }
        case .q5_1:
            // Value q·d + m, q in 0...31 (≈ 9.23), m = -15.5·d.
            for _ in 0..<blocks {
                let d = std / 9.23
                Self.appendU16(Float16(d).bitPattern, to: &out)
                Self.appendU16(Float16(-15.5 * d).bitPattern, to: &out)
                appendFiveBitCodes((0..<32).map { _ in int(0...31) }, to: &out)
            }
        case .q4_K:
            // 8 groups of 32: value d·sc·q - dmin·m; with m = sc and dmin = 7.5·d that is d·sc·(q - 7.5).
            // sc in 8...63 averages 35.5, q's standard deviation is ≈ 4.61.
            for _ in 0..<blocks {
                let d = std / (4.61 * 35.5)
                Self.appendU16(Float16(d).bitPattern, to: &out)
                Self.appendU16(Float16(7.5 * d).bitPattern, to: &out)
                let scales = (0..<8).map { _ in UInt8(int(8...63)) }
                out += Self.packScaleMinK4(scales: scales, mins: scales)
                for _ in 0..<128 { out.append(UInt8(truncatingIfNeeded: next())) }
            }
        case .q2_K:
            // 16 groups of 16: value d·(sc & 15)·q - dmin·(sc >> 4), q in 0...3 (≈ 1.118); with the min nibble equal
            // to the scale nibble and dmin = 1.5·d that is d·s·(q - 1.5), s in 1...15 (mean 8).
            // scales[16], qs[64], then d and dmin.
            for _ in 0..<blocks {
                for _ in 0..<16 { let n = UInt8(int(1...15)); out.append(n | n << 4) }
                for _ in 0..<64 { out.append(UInt8(truncatingIfNeeded: next())) }
                let d = std / (1.118 * 8)
                Self.appendU16(Float16(d).bitPattern, to: &out)
                Self.appendU16(Float16(1.5 * d).bitPattern, to: &out)
            }
        case .q3_K:
            // 16 groups of 16: value d·(sc - 32)·q, sc 6-bit, q in -4...3 from 2 low bits and a high-mask bit; random
            // bytes give both factors nearly zero mean and a product of standard deviation ≈ 18.5 · 2.35.
            // hmask[32], qs[64], scales[12], then d.
            for _ in 0..<blocks {
                for _ in 0..<108 { out.append(UInt8(truncatingIfNeeded: next())) }
                Self.appendU16(Float16(std / (18.5 * 2.35)).bitPattern, to: &out)
            }
        case .q5_K:
            // As Q4_K with 5-bit codes (≈ 9.23) and dmin = 15.5·d: d, dmin, scales[12], qh[32], qs[128].
            for _ in 0..<blocks {
                let d = std / (9.23 * 35.5)
                Self.appendU16(Float16(d).bitPattern, to: &out)
                Self.appendU16(Float16(15.5 * d).bitPattern, to: &out)
                let scales = (0..<8).map { _ in UInt8(int(8...63)) }
                out += Self.packScaleMinK4(scales: scales, mins: scales)
                for _ in 0..<160 { out.append(UInt8(truncatingIfNeeded: next())) }
            }
        case .q6_K:
            // 16 groups of 16: value d·sc·(q - 32), q in 0...63 (≈ 18.47), sc in 8...63 (mean 35.5);
            // ql[128], qh[64], scales[16], then d.
            for _ in 0..<blocks {
                for _ in 0..<192 { out.append(UInt8(truncatingIfNeeded: next())) }
                for _ in 0..<16 { out.append(UInt8(int(8...63))) }
                Self.appendU16(Float16(std / (18.47 * 35.5)).bitPattern, to: &out)
            }
        default:
            throw Unsupported(description: "no random generator for \(type.name)")
        }
        return out
    }

    /// Given values, row-major, in `type`: F32, F16, BF16, or Q8_0 (round to nearest, ggml's `quantize_row_q8_0_ref`:
    /// scale max|x|/127 per block of 32).
    public static func encode(_ values: [Float], as type: GGMLType) throws -> [UInt8] {
        var out: [UInt8] = []
        switch type {
        case .f32: for x in values { Self.appendU32(x.bitPattern, to: &out) }
        case .f16: for x in values { Self.appendU16(Float16(x).bitPattern, to: &out) }
        case .bf16: for x in values { Self.appendU16(UInt16(truncatingIfNeeded: x.bitPattern >> 16), to: &out) }
        case .q8_0:
            guard values.count % 32 == 0 else { throw Unsupported(description: "\(values.count) values are not whole Q8_0 blocks") }
            for start in stride(from: 0, to: values.count, by: 32) {
                let block = values[start..<(start + 32)]
                let d = (block.map(abs).max() ?? 0) / 127
                Self.appendU16(Float16(d).bitPattern, to: &out)
                for x in block { out.append(UInt8(bitPattern: Int8(d == 0 ? 0 : (x / d).rounded()))) }
            }
        default:
            throw Unsupported(description: "no encoder for \(type.name)")
        }
        return out
    }

    /// Q5_0/Q5_1's qh (little-endian u32) and qs[16] for 32 five-bit codes.
    private func appendFiveBitCodes(_ q: [Int], to out: inout [UInt8]) {
        var qh: UInt32 = 0
        for (j, v) in q.enumerated() where v & 16 != 0 { qh |= 1 << UInt32(j) }
        Self.appendU32(qh, to: &out)
        for j in 0..<16 { out.append(UInt8(q[j] & 15 | (q[j + 16] & 15) << 4)) }
    }

    /// The 12 bytes of eight 6-bit (scale, min) pairs, the inverse of ggml's `get_scale_min_k4`
    /// (as `quantize_row_q4_K_ref` packs them).
    static func packScaleMinK4(scales: [UInt8], mins: [UInt8]) -> [UInt8] {
        var s = [UInt8](repeating: 0, count: 12)
        for j in 0..<8 {
            let ls = scales[j] & 63, lm = mins[j] & 63
            if j < 4 {
                s[j] = ls
                s[j + 4] = lm
            } else {
                s[j + 4] = (ls & 0xF) | ((lm & 0xF) << 4)
                s[j - 4] |= (ls >> 4) << 6
                s[j] |= (lm >> 4) << 6
            }
        }
        return s
    }

    private static func appendU16(_ v: UInt16, to out: inout [UInt8]) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
    private static func appendU32(_ v: UInt32, to out: inout [UInt8]) { withUnsafeBytes(of: v.littleEndian) { out.append(contentsOf: $0) } }
}
