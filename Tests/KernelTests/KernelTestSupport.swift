// Shared pieces of the kernel tests: a seeded RNG, the thirteen packable types with the byte offsets of their
// scale fields, and synthetic GGUF matrices (random blocks and edge cases) built from raw bytes.
import CKernels
import GGUF
import XCTest

/// SplitMix64 (Steele, Lea, Flood 2014): tiny, seedable, and good enough to fill test matrices.
struct SplitMix64 {
    private var state: UInt64
    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    mutating func byte() -> UInt8 { UInt8(truncatingIfNeeded: next() >> 56) }
    mutating func u16() -> UInt16 { UInt16(truncatingIfNeeded: next() >> 48) }
    /// Uniform in [0, 1), 24 random bits.
    mutating func unit() -> Float { Float(next() >> 40) * 0x1p-24 }
    mutating func uniform(_ lo: Float, _ hi: Float) -> Float { lo + (hi - lo) * unit() }
    mutating func sign() -> Float { next() & 1 == 0 ? 1 : -1 }
    mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
}

/// How a synthetic matrix's blocks are filled.
enum Fill: String, CaseIterable {
    /// Random code bytes; f16 scales (d, m, dmin) of random sign and magnitude in [1e-3, 0.1].
    /// Float types: random finite values over a wide exponent range.
    case random
    /// Every byte zero.
    case zero
    /// Sub-block scales at their extremes (6-bit fields 63, Q3_K ±, Q6_K 127/-128), d and dmin of 8 or 1.
    /// Float types: values near the largest finite magnitudes (f16 65504, f32/bf16 ~1e30).
    case maxScales
    /// Random codes with every f16 scale field negative (negative d, Q4_1/Q5_1 m and K-quant dmin).
    /// Float types: every value negative.
    case negative
    /// f16 scale fields subnormal (float types: subnormal values).
    case subnormal
}

/// A packable ggml type and the facts the tests need about its source blocks.
struct QType: CustomStringConvertible, Sendable {
    let ggml: GGMLType
    /// Byte offsets of the f16 `d` and of the f16 min (`m` for Q4_1/Q5_1, `dmin` for K-quants) in a block.
    let dOffset: Int?
    let mOffset: Int?
    /// Bytes of a K-quant block holding its packed sub-block scales.
    let scaleBytes: Range<Int>?
    /// Magnitude bound of one block's weights and of every intermediate of their dequantization:
    /// B = dFactor·|d| + mFactor·|m| (largest code times largest sub-block scale, plus the offset).
    let dFactor: Float
    let mFactor: Float

    var id: Int32 { Int32(ggml.rawValue) }
    var blockElements: Int { ggml.blockLayout.elements }
    var blockBytes: Int { ggml.blockLayout.bytes }
    var isFloat: Bool { blockElements == 1 }
    var isKQuant: Bool { blockElements == 256 }
    var description: String { ggml.name }

    static let f32 = QType(ggml: .f32, dOffset: nil, mOffset: nil, scaleBytes: nil, dFactor: 0, mFactor: 0)
    static let f16 = QType(ggml: .f16, dOffset: nil, mOffset: nil, scaleBytes: nil, dFactor: 0, mFactor: 0)
    static let bf16 = QType(ggml: .bf16, dOffset: nil, mOffset: nil, scaleBytes: nil, dFactor: 0, mFactor: 0)
    // Legacy: w = (q - C)·d or q·d + m; the kernel's intermediates are c·d (c < 2^bits) and C·d.
    static let q4_0 = QType(ggml: .q4_0, dOffset: 0, mOffset: nil, scaleBytes: nil, dFactor: 15 + 8, mFactor: 0)
    static let q4_1 = QType(ggml: .q4_1, dOffset: 0, mOffset: 2, scaleBytes: nil, dFactor: 15, mFactor: 1)
    static let q5_0 = QType(ggml: .q5_0, dOffset: 0, mOffset: nil, scaleBytes: nil, dFactor: 31 + 16, mFactor: 0)
    static let q5_1 = QType(ggml: .q5_1, dOffset: 0, mOffset: 2, scaleBytes: nil, dFactor: 31, mFactor: 1)
    static let q8_0 = QType(ggml: .q8_0, dOffset: 0, mOffset: nil, scaleBytes: nil, dFactor: 255 + 128, mFactor: 0)
    // K-quants: w = c·(d·sc) - dmin·mn (Q3_K: c ≤ 7, |sc| ≤ 32, M = 4·d·sc; Q6_K: c ≤ 63, |sc| ≤ 128, M = 32·d·sc).
    static let q2_K = QType(ggml: .q2_K, dOffset: 80, mOffset: 82, scaleBytes: 0..<16, dFactor: 3 * 15, mFactor: 15)
    static let q3_K = QType(ggml: .q3_K, dOffset: 108, mOffset: nil, scaleBytes: 96..<108, dFactor: (7 + 4) * 32, mFactor: 0)
    static let q4_K = QType(ggml: .q4_K, dOffset: 0, mOffset: 2, scaleBytes: 4..<16, dFactor: 15 * 63, mFactor: 63)
    static let q5_K = QType(ggml: .q5_K, dOffset: 0, mOffset: 2, scaleBytes: 4..<16, dFactor: 31 * 63, mFactor: 63)
    static let q6_K = QType(ggml: .q6_K, dOffset: 208, mOffset: nil, scaleBytes: 192..<208, dFactor: (63 + 32) * 128, mFactor: 0)

    static let all: [QType] = [.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K]

    /// k values to test: a short one, one that is not a multiple of the 256-wide tile, and one spanning several tiles.
    var shapesK: [Int] {
        if isKQuant { return [256, 512, 768] }
        if isFloat { return [45, 96, 300] }
        return [96, 160, 864]
    }
    /// A k spanning more than one 256-wide tile, with a partial last tile where the block size allows.
    var longK: Int { isKQuant ? 512 : (isFloat ? 300 : 864) }
}

func halfBits(_ x: Float) -> UInt16 { Float16(x).bitPattern }

func floatFromHalf(_ bits: UInt16) -> Float { Float(Float16(bitPattern: bits)) }

extension Array where Element == UInt8 {
    mutating func storeHalf(_ bits: UInt16, at offset: Int) {
        self[offset] = UInt8(truncatingIfNeeded: bits)
        self[offset + 1] = UInt8(truncatingIfNeeded: bits >> 8)
    }

    func loadHalf(at offset: Int) -> UInt16 { UInt16(self[offset]) | UInt16(self[offset + 1]) << 8 }
}

/// A GGUF matrix W: (n, k) of `type`, as the raw bytes a GGUF file would hold.
func makeSource(_ type: QType, n: Int, k: Int, fill: Fill, rng: inout SplitMix64) -> [UInt8] {
    if type.isFloat { return makeFloatSource(type, count: n * k, fill: fill, rng: &rng) }
    let blocks = n * (k / type.blockElements)
    var bytes = [UInt8](repeating: 0, count: blocks * type.blockBytes)
    if fill == .zero { return bytes }
    for i in bytes.indices { bytes[i] = rng.byte() }
    for b in 0..<blocks {
        let base = b * type.blockBytes
        if fill == .maxScales, let r = type.scaleBytes {
            for i in r {
                switch type.ggml {
                case .q3_K: bytes[base + i] = b % 2 == 0 ? 0xFF : 0x00 // every 6-bit scale 31, or every one -32
                case .q6_K: bytes[base + i] = i % 2 == 0 ? 0x7F : 0x80 // int8 127 and -128
                default: bytes[base + i] = 0xFF // Q2_K's 4-bit, Q4_K/Q5_K's 6-bit scales and mins all at max
                }
            }
        }
        if let o = type.dOffset { bytes.storeHalf(scaleField(fill, block: b, rng: &rng), at: base + o) }
        if let o = type.mOffset { bytes.storeHalf(scaleField(fill, block: b, rng: &rng), at: base + o) }
    }
    return bytes
}

/// An f16 scale field (d, m or dmin) for `fill`.
private func scaleField(_ fill: Fill, block: Int, rng: inout SplitMix64) -> UInt16 {
    switch fill {
    case .random: return halfBits(rng.sign() * rng.uniform(1e-3, 0.1))
    case .negative: return halfBits(-rng.uniform(1e-3, 0.1))
    case .subnormal: return (rng.u16() & 0x83FF) | 1
    case .maxScales: return halfBits(block % 2 == 0 ? 8 : 1)
    case .zero: return 0
    }
}

private func makeFloatSource(_ type: QType, count: Int, fill: Fill, rng: inout SplitMix64) -> [UInt8] {
    var bytes = [UInt8](repeating: 0, count: count * type.blockBytes)
    if fill == .zero { return bytes }
    for i in 0..<count {
        let bits: UInt32
        switch (type.ggml, fill) {
        case (.f32, .random), (.f32, .negative):
            let v = rng.uniform(0.5, 1) * Float(sign: .plus, exponent: rng.below(41) - 20, significand: 1)
            bits = (fill == .negative ? -v : rng.sign() * v).bitPattern
        case (.f32, .maxScales):
            bits = (rng.sign() * rng.uniform(0.5, 1) * 2e30).bitPattern
        case (.f32, .subnormal):
            bits = (UInt32(truncatingIfNeeded: rng.next()) & 0x807F_FFFF) | 1
        case (.f16, .random), (.f16, .negative):
            var h = rng.u16()
            while h & 0x7C00 == 0x7C00 { h = rng.u16() } // finite only
            bits = UInt32(fill == .negative ? h | 0x8000 : h)
        case (.f16, .maxScales):
            bits = UInt32(rng.next() & 1 == 0 ? 0x7BFF : 0xFBFF) // ±65504
        case (.f16, .subnormal):
            bits = UInt32((rng.u16() & 0x83FF) | 1)
        case (.bf16, .random), (.bf16, .negative):
            // Exponents 100…150 (about 1e-8 … 1e7) so sums of 300 products stay finite.
            let e = UInt16(100 + rng.below(51))
            let h = (rng.u16() & 0x807F) | (e << 7)
            bits = UInt32(fill == .negative ? h | 0x8000 : h)
        case (.bf16, .maxScales):
            bits = UInt32((rng.u16() & 0x807F) | (227 << 7)) // ±2^100 … 2^101
        case (.bf16, .subnormal):
            bits = UInt32((rng.u16() & 0x807F) | 1)
        default:
            fatalError("unexpected \(type) \(fill)")
        }
        if type.ggml == .f32 {
            for j in 0..<4 { bytes[4 * i + j] = UInt8(truncatingIfNeeded: bits >> (8 * j)) }
        } else {
            bytes[2 * i] = UInt8(truncatingIfNeeded: bits)
            bytes[2 * i + 1] = UInt8(truncatingIfNeeded: bits >> 8)
        }
    }
    return bytes
}

/// Per-element tolerance of a repacked weight against GGUF's dequantizer, from the block's f16 scale fields.
///
/// Both sides compute w from the same exactly-widened f16 fields and small integers. Every intermediate (d·sc,
/// dmin·mn, (d·sc)·q, C·d) and the result are bounded in magnitude by B = dFactor·|d| + mFactor·|m|. GGUF rounds
/// each operation (at most d·sc, dmin·mn, ·q and the final ±: four roundings); the kernels round d·sc and dmin·mn
/// the same way and then the fused c·D - M once. Each rounding moves a value by at most ½ulp of a quantity ≤ B,
/// so |w_kernel - w_gguf| ≤ 3.5·ulp(B) in the worst case. In fact every product here has at most 24 significant
/// bits (f16's 11 times at most 8 bits of scale times 6 bits of code), so only the final rounding is real and
/// that is of the same exact value on both sides: the tolerance is 2 ulp(B) (the brief's "1-2 ulps of the block
/// scale magnitude"), and RepackTests checks the exactness separately. Float types convert exactly: tolerance 0.
func weightTolerances(_ type: QType, source: [UInt8], n: Int, k: Int) -> [Float] {
    if type.isFloat { return [Float](repeating: 0, count: n * k) }
    var tol = [Float](repeating: 0, count: n * k)
    let perRow = k / type.blockElements
    for row in 0..<n {
        for blk in 0..<perRow {
            let base = (row * perRow + blk) * type.blockBytes
            let d = type.dOffset.map { abs(floatFromHalf(source.loadHalf(at: base + $0))) } ?? 0
            let m = type.mOffset.map { abs(floatFromHalf(source.loadHalf(at: base + $0))) } ?? 0
            let bound = type.dFactor * d + type.mFactor * m
            let t = bound == 0 ? 0 : 2 * bound.ulp
            for i in 0..<type.blockElements { tol[row * k + blk * type.blockElements + i] = t }
        }
    }
    return tol
}

/// The GGUF package's dequantization of every row: (n, k).
func ggufRows(_ type: QType, source: [UInt8], n: Int, k: Int) throws -> [Float] {
    var out = [Float](repeating: .nan, count: n * k)
    let rowBytes = try XCTUnwrap(type.ggml.byteCount(elements: k))
    try source.withUnsafeBytes { src in
        try out.withUnsafeMutableBufferPointer { dst in
            for row in 0..<n {
                try type.ggml.dequantize(src.baseAddress! + row * rowBytes, count: k, into: dst.baseAddress! + row * k)
            }
        }
    }
    return out
}

/// A bit pattern no kernel computes: marks y elements that must not be written.
let sentinel = Float(bitPattern: 0x7FC0_5EED)

func isSentinel(_ v: Float) -> Bool { v.bitPattern == sentinel.bitPattern }

func hex(_ v: Float) -> String { "\(v) (0x\(String(v.bitPattern, radix: 16)))" }

/// Counts element checks and reports the first few failures of a test (element-wise XCTAssert calls would flood).
final class Tally {
    private(set) var checks = 0
    private(set) var failures = 0
    let limit: Int

    init(limit: Int = 12) { self.limit = limit }

    func expect(_ ok: Bool, _ message: @autoclosure () -> String, file: StaticString = #filePath, line: UInt = #line) {
        checks += 1
        guard !ok else { return }
        failures += 1
        if failures <= limit { XCTFail(message(), file: file, line: line) }
    }

    /// The closing assertion of a test; prints the number of element checks for the run log.
    func finish(_ name: String, file: StaticString = #filePath, line: UInt = #line) {
        print("[KernelTests] \(name): \(checks) checks, \(failures) failures")
        XCTAssertGreaterThan(checks, 0, "\(name) checked nothing", file: file, line: line)
        XCTAssertEqual(failures, 0, "\(name): \(failures) of \(checks) checks failed", file: file, line: line)
    }
}
