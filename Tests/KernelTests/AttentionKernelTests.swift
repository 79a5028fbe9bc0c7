// hk_attention against a scalar softmax(q·k·scale)·v in Double, from paged K/V storage laid out as attention.c
// reads it: (slot, kvHeads, headDim) per layer, slot = blockTable[p / blockSize]·blockSize + p % blockSize for the
// sequence's position p. And its batch invariance: a row's bits do not depend on the rows computed with it.
import CKernels
import XCTest

final class AttentionKernelTests: XCTestCase {
    static let blockSize = 16
    /// Logical block b of the sequence lives in physical block blockTable[b]: not in order.
    static let blockTable: [Int32] = [3, 0, 2, 1]
    /// Physical block 4 belongs to no sequence; it holds NaN, so reading it would show.
    static let physicalBlocks = 5
    static let kvHeads = 2
    static let maxPositions = blockTable.count * blockSize

    /// (start, rows): decode (rows 1) at the first position, mid-block and at the last slot of the table; prefill
    /// chunks crossing block boundaries (3 rows over 31|32, 13 rows over 15|16, 13 rows from 0, 5 rows over 47|48)
    /// and one filling the whole table. Rows 5, 13 and 14 leave a one- or two-row last tile (the kernel tiles by 4).
    static let shapes: [(start: Int, rows: Int)] = [(0, 1), (37, 1), (63, 1), (30, 3), (10, 13), (0, 13), (45, 5), (50, 14)]

    static func slot(_ p: Int) -> Int { Int(blockTable[p / blockSize]) * blockSize + p % blockSize }

    /// One layer's K and V for every position of the table, both KV heads, as the values the kernel must read
    /// (already rounded to f16 for an f16 cache): (position, kvHeads, headDim).
    struct Sequence {
        let headDim: Int, f16: Bool
        let k: [Float], v: [Float]

        init(headDim: Int, f16: Bool, rng: inout SplitMix64) {
            self.headDim = headDim
            self.f16 = f16
            let count = AttentionKernelTests.maxPositions * AttentionKernelTests.kvHeads * headDim
            let round: (Float) -> Float = f16 ? { Float(Float16($0)) } : { $0 }
            k = (0..<count).map { _ in round(rng.uniform(-1, 1)) }
            v = (0..<count).map { _ in round(rng.uniform(-1, 1)) }
        }

        func index(_ p: Int, _ head: Int, _ d: Int) -> Int { (p * AttentionKernelTests.kvHeads + head) * headDim + d }

        /// Runs body with the storage of a context of `ctx` positions: positions ≥ ctx and block 4 hold NaN.
        func withStorage<R>(ctx: Int, _ body: (UnsafeRawPointer, UnsafeRawPointer) -> R) -> R {
            let kvDim = AttentionKernelTests.kvHeads * headDim
            let slots = AttentionKernelTests.physicalBlocks * AttentionKernelTests.blockSize
            var kf = [Float](repeating: .nan, count: slots * kvDim), vf = kf
            for p in 0..<ctx {
                let s = AttentionKernelTests.slot(p)
                for i in 0..<kvDim {
                    kf[s * kvDim + i] = k[p * kvDim + i]
                    vf[s * kvDim + i] = v[p * kvDim + i]
                }
            }
            if !f16 { return kf.withUnsafeBytes { kb in vf.withUnsafeBytes { vb in body(kb.baseAddress!, vb.baseAddress!) } } }
            let kh = kf.map { Float16($0).bitPattern }, vh = vf.map { Float16($0).bitPattern }
            return kh.withUnsafeBytes { kb in vh.withUnsafeBytes { vb in body(kb.baseAddress!, vb.baseAddress!) } }
        }
    }

    /// hk_attention for rows [row0, row0 + rows) of q (stride ldq) at positions start + row0…; out has stride
    /// ldo and starts as the sentinel. Checks that out's padding and a guard past the 4·(start + rows) floats of
    /// scratch the header asks for stay untouched.
    static func attend(_ seq: Sequence, kvHead: Int, q: [Float], ldq: Int, row0: Int, rows: Int, start: Int, scale: Float,
                       ldo: Int, tally: Tally, _ what: String) -> [Float] {
        let ctx = start + rows, guardFloats = 64
        var out = [Float](repeating: sentinel, count: rows * ldo)
        var scratch = [Float](repeating: sentinel, count: 4 * ctx + guardFloats)
        seq.withStorage(ctx: ctx) { kc, vc in
            q.withUnsafeBufferPointer { qp in
                hk_attention(qp.baseAddress! + row0 * ldq, ldq, rows, start, kc, vc, seq.f16 ? 1 : 0, blockTable, blockSize,
                             kvHeads, seq.headDim, kvHead, scale, &out, ldo, &scratch)
            }
        }
        for i in (4 * ctx)..<scratch.count { tally.expect(isSentinel(scratch[i]), "\(what): scratch[\(i)] past 4·(start + rows) = \(4 * ctx) written") }
        for r in 0..<rows {
            for d in seq.headDim..<ldo { tally.expect(isSentinel(out[r * ldo + d]), "\(what): out[\(r)][\(d)] past headDim written") }
        }
        return out
    }

    /// softmax over positions 0…pos of (q·k)·scale, times V, in Double; and the scale of the result, Σ p|v| / Σ p.
    static func reference(_ seq: Sequence, kvHead: Int, q: ArraySlice<Float>, pos: Int, scale: Float) -> (out: [Double], mag: [Double]) {
        let hd = seq.headDim
        var s = [Double](repeating: 0, count: pos + 1)
        for j in 0...pos {
            var dot = 0.0
            for d in 0..<hd { dot += Double(q[q.startIndex + d]) * Double(seq.k[seq.index(j, kvHead, d)]) }
            s[j] = dot * Double(scale)
        }
        let m = s.max()!
        let p = s.map { exp($0 - m) }
        let z = p.reduce(0, +)
        var out = [Double](repeating: 0, count: hd), mag = out
        for j in 0...pos {
            for d in 0..<hd {
                let vv = Double(seq.v[seq.index(j, kvHead, d)])
                out[d] += p[j] * vv
                mag[d] += p[j] * abs(vv)
            }
        }
        return (out.map { $0 / z }, mag.map { $0 / z })
    }

    func testAttentionF32CacheMatchesReference() { check(f16: false) }
    func testAttentionF16CacheMatchesReference() { check(f16: true) }

    /// headDim 64, 128 and 40 (a partial 64-column group in the one-row path), KV head 0 and 1 of 2, every shape,
    /// q of magnitude 1 and 12 (peaked softmax), ldq and ldo longer than headDim (q padding NaN). Each output
    /// element within 1e-5·Σp|v|/Σp of the Double reference (relative error, measured against the result's scale
    /// so cancellation in Σ p·v does not inflate it); and each row's bits equal the row computed alone.
    func check(f16: Bool) {
        let tally = Tally(), invariance = Tally()
        let cache = f16 ? "f16" : "f32"
        var stat = ErrorStat("hk_attention \(cache) |err| / (Σp|v|/Σp)")
        var relStat = ErrorStat("hk_attention \(cache) |err| / |ref| where |ref| ≥ 0.1·Σp|v|/Σp")
        var rng = SplitMix64(seed: f16 ? 0xA77_0016 : 0xA77_0032)
        for headDim in [64, 128, 40] {
            let seq = Sequence(headDim: headDim, f16: f16, rng: &rng)
            let scale = 1 / Float(headDim).squareRoot()
            let ldq = headDim + 8, ldo = headDim + 16
            for kvHead in 0..<Self.kvHeads {
                for (start, rows) in Self.shapes {
                    for qMag: Float in [1, 12] {
                        var q = [Float](repeating: .nan, count: rows * ldq)
                        for r in 0..<rows { for d in 0..<headDim { q[r * ldq + d] = qMag * rng.uniform(-1, 1) } }
                        let what = "\(cache) headDim \(headDim) kvHead \(kvHead) start \(start) rows \(rows) |q| \(qMag)"
                        let out = Self.attend(seq, kvHead: kvHead, q: q, ldq: ldq, row0: 0, rows: rows, start: start, scale: scale,
                                              ldo: ldo, tally: tally, what)
                        for r in 0..<rows {
                            let ref = Self.reference(seq, kvHead: kvHead, q: q[(r * ldq)..<(r * ldq + headDim)], pos: start + r, scale: scale)
                            for d in 0..<headDim {
                                let got = out[r * ldo + d], e = abs(Double(got) - ref.out[d])
                                stat.note(e / ref.mag[d], "\(what) row \(r) d \(d)")
                                if abs(ref.out[d]) >= 0.1 * ref.mag[d] { relStat.note(e / abs(ref.out[d]), "\(what) row \(r) d \(d)") }
                                tally.expect(got.isFinite && e <= 1e-5 * ref.mag[d],
                                             "\(what): out[\(r)][\(d)] = \(got), reference \(ref.out[d]), |err| \(e) > 1e-5·\(ref.mag[d])")
                            }
                            // Batch invariance: row r alone (rows 1 at position start + r) gives the same bits.
                            guard rows > 1 else { continue }
                            let alone = Self.attend(seq, kvHead: kvHead, q: q, ldq: ldq, row0: r, rows: 1, start: start + r, scale: scale,
                                                    ldo: ldo, tally: tally, "\(what) row \(r) alone")
                            for d in 0..<headDim {
                                invariance.expect(alone[d].bitPattern == out[r * ldo + d].bitPattern,
                                                  "\(what): row \(r) d \(d) in the batch \(hex(out[r * ldo + d])), alone \(hex(alone[d]))")
                            }
                        }
                    }
                }
            }
        }
        stat.report()
        relStat.report()
        tally.finish("hk_attention \(cache) reference")
        invariance.finish("hk_attention \(cache) batch invariance")
    }
}
