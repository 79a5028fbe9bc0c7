// hk_rmsnorm, hk_rope, hk_silu_mul, hk_add_bias, hk_store_kv, hk_store_kv_f16 and hk_f32_to_f16 against plain
// scalar Swift references: in Double with a derived bound where the kernel rounds several times, bit for bit where
// the math is one IEEE operation (add, f16 rounding) or a copy. Seeded, so every run sees the same inputs.
import CKernels
import XCTest

/// f32 unit roundoff, 2^-24.
let unitRoundoff = 0x1p-24 as Double

/// The largest error of one kernel over a test, with where it happened, printed for the run log.
struct ErrorStat {
    let name: String
    private(set) var worst = 0.0
    private(set) var at = "nowhere"
    private(set) var samples = 0

    init(_ name: String) { self.name = name }

    mutating func note(_ error: Double, _ context: @autoclosure () -> String) {
        samples += 1
        if error > worst || error.isNaN { worst = error; at = context() }
    }

    func report() { print("[KernelTests] \(name): max \(worst) over \(samples) values, at \(at)") }
}

/// |got - ref| in units of the ulp of ref rounded to f32.
func ulpError(_ got: Float, _ ref: Double) -> Double {
    abs(Double(got) - ref) / Double(Float(ref).ulp)
}

/// Values for f16 conversion tests: ordinary, overflowing, f16-subnormal, f32-subnormal, ties and specials.
func f16Probe(_ rng: inout SplitMix64, nan: Bool) -> Float {
    switch rng.below(nan ? 10 : 9) {
    case 0: return rng.sign() * rng.uniform(0, 4)
    case 1: return rng.sign() * rng.uniform(1, 2) * Float(sign: .plus, exponent: rng.below(40) - 20, significand: 1)
    case 2: return rng.sign() * rng.uniform(65_000, 70_000) // around f16's largest finite 65504 and its overflow
    case 3: return rng.sign() * rng.uniform(0, 0x1p-14) // f16 subnormals and values that round to ±0
    case 4: return Float(bitPattern: UInt32(truncatingIfNeeded: rng.next()) & 0x807F_FFFF) // f32 subnormal
    case 5: // exactly halfway between two adjacent f16 values (normal or subnormal): round to even
        let h = Float16(bitPattern: rng.u16() & 0x7BFE)
        return rng.sign() * (Float(h) + Float(h.nextUp)) / 2
    case 6: return [Float.infinity, -.infinity, 0, -0.0, 65_504, 65_519.996, 65_520, -65_520, 0x1p-24, 0x1p-25, 0x1.8p-25][rng.below(11)]
    case 7: return rng.sign() * rng.uniform(1, 2) * 1e30
    case 8: return Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) // anything, NaN excluded below
    default: return [Float.nan, -Float.nan, Float(bitPattern: 0x7FA0_1234), Float(bitPattern: 0xFFC0_0001)][rng.below(4)]
    }
}

/// The f16 conversion the kernels promise: Swift's Float16(x) (IEEE round to nearest even). For NaN inputs only
/// NaN-ness and the sign are compared (payload handling is not specified).
func sameHalf(_ got: UInt16, _ x: Float) -> Bool {
    if x.isNaN { return Float16(bitPattern: got).isNaN && (got & 0x8000 != 0) == (x.sign == .minus) }
    return got == Float16(x).bitPattern
}

final class ElementwiseKernelTests: XCTestCase {
    // MARK: hk_rmsnorm

    /// Each element against x·w / sqrt(Σx²/dim + eps) in Double, within 3 ulps: the kernel rounds 1/rms to f32,
    /// then x·inv and ·w (three relative errors ≤ 2^-24 each, and 2^-24·|ref| < 1 ulp of ref). Rows of 1…4096
    /// elements (tails 1…7 past a multiple of 8), one row and several, strides longer than the row, and magnitudes
    /// whose squares overflow (1e30) or underflow (1e-30) in f32.
    func testRMSNormMatchesDoubleReference() {
        let tally = Tally()
        var stat = ErrorStat("hk_rmsnorm ulps vs Double")
        var rng = SplitMix64(seed: 0x5EED_0001)
        let cases: [(rows: Int, dim: Int, mag: Float)] = [
            (1, 1, 1), (1, 7, 1), (3, 8, 1), (2, 13, 1), (4, 64, 1), (1, 4096, 1), (5, 300, 1),
            (2, 45, 1e30), (2, 45, 1e-30), (3, 23, 1e3), (2, 9, 0),
        ]
        for eps: Float in [1e-6, 1e-5] {
            for c in cases {
                let ldx = c.dim + 3, ldo = c.dim + 5
                var x = [Float](repeating: sentinel, count: c.rows * ldx)
                for t in 0..<c.rows { for i in 0..<c.dim { x[t * ldx + i] = rng.sign() * rng.uniform(0.01, 1) * c.mag } }
                let w = (0..<c.dim).map { _ in rng.sign() * rng.uniform(0.5, 1.5) }
                var out = [Float](repeating: sentinel, count: c.rows * ldo)
                hk_rmsnorm(x, ldx, w, &out, ldo, c.rows, c.dim, eps)
                let what = "rows \(c.rows) dim \(c.dim) mag \(c.mag) eps \(eps)"
                for t in 0..<c.rows {
                    var ss = 0.0
                    for i in 0..<c.dim { ss += Double(x[t * ldx + i]) * Double(x[t * ldx + i]) }
                    let inv = 1 / (ss / Double(c.dim) + Double(eps)).squareRoot()
                    for i in 0..<c.dim {
                        let ref = Double(x[t * ldx + i]) * inv * Double(w[i]), got = out[t * ldo + i]
                        let e = ulpError(got, ref)
                        stat.note(e, "\(what) [\(t)][\(i)]")
                        tally.expect(got.isFinite && e <= 3, "\(what): out[\(t)][\(i)] = \(hex(got)), reference \(ref), \(e) ulps")
                    }
                    for i in c.dim..<ldo {
                        tally.expect(isSentinel(out[t * ldo + i]), "\(what): out[\(t)][\(i)] past dim was written: \(hex(out[t * ldo + i]))")
                    }
                }
                // In place (x and out alias, the header allows it): the same bits as out, the padding untouched.
                var y = x
                y.withUnsafeMutableBufferPointer { hk_rmsnorm($0.baseAddress!, ldx, w, $0.baseAddress!, ldx, c.rows, c.dim, eps) }
                for t in 0..<c.rows {
                    for i in 0..<c.dim {
                        tally.expect(y[t * ldx + i].bitPattern == out[t * ldo + i].bitPattern,
                                     "\(what) in place: [\(t)][\(i)] = \(hex(y[t * ldx + i])), out of place \(hex(out[t * ldo + i]))")
                    }
                    for i in c.dim..<ldx { tally.expect(isSentinel(y[t * ldx + i]), "\(what) in place: padding [\(t)][\(i)] written") }
                }
            }
        }
        stat.report()
        tally.finish("hk_rmsnorm")
    }

    // MARK: hk_rope

    /// Both pairings (neox 0: (2i, 2i+1); neox 1: (i, i + ropeDim/2)), full and partial rotation (ropeDim < headDim),
    /// one and several heads and rows, ldx longer than heads·headDim. Each rotated element against a·c - b·s (or
    /// a·s + b·c) in Double within 2u(|a·c| + |b·s|), the bound of two rounded products and a rounded sum (it holds
    /// with or without fma). Elements past ropeDim in each head and the row padding keep their bits.
    func testRoPEMatchesReference() {
        let tally = Tally()
        var stat = ErrorStat("hk_rope error / (2^-24·(|a·c| + |b·s|))")
        var rng = SplitMix64(seed: 0x5EED_0002)
        let cases: [(rows: Int, heads: Int, headDim: Int, ropeDim: Int, pad: Int)] = [
            (1, 1, 8, 8, 0), (3, 4, 64, 64, 7), (2, 3, 128, 32, 5), (5, 2, 12, 6, 1), (4, 2, 64, 48, 3), (1, 14, 128, 128, 16),
        ]
        for neox: Int32 in [0, 1] {
            for c in cases {
                let ldx = c.heads * c.headDim + c.pad, half = c.ropeDim / 2
                var x = [Float](repeating: sentinel, count: c.rows * ldx)
                for t in 0..<c.rows { for i in 0..<(c.heads * c.headDim) { x[t * ldx + i] = rng.uniform(-3, 3) } }
                var cosSin = [Float](repeating: 0, count: c.rows * c.ropeDim)
                for t in 0..<c.rows {
                    let pos = Double(3 + 37 * t + rng.below(1000))
                    for i in 0..<half {
                        let theta = pos * pow(10_000, -2 * Double(i) / Double(c.ropeDim))
                        cosSin[t * c.ropeDim + 2 * i] = Float(cos(theta))
                        cosSin[t * c.ropeDim + 2 * i + 1] = Float(sin(theta))
                    }
                }
                var y = x
                hk_rope(&y, ldx, c.rows, c.heads, c.headDim, c.ropeDim, cosSin, neox)
                let what = "neox \(neox) rows \(c.rows) heads \(c.heads) headDim \(c.headDim) ropeDim \(c.ropeDim) ldx \(ldx)"
                for t in 0..<c.rows {
                    for h in 0..<c.heads {
                        let base = t * ldx + h * c.headDim
                        var rotated = Set<Int>()
                        for i in 0..<half {
                            let (ia, ib) = neox != 0 ? (i, i + half) : (2 * i, 2 * i + 1)
                            rotated.insert(ia)
                            rotated.insert(ib)
                            let a = Double(x[base + ia]), b = Double(x[base + ib])
                            let cs = Double(cosSin[t * c.ropeDim + 2 * i]), sn = Double(cosSin[t * c.ropeDim + 2 * i + 1])
                            for (idx, ref, scale) in [(ia, a * cs - b * sn, abs(a * cs) + abs(b * sn)),
                                                      (ib, a * sn + b * cs, abs(a * sn) + abs(b * cs))] {
                                let got = Double(y[base + idx]), e = abs(got - ref) / (unitRoundoff * scale)
                                stat.note(e, "\(what) [\(t)] head \(h) dim \(idx)")
                                tally.expect(abs(got - ref) <= 2 * unitRoundoff * scale,
                                             "\(what): [\(t)] head \(h) dim \(idx) = \(got), reference \(ref), bound \(2 * unitRoundoff * scale)")
                            }
                        }
                        XCTAssertEqual(rotated.count, c.ropeDim)
                        for d in 0..<c.headDim where !rotated.contains(d) {
                            tally.expect(y[base + d].bitPattern == x[base + d].bitPattern,
                                         "\(what): [\(t)] head \(h) dim \(d) is past ropeDim but changed: \(hex(x[base + d])) -> \(hex(y[base + d]))")
                        }
                    }
                    for i in (c.heads * c.headDim)..<ldx { tally.expect(isSentinel(y[t * ldx + i]), "\(what): padding [\(t)][\(i)] written") }
                }
            }
        }
        stat.report()
        tally.finish("hk_rope")
    }

    // MARK: hk_silu_mul

    /// silu(g)·u against g/(1 + e^-g)·u in Double, relative 1e-6, for g in [-87, 87] (exp neither saturates nor
    /// leaves the normal range). Widths 1…100 reach the 8-wide path and every scalar tail, one row and several.
    /// The measured bound is printed separately for the vector path and the tail.
    func testSiLUMulMatchesDoubleReference() {
        let tally = Tally()
        var vec = ErrorStat("hk_silu_mul relative error (vector path)"), tail = ErrorStat("hk_silu_mul relative error (scalar tail)")
        var rng = SplitMix64(seed: 0x5EED_0003)
        for rows in [1, 3] {
            for ffn in [1, 7, 8, 9, 15, 16, 17, 64, 100, 1003] {
                var gateUp = [Float](repeating: 0, count: rows * 2 * ffn)
                for t in 0..<rows {
                    for i in 0..<ffn {
                        gateUp[t * 2 * ffn + i] = rng.below(4) == 0 ? rng.uniform(-87, 87) : rng.uniform(-12, 12)
                        gateUp[t * 2 * ffn + ffn + i] = rng.sign() * rng.uniform(0.01, 3)
                    }
                }
                var out = [Float](repeating: sentinel, count: rows * ffn + 5)
                hk_silu_mul(gateUp, &out, rows, ffn)
                for t in 0..<rows {
                    for i in 0..<ffn {
                        let g = Double(gateUp[t * 2 * ffn + i]), u = Double(gateUp[t * 2 * ffn + ffn + i])
                        let ref = g / (1 + exp(-g)) * u, got = out[t * ffn + i]
                        let e = abs(Double(got) - ref) / abs(ref)
                        if i < ffn / 8 * 8 { vec.note(e, "ffn \(ffn) g \(g)") } else { tail.note(e, "ffn \(ffn) g \(g)") }
                        tally.expect(e <= 1e-6, "rows \(rows) ffn \(ffn): out[\(t)][\(i)] = \(hex(got)) for g \(g) u \(u), reference \(ref), relative \(e)")
                    }
                }
                for i in (rows * ffn)..<out.count { tally.expect(isSentinel(out[i]), "rows \(rows) ffn \(ffn): out[\(i)] past the end written") }
            }
        }
        vec.report()
        tail.report()
        tally.finish("hk_silu_mul")
    }

    /// Edge gates: ±0, tiny and subnormal, around exp's clamp (±87…±89), large. The same (g, u) gives the same bits
    /// in the 8-wide path and in the scalar tail (the position invariance vexp.h promises). Against Double: relative
    /// 1e-6 (plus one subnormal step) for g ≥ -87; for -1e6 ≤ g < -87, where e^-g saturates at the clamp, a result of
    /// magnitude ≤ 1e-30 (the true one is below 2e-36).
    func testSiLUMulEdgeGatesAndTailEqualsVector() {
        let tally = Tally()
        let gates: [Float] = [0, -0.0, 1e-30, -1e-30, .leastNonzeroMagnitude, -.leastNonzeroMagnitude, 0x1p-140, 0x1p-126, 1, -1, 20, -20, 40, -40, 80, -80, 87, -87,
                              88, -88, 88.5, -88.5, 89, -89, 100, -100, 1e6, -1e6, 1e30, Float.greatestFiniteMagnitude, .infinity]
        let ups: [Float] = [1.5, -0.75, 2, -3, 0.5, 1, -1]
        var stat = ErrorStat("hk_silu_mul relative error (edge gates ≥ -87)")
        for chunk in stride(from: 0, to: gates.count, by: 7) {
            let gs = Array(gates[chunk..<min(chunk + 7, gates.count)])
            let ffn = 8 + gs.count // element i in the 8-wide loop, element 8 + i in the scalar tail
            var gateUp = [Float](repeating: 0.25, count: 2 * ffn)
            for (i, g) in gs.enumerated() {
                let u = ups[i % ups.count]
                gateUp[i] = g; gateUp[8 + i] = g
                gateUp[ffn + i] = u; gateUp[ffn + 8 + i] = u
            }
            var out = [Float](repeating: sentinel, count: ffn)
            hk_silu_mul(gateUp, &out, 1, ffn)
            for (i, g) in gs.enumerated() {
                let u = Double(ups[i % ups.count]), v = out[i], t = out[8 + i]
                tally.expect(v.bitPattern == t.bitPattern, "g \(g): vector path \(hex(v)), scalar tail \(hex(t))")
                let ref = g.isInfinite ? Double(g) * u : Double(g) / (1 + exp(-Double(g))) * u
                if g >= -87 {
                    let e = abs(Double(v) - ref)
                    if abs(ref) >= Double(Float.leastNormalMagnitude), ref.isFinite { stat.note(e / abs(ref), "g \(g)") }
                    tally.expect(v == Float(ref) || e <= 1e-6 * abs(ref) + Double(Float.leastNonzeroMagnitude),
                                 "g \(g) u \(u): \(hex(v)), reference \(ref)")
                } else {
                    tally.expect(v.isFinite && abs(v) <= 1e-30, "g \(g) u \(u): \(hex(v)), reference \(ref) (|result| ≤ 1e-30 expected)")
                }
            }
        }
        stat.report()
        tally.finish("hk_silu_mul edges")
    }


    // MARK: hk_add_bias

    /// y + b, one f32 add per element: bit for bit against Swift's Float +. Padding past n in each row untouched.
    func testAddBiasIsExactAdd() {
        let tally = Tally()
        var rng = SplitMix64(seed: 0x5EED_0004)
        for rows in [1, 2, 5] {
            for n in [1, 7, 8, 13, 100] {
                let ldy = n + 4
                var y = [Float](repeating: sentinel, count: rows * ldy)
                for t in 0..<rows { for i in 0..<n { y[t * ldy + i] = rng.sign() * rng.uniform(0, 1) * Float(sign: .plus, exponent: rng.below(20) - 10, significand: 1) } }
                let b = (0..<n).map { _ in rng.uniform(-4, 4) }
                var z = y
                hk_add_bias(&z, ldy, b, rows, n)
                for t in 0..<rows {
                    for i in 0..<n {
                        let want = y[t * ldy + i] + b[i]
                        tally.expect(z[t * ldy + i].bitPattern == want.bitPattern, "rows \(rows) n \(n): [\(t)][\(i)] = \(hex(z[t * ldy + i])), want \(hex(want))")
                    }
                    for i in n..<ldy { tally.expect(isSentinel(z[t * ldy + i]), "rows \(rows) n \(n): padding [\(t)][\(i)] written") }
                }
            }
        }
        tally.finish("hk_add_bias")
    }

    // MARK: hk_store_kv, hk_store_kv_f16

    /// Rows scattered to random, non-adjacent slots of a 48-slot cache (row stride ld > kvDim, padding NaN): each
    /// written slot holds its row (f32: the same bits; f16: Float16(x)'s bits), K into kCache and V into vCache,
    /// and every other slot keeps its sentinel.
    func testStoreKV() { checkStoreKV(f16: false) }
    func testStoreKVF16() { checkStoreKV(f16: true) }

    func checkStoreKV(f16: Bool) {
        let tally = Tally()
        var rng = SplitMix64(seed: f16 ? 0x5EED_0006 : 0x5EED_0005)
        let slotCount = 48
        let halfSentinel: UInt16 = 0x7E5D
        for kvDim in [1, 7, 8, 13, 64, 128, 2 * 40 + 3] {
            for rows in [0, 1, 5, 9] {
                let ld = kvDim + 3
                var k = [Float](repeating: .nan, count: max(rows * ld, 1)), v = k
                for t in 0..<rows {
                    for i in 0..<kvDim {
                        k[t * ld + i] = f16 ? f16Probe(&rng, nan: false) : rng.uniform(-2, 2)
                        v[t * ld + i] = f16 ? f16Probe(&rng, nan: false) : rng.uniform(-2, 2)
                        if k[t * ld + i].isNaN { k[t * ld + i] = 1 }
                        if v[t * ld + i].isNaN { v[t * ld + i] = -1 }
                    }
                }
                var pool = Array(0..<slotCount)
                for i in stride(from: pool.count - 1, to: 0, by: -1) { pool.swapAt(i, rng.below(i + 1)) }
                let slots = pool.prefix(rows).map { Int32($0) }
                let what = "\(f16 ? "f16" : "f32") kvDim \(kvDim) rows \(rows) slots \(slots)"
                var rowOfSlot = [Int: Int]()
                for (t, s) in slots.enumerated() { rowOfSlot[Int(s)] = t }
                if f16 {
                    var kc = [UInt16](repeating: halfSentinel, count: slotCount * kvDim), vc = kc
                    hk_store_kv_f16(k, v, ld, rows, kvDim, slots, &kc, &vc)
                    for s in 0..<slotCount {
                        for i in 0..<kvDim {
                            let gk = kc[s * kvDim + i], gv = vc[s * kvDim + i]
                            if let t = rowOfSlot[s] {
                                let xk = k[t * ld + i], xv = v[t * ld + i]
                                tally.expect(sameHalf(gk, xk), "\(what): K slot \(s)[\(i)] = 0x\(String(gk, radix: 16)) for \(xk), Float16 gives 0x\(String(Float16(xk).bitPattern, radix: 16))")
                                tally.expect(sameHalf(gv, xv), "\(what): V slot \(s)[\(i)] = 0x\(String(gv, radix: 16)) for \(xv), Float16 gives 0x\(String(Float16(xv).bitPattern, radix: 16))")
                            } else {
                                tally.expect(gk == halfSentinel && gv == halfSentinel, "\(what): untouched slot \(s)[\(i)] written")
                            }
                        }
                    }
                } else {
                    var kc = [Float](repeating: sentinel, count: slotCount * kvDim), vc = kc
                    hk_store_kv(k, v, ld, rows, kvDim, slots, &kc, &vc)
                    for s in 0..<slotCount {
                        for i in 0..<kvDim {
                            let gk = kc[s * kvDim + i], gv = vc[s * kvDim + i]
                            if let t = rowOfSlot[s] {
                                tally.expect(gk.bitPattern == k[t * ld + i].bitPattern, "\(what): K slot \(s)[\(i)] = \(hex(gk)), row \(t) has \(hex(k[t * ld + i]))")
                                tally.expect(gv.bitPattern == v[t * ld + i].bitPattern, "\(what): V slot \(s)[\(i)] = \(hex(gv)), row \(t) has \(hex(v[t * ld + i]))")
                            } else {
                                tally.expect(isSentinel(gk) && isSentinel(gv), "\(what): untouched slot \(s)[\(i)] written")
                            }
                        }
                    }
                }
            }
        }
        tally.finish(f16 ? "hk_store_kv_f16" : "hk_store_kv")
    }

    // MARK: hk_f32_to_f16

    /// Every length 0…20 (no vector block, one, two, with every tail): the same bits as Swift's Float16(x) for
    /// a mix of ordinary values, overflow to ±inf, f16 subnormals, f32 subnormals, exact ties, ±0, ±inf and NaN
    /// (NaN stays NaN of the same sign); dst past n untouched.
    func testF32ToF16EveryLength() {
        let tally = Tally()
        var rng = SplitMix64(seed: 0x5EED_0007)
        for round in 0..<4 {
            for n in 0...20 {
                let src = (0..<max(n, 1)).map { _ in f16Probe(&rng, nan: true) }
                var dst = [UInt16](repeating: 0xBEEF, count: n + 4)
                hk_f32_to_f16(src, &dst, n)
                for i in 0..<n {
                    tally.expect(sameHalf(dst[i], src[i]), "round \(round) n \(n): dst[\(i)] = 0x\(String(dst[i], radix: 16)) for \(hex(src[i])), Float16 gives 0x\(String(Float16(src[i]).bitPattern, radix: 16))")
                }
                for i in n..<dst.count { tally.expect(dst[i] == 0xBEEF, "n \(n): dst[\(i)] past n written") }
            }
        }
        tally.finish("hk_f32_to_f16 lengths")
    }

    /// Specials through the 8-wide path (elements 0…7) and the scalar tail (element 8): the same bits in both and
    /// the value Float16(x) gives (NaNs: NaN of the same sign, quiet).
    func testF32ToF16SpecialsSameInVectorAndTail() {
        let tally = Tally()
        let specials: [Float] = [
            0, -0.0, .infinity, -.infinity, .nan, -.nan, Float(bitPattern: 0x7F80_0001), Float(bitPattern: 0xFFA0_1234),
            65_504, -65_504, 65_519.996, 65_520, -65_520, 1e10, -1e38, .greatestFiniteMagnitude,
            0x1p-14, 0x1.ffcp-15, 0x1p-24, -0x1p-24, 0x1p-25, 0x1.000002p-25, 0x1.8p-24, 0x1.8p-25, 1e-9, -1e-9,
            .leastNonzeroMagnitude, -.leastNormalMagnitude, 1 + 0x1p-11, 1 + 0x3p-11, -(1 + 0x1p-11), 2049, 2051, 0.1, -1 / 3,
        ]
        for x in specials {
            var dst = [UInt16](repeating: 0xBEEF, count: 10)
            hk_f32_to_f16([Float](repeating: x, count: 9), &dst, 9)
            let want = Float16(x).bitPattern
            for i in 0..<9 {
                tally.expect(dst[i] == dst[8], "\(hex(x)): element \(i) 0x\(String(dst[i], radix: 16)), scalar tail 0x\(String(dst[8], radix: 16))")
                tally.expect(sameHalf(dst[i], x), "\(hex(x)): element \(i) 0x\(String(dst[i], radix: 16)), Float16 gives 0x\(String(want, radix: 16))")
                if x.isNaN { tally.expect(dst[i] & 0x0200 != 0, "\(hex(x)): element \(i) 0x\(String(dst[i], radix: 16)) is not a quiet NaN") }
            }
            tally.expect(dst[9] == 0xBEEF, "\(hex(x)): dst[9] written")
        }
        tally.finish("hk_f32_to_f16 specials")
    }

    /// 2^17 + 5 random f32 bit patterns (every exponent, NaN included) and 8192 exact f16 ties, in one call each
    /// (vector blocks and a tail of 5): every non-NaN element equals Float16(x) bit for bit.
    func testF32ToF16RandomBitPatternsAndTies() {
        let tally = Tally(limit: 8)
        var rng = SplitMix64(seed: 0x5EED_0008)
        var src = (0..<(1 << 17 + 5)).map { _ in Float(bitPattern: UInt32(truncatingIfNeeded: rng.next())) }
        for _ in 0..<8192 {
            let h = Float16(bitPattern: rng.u16() & 0x7BFF)
            guard h.isFinite, h.nextUp.isFinite else { continue }
            src.append(rng.sign() * (Float(h) + Float(h.nextUp)) / 2)
        }
        var dst = [UInt16](repeating: 0, count: src.count)
        hk_f32_to_f16(src, &dst, src.count)
        var nans = 0
        for i in src.indices {
            if src[i].isNaN { nans += 1 }
            tally.expect(sameHalf(dst[i], src[i]), "\(hex(src[i])) -> 0x\(String(dst[i], radix: 16)), Float16 gives 0x\(String(Float16(src[i]).bitPattern, radix: 16))")
        }
        XCTAssertGreaterThan(nans, 0)
        tally.finish("hk_f32_to_f16 random bit patterns")
    }
}
