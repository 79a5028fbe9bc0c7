// hk_qgemm against plain Swift references, for every type, fill, shape, batch size and instruction set.
import CKernels
import GGUF
import XCTest

/// Every output of every kernel is checked two ways (see `Reference`):
/// - within a derived error bound of the fma chain over GGUF's independent dequantization (is the math right?), and
/// - bit for bit against the fma chain over hk_qrow's weights, which is exactly what quant.h promises
///   (acc = 0; acc = fma(x[k], w[k], acc) for k in order, whatever the rows, tile or instruction set).
final class QGemmReferenceTests: XCTestCase {
    func testF32() throws { try checkType(.f32) }
    func testF16() throws { try checkType(.f16) }
    func testBF16() throws { try checkType(.bf16) }
    func testQ4_0() throws { try checkType(.q4_0) }
    func testQ4_1() throws { try checkType(.q4_1) }
    func testQ5_0() throws { try checkType(.q5_0) }
    func testQ5_1() throws { try checkType(.q5_1) }
    func testQ8_0() throws { try checkType(.q8_0) }
    func testQ2_K() throws { try checkType(.q2_K) }
    func testQ3_K() throws { try checkType(.q3_K) }
    func testQ4_K() throws { try checkType(.q4_K) }
    func testQ5_K() throws { try checkType(.q5_K) }
    func testQ6_K() throws { try checkType(.q6_K) }

    /// The matrices of one type: random blocks at every k of `shapesK` (n = 17, 70 and 33: one partial panel, five
    /// panels with a partial last one), and each edge-case fill at a k longer than one tile (n = 40 or 33).
    static func cases(_ type: QType) -> [(n: Int, k: Int, fill: Fill)] {
        let ks = type.shapesK
        return [
            (17, ks[0], .random), (70, ks[2], .random), (33, ks[1], .random),
            (33, ks[0], .zero), (40, type.longK, .maxScales), (40, type.longK, .negative), (17, ks[1], .subnormal),
        ]
    }

    func checkType(_ type: QType) throws {
        let tally = Tally()
        var exactVsGGUF = 0, outputs = 0
        for (i, c) in Self.cases(type).enumerated() {
            let f = try PackedFixture(type, n: c.n, k: c.k, fill: c.fill, seed: 0x5EED_0000 &+ UInt64(type.id) << 8 &+ UInt64(i))
            XCTAssertEqual(f.packStatus, 0, "\(f): hk_qpack failed")
            var rng = SplitMix64(seed: 0xAC7 &+ UInt64(i))
            let x = Activations(rows: batchSizes.max()!, k: c.k, rng: &rng)
            let ref = Reference(f, x)
            let scratch = f.makeScratch(rows: x.rows)
            let ldy = f.n + 5
            for isa in availableISAs {
                for (j, m) in batchSizes.enumerated() {
                    // Different row offsets per batch, so each x row is seen at several positions in a batch.
                    let start = (j * 5 + Int(isa) * 3) % (x.rows - m + 1)
                    let y = f.gemm(isa: isa, x: x, rowStart: start, rows: m, scratch: scratch, tally: tally)
                    for r in 0..<m {
                        for col in 0..<f.n {
                            let got = y[r * ldy + col], row = start + r
                            let e = ref.exact[row * f.n + col], g = ref.gguf[row * f.n + col], b = ref.bound[row * f.n + col]
                            tally.expect(got.bitPattern == e.bitPattern,
                                         "\(f) isa \(isa) rows \(m): y[\(row)][\(col)] = \(hex(got)), fma chain over hk_qrow = \(hex(e))")
                            tally.expect(got.isFinite && abs(got - g) <= b,
                                         "\(f) isa \(isa) rows \(m): y[\(row)][\(col)] = \(got), GGUF reference \(g), |diff| \(abs(got - g)) > bound \(b)")
                            outputs += 1
                            if got == g { exactVsGGUF += 1 }
                        }
                    }
                }
            }
        }
        print("[KernelTests] \(type): \(exactVsGGUF) of \(outputs) outputs equal the GGUF-weight reference exactly")
        tally.finish("reference \(type)")
    }
}
