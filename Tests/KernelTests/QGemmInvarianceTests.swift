// The bit-exactness hk_qgemm promises (quant.h): the same bits whatever the instruction set, the batch a row is in,
// the split of the panels between callers, and accumulate = 1 is exactly y0 + the product. Compared with ==, no
// tolerance; "identical" means identical bit patterns.
import CKernels
import GGUF
import XCTest

final class QGemmInvarianceTests: XCTestCase {
    /// One matrix per type: five panels (n = 70, the last one partial) and k longer than one tile.
    static func fixture(_ type: QType, salt: UInt64) throws -> PackedFixture {
        try PackedFixture(type, n: 70, k: type.longK, fill: .random, seed: salt &+ UInt64(type.id))
    }

    static func activations(_ k: Int, salt: UInt64) -> Activations {
        var rng = SplitMix64(seed: salt &+ UInt64(k))
        return Activations(rows: batchSizes.max()!, k: k, rng: &rng)
    }

    static func expectSame(_ a: [Float], _ b: [Float], rowsA: Range<Int>, rowB: Int, n: Int, _ what: @autoclosure () -> String,
                           tally: Tally, file: StaticString = #filePath, line: UInt = #line) {
        let ld = n + 5
        for (i, r) in rowsA.enumerated() {
            for c in 0..<n {
                let u = a[r * ld + c], v = b[(rowB + i) * ld + c]
                tally.expect(u.bitPattern == v.bitPattern, "\(what()): row \(i) col \(c): \(hex(u)) vs \(hex(v))", file: file, line: line)
            }
        }
    }

    /// (a) Every instruction set gives the scalar driver's bits, at every batch size.
    func testInstructionSetsAgreeBitwise() throws {
        let tally = Tally()
        for type in QType.all {
            let f = try Self.fixture(type, salt: 0x15A_0000)
            let x = Self.activations(f.k, salt: 1)
            let scratch = f.makeScratch(rows: x.rows)
            for m in batchSizes {
                let scalar = f.gemm(isa: 0, x: x, rowStart: 0, rows: m, scratch: scratch, tally: tally)
                for isa in availableISAs where isa != 0 {
                    let y = f.gemm(isa: isa, x: x, rowStart: 0, rows: m, scratch: scratch, tally: tally)
                    Self.expectSame(y, scalar, rowsA: 0..<m, rowB: 0, n: f.n, "\(f) rows \(m): isa \(isa) vs scalar", tally: tally)
                }
            }
        }
        tally.finish("ISAs agree")
    }

    /// The fused few-rows path and the tiled path give the same bits (quant.h): with `hk_qset_fused_rows(0)` every
    /// batch takes the tiled path, and each small batch must equal what the default crossover computes.
    func testFusedAndTiledPathsAgreeBitwise() throws {
        let tally = Tally()
        defer { hk_qset_fused_rows(-1) }
        for type in QType.all {
            let f = try Self.fixture(type, salt: 0xF05_0000)
            let x = Self.activations(f.k, salt: 3)
            let scratch = f.makeScratch(rows: x.rows)
            for isa in availableISAs {
                for m in 1...4 {
                    hk_qset_fused_rows(-1)
                    let fused = f.gemm(isa: isa, x: x, rowStart: 0, rows: m, scratch: scratch, tally: tally)
                    hk_qset_fused_rows(0)
                    let tiled = f.gemm(isa: isa, x: x, rowStart: 0, rows: m, scratch: scratch, tally: tally)
                    Self.expectSame(fused, tiled, rowsA: 0..<m, rowB: 0, n: f.n, "\(f) isa \(isa) rows \(m): fused vs tiled", tally: tally)
                }
            }
        }
        tally.finish("fused and tiled agree")
    }

    /// (b) A row's result does not depend on its batch: each row alone (rows = 1), and every batch size at several
    /// offsets, equal the same rows computed in one batch of 77 (two 64-row chunks).
    func testBatchInvariance() throws {
        let tally = Tally()
        for type in QType.all {
            let f = try Self.fixture(type, salt: 0xBA7_0000)
            let x = Self.activations(f.k, salt: 2)
            let scratch = f.makeScratch(rows: x.rows)
            for isa in availableISAs {
                let all = f.gemm(isa: isa, x: x, rowStart: 0, rows: x.rows, scratch: scratch, tally: tally)
                for r in 0..<x.rows {
                    let one = f.gemm(isa: isa, x: x, rowStart: r, rows: 1, scratch: scratch, tally: tally)
                    Self.expectSame(one, all, rowsA: 0..<1, rowB: r, n: f.n, "\(f) isa \(isa): row \(r) alone vs in 77", tally: tally)
                }
                for m in batchSizes where m < x.rows {
                    for start in Set([0, (x.rows - m) / 2 + 1, x.rows - m]) where start + m <= x.rows {
                        let y = f.gemm(isa: isa, x: x, rowStart: start, rows: m, scratch: scratch, tally: tally)
                        Self.expectSame(y, all, rowsA: 0..<m, rowB: start, n: f.n, "\(f) isa \(isa): rows \(start)..<\(start + m) vs in 77", tally: tally)
                    }
                }
            }
        }
        tally.finish("batch invariance")
    }

    /// (c) Splitting panels [0, 5) at any a into [0, a) + [a, 5), or into five single panels, gives the same bits; each
    /// call writes only its own columns (checked by `gemm`).
    func testPanelSplitsAgreeBitwise() throws {
        let tally = Tally()
        for type in QType.all {
            let f = try Self.fixture(type, salt: 0x5B1_0000)
            let x = Self.activations(f.k, salt: 3)
            let scratch = f.makeScratch(rows: x.rows)
            for isa in availableISAs {
                for m in [1, 2, 3, 4, 7, 13, 17, 65] {
                    let whole = f.gemm(isa: isa, x: x, rowStart: 0, rows: m, scratch: scratch, tally: tally)
                    for a in 1..<f.panels {
                        let left = f.gemm(isa: isa, x: x, rowStart: 0, rows: m, p0: 0, p1: a, scratch: scratch, tally: tally)
                        let both = f.gemm(isa: isa, x: x, rowStart: 0, rows: m, p0: a, p1: f.panels, y0: left, scratch: scratch, tally: tally)
                        Self.expectSame(both, whole, rowsA: 0..<m, rowB: 0, n: f.n, "\(f) isa \(isa) rows \(m): [0,\(a)) + [\(a),\(f.panels))", tally: tally)
                    }
                    var singles: [Float]? = nil
                    for p in 0..<f.panels {
                        singles = f.gemm(isa: isa, x: x, rowStart: 0, rows: m, p0: p, p1: p + 1, y0: singles, scratch: scratch, tally: tally)
                    }
                    Self.expectSame(singles!, whole, rowsA: 0..<m, rowB: 0, n: f.n, "\(f) isa \(isa) rows \(m): one panel at a time", tally: tally)
                }
            }
        }
        tally.finish("panel splits")
    }

    /// (d) accumulate = 1 stores exactly y0 + acc (one f32 addition) where acc is the accumulate = 0 result; also over
    /// a sub-range of panels, leaving the other columns' y0 alone.
    func testAccumulateAddsExactly() throws {
        let tally = Tally()
        for type in QType.all {
            let f = try Self.fixture(type, salt: 0xACC_0000)
            let x = Self.activations(f.k, salt: 4)
            let scratch = f.makeScratch(rows: x.rows)
            var rng = SplitMix64(seed: 0xACC + UInt64(type.id))
            let ldy = f.n + 5
            for isa in availableISAs {
                for m in [1, 2, 3, 4, 5, 8, 12, 17, 64, 77] {
                    let y0 = (0..<(m * ldy)).map { _ in rng.uniform(-4, 4) }
                    for (p0, p1) in [(0, f.panels), (1, 3)] {
                        let acc = f.gemm(isa: isa, x: x, rowStart: 0, rows: m, p0: p0, p1: p1, scratch: scratch, tally: tally)
                        let y = f.gemm(isa: isa, x: x, rowStart: 0, rows: m, p0: p0, p1: p1, accumulate: true, y0: y0, scratch: scratch, tally: tally)
                        for r in 0..<m {
                            for c in (16 * p0)..<min(f.n, 16 * p1) {
                                let want = y0[r * ldy + c] + acc[r * ldy + c], got = y[r * ldy + c]
                                tally.expect(got.bitPattern == want.bitPattern,
                                             "\(f) isa \(isa) rows \(m) panels [\(p0),\(p1)): y[\(r)][\(c)] = \(hex(got)), y0 + acc = \(hex(want))")
                            }
                        }
                    }
                }
            }
        }
        tally.finish("accumulate")
    }
}
