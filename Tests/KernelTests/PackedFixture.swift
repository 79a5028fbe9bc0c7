// A synthetic matrix repacked by hk_qpack, the activations it is multiplied with, a wrapper around hk_qgemm that
// guards the output's untouched elements, and the plain Swift references the kernels are compared with.
import CKernels
import GGUF
import XCTest

/// The instruction sets this CPU can run: 0 (scalar reference driver), 1 (AVX2), and 2 when AVX-512 is present.
let availableISAs: [Int32] = hk_qisa_best() >= 2 ? [0, 1, 2] : [0, 1]

/// Batch sizes that reach every path: the fused few-rows kernel (≤ 4 rows on AVX-512, ≤ 2 on AVX2), the tiled
/// blocks of 12 (AVX-512) or 6 (AVX2) rows with every tail, and more than one 64-row chunk.
let batchSizes = [1, 2, 3, 4, 5, 6, 7, 8, 11, 12, 13, 15, 16, 17, 64, 65, 77]

/// x: (rows, k) with row stride k + 3; the 3 padding floats of each row are NaN, so reading past k would show.
struct Activations {
    let rows: Int, k: Int, ldx: Int
    var x: [Float]

    init(rows: Int, k: Int, rng: inout SplitMix64) {
        self.rows = rows
        self.k = k
        ldx = k + 3
        x = [Float](repeating: .nan, count: rows * ldx)
        for r in 0..<rows { for i in 0..<k { x[r * ldx + i] = rng.uniform(-1, 1) } }
    }
}

/// W: (n, k) of one type: source bytes, the GGUF package's rows, the packed panels and hk_qrow's rows.
final class PackedFixture: CustomStringConvertible {
    let type: QType, n: Int, k: Int, fill: Fill
    let source: [UInt8]
    let panels: Int, panelBytes: Int
    let packed: UnsafeMutableRawPointer
    let packStatus: Int32
    /// GGUF's dequantization, (n, k), and the per-element tolerance of the kernels' weights against it.
    let gguf: [Float]
    let weightTol: [Float]
    /// hk_qrow of every row, (n, k): the kernels' own weights.
    let qrow: [Float]

    var description: String { "\(type) n=\(n) k=\(k) \(fill.rawValue)" }

    init(_ type: QType, n: Int, k: Int, fill: Fill, seed: UInt64) throws {
        self.type = type
        self.n = n
        self.k = k
        self.fill = fill
        var rng = SplitMix64(seed: seed)
        let src = makeSource(type, n: n, k: k, fill: fill, rng: &rng)
        gguf = try ggufRows(type, source: src, n: n, k: k)
        let panelBytes = hk_qpanel_bytes(type.id, k), panels = (n + 15) / 16
        let dst = UnsafeMutableRawPointer.allocate(byteCount: max(panels * panelBytes, 1), alignment: 64)
        dst.initializeMemory(as: UInt8.self, repeating: 0xA5, count: panels * panelBytes)
        packStatus = src.withUnsafeBytes { hk_qpack(type.id, $0.baseAddress, n, k, 0, n, dst) }
        var rows = [Float](repeating: .nan, count: n * k)
        rows.withUnsafeMutableBufferPointer { out in
            for r in 0..<n { hk_qrow(type.id, dst, k, r, out.baseAddress! + r * k) }
        }
        source = src
        self.panels = panels
        self.panelBytes = panelBytes
        packed = dst
        qrow = rows
        weightTol = weightTolerances(type, source: src, n: n, k: k)
    }

    deinit { packed.deallocate() }

    /// 64-byte-aligned scratch for hk_qgemm calls of up to `rows` rows.
    func makeScratch(rows: Int) -> Scratch { Scratch(floats: hk_qscratch_floats(k)) }

    /// Runs hk_qgemm on x rows [rowStart, rowStart + rows) over panels [p0, p1) into y: (rows, ldy = n + 5).
    /// y starts as `y0` (or the sentinel everywhere); afterwards every element outside the columns of [p0, p1)
    /// below n must still hold its old value, which `tally` checks.
    func gemm(isa: Int32, x: Activations, rowStart: Int, rows: Int, p0: Int = 0, p1: Int? = nil, accumulate: Bool = false,
              y0: [Float]? = nil, scratch: Scratch, tally: Tally) -> [Float] {
        let p1 = p1 ?? panels
        let ldy = n + 5, guardFloats = 32
        let before = y0 ?? [Float](repeating: sentinel, count: rows * ldy)
        precondition(before.count == rows * ldy && rowStart + rows <= x.rows && scratch.floats >= hk_qscratch_floats(k))
        // A guard band after the last row: a store past it would show here instead of corrupting the heap.
        var y = before + [Float](repeating: sentinel, count: guardFloats)
        x.x.withUnsafeBufferPointer { xs in
            y.withUnsafeMutableBufferPointer { ys in
                hk_qgemm(isa, type.id, packed, k, n, p0, p1, xs.baseAddress! + rowStart * x.ldx, x.ldx, rows,
                         ys.baseAddress!, ldy, accumulate ? 1 : 0, scratch.pointer)
            }
        }
        let written = (16 * p0)..<min(n, 16 * p1)
        for i in 0..<guardFloats {
            tally.expect(isSentinel(y[rows * ldy + i]), "\(self) isa \(isa) rows \(rows) panels [\(p0),\(p1)): wrote guard float \(i) past the last row of y")
        }
        y.removeLast(guardFloats)
        for r in 0..<rows {
            for c in 0..<ldy where !written.contains(c) {
                tally.expect(y[r * ldy + c].bitPattern == before[r * ldy + c].bitPattern,
                             "\(self) isa \(isa) rows \(rows) panels [\(p0),\(p1)): y[\(r)][\(c)] outside the panels was written: \(hex(y[r * ldy + c]))")
            }
        }
        return y
    }
}

/// Aligned scratch floats, freed with their owner.
final class Scratch {
    let floats: Int
    let pointer: UnsafeMutablePointer<Float>

    init(floats: Int) {
        self.floats = floats
        pointer = UnsafeMutableRawPointer.allocate(byteCount: floats * 4, alignment: 64).bindMemory(to: Float.self, capacity: floats)
    }

    deinit { pointer.deallocate() }
}

/// Plain Swift products of x with a fixture's weights, (x.rows, n), each element the fma chain over k in order.
struct Reference {
    /// Over GGUF's independently dequantized weights, with the bound the kernels must stay within.
    var gguf: [Float]
    var bound: [Float]
    /// Over hk_qrow's weights: exactly what quant.h promises every kernel computes, bit for bit.
    var exact: [Float]

    /// The bound. Each step acc_k = fma(x_k, w_k, acc_{k-1}) rounds once, moving acc_k by at most u·|acc_k|
    /// (u = 2^-24; plus 2^-150 if acc_k is subnormal), so a chain is within u·Σ_k|acc_k| of its exact sum. The kernel's
    /// chain and the reference chain differ (i) by those rounding errors, at most u·Σ|acc_k| each (their partial sums
    /// agree to first order), and (ii) because their weights may differ by δ_k (weightTolerances), which moves the exact
    /// sum by at most Σ_k|x_k|·δ_k. So |y - y_ref| ≤ 2u·Σ_k|acc_k| + Σ_k|x_k|·δ_k; we allow 2.5u and 1.5× for the second
    /// order terms, plus K·2^-148 for subnormal steps. With k ≤ 864 this is far below the error of one wrong code
    /// (one |x_k|·D), unlike a blanket K·u·Σ|x_k·w_k| bound.
    init(_ f: PackedFixture, _ x: Activations) {
        let n = f.n, k = f.k
        gguf = [Float](repeating: .nan, count: x.rows * n)
        bound = gguf
        exact = gguf
        let u = Double(Float.ulpOfOne) / 2
        x.x.withUnsafeBufferPointer { xs in
            f.gguf.withUnsafeBufferPointer { gw in
                f.qrow.withUnsafeBufferPointer { qw in
                    f.weightTol.withUnsafeBufferPointer { tw in
                        for r in 0..<x.rows {
                            let xr = xs.baseAddress! + r * x.ldx
                            for c in 0..<n {
                                let g = gw.baseAddress! + c * k, q = qw.baseAddress! + c * k, t = tw.baseAddress! + c * k
                                var acc: Float = 0, accQ: Float = 0
                                var partials = 0.0, weightSlack = 0.0
                                for i in 0..<k {
                                    acc = acc.addingProduct(xr[i], g[i])
                                    accQ = accQ.addingProduct(xr[i], q[i])
                                    partials += Double(abs(acc))
                                    weightSlack += Double(abs(xr[i])) * Double(t[i])
                                }
                                gguf[r * n + c] = acc
                                exact[r * n + c] = accQ
                                bound[r * n + c] = Float(2.5 * u * partials + 1.5 * weightSlack + Double(k) * 0x1p-148)
                            }
                        }
                    }
                }
            }
        }
    }
}
