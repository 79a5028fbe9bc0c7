// hk_qpack, hk_qrow and hk_qtile_scalar: the repacked weights against the GGUF package's own dequantizer.
import CKernels
import GGUF
import XCTest

final class RepackTests: XCTestCase {
    /// One matrix per type and fill, at every k of the type, with partial last panels (n = 17, 33, 40).
    static func fixtures() throws -> [PackedFixture] {
        var out: [PackedFixture] = []
        for type in QType.all {
            for (i, fill) in Fill.allCases.enumerated() {
                for (j, k) in type.shapesK.enumerated() {
                    let n = [17, 33, 40][(i + j) % 3]
                    out.append(try PackedFixture(type, n: n, k: k, fill: fill, seed: 0xBAC_0000 &+ UInt64(type.id) << 8 &+ UInt64(i * 4 + j)))
                }
            }
        }
        return out
    }

    /// hk_qrow of every row within 2 ulp of the block's scale magnitude of GGUF's dequantization (weightTolerances
    /// explains the bound); float types exactly.
    func testRowsMatchGGUFDequantizer() throws {
        let tally = Tally()
        for f in try Self.fixtures() {
            XCTAssertEqual(f.packStatus, 0, "\(f): hk_qpack failed")
            for r in 0..<f.n {
                for i in 0..<f.k {
                    let w = f.qrow[r * f.k + i], g = f.gguf[r * f.k + i], t = f.weightTol[r * f.k + i]
                    tally.expect(w.isFinite && abs(w - g) <= t, "\(f): row \(r) k \(i): hk_qrow \(hex(w)), GGUF \(hex(g)), tolerance \(t)")
                }
            }
        }
        tally.finish("qrow vs GGUF")
    }

    /// Stronger than the contract, and true today: the weights equal GGUF's bit for bit (up to the sign of zero).
    ///
    /// Both sides take the same exactly-widened f16 fields and small integers, and every product they form is exact
    /// in f32: d·sc and dmin·mn have at most 11 + 8 significant bits, times a code of at most 6 bits ≤ 24 bits
    /// (Q6_K: d·sc·(q - 32) with |q - 32| ≤ 32). So GGUF's d·q + m (two roundings) and the kernels' fma(c, D, -M)
    /// (one) both round the same exact real number once. A failure here with the tolerance test passing means the
    /// kernels changed how D or M are formed; it is a regression in exactness, not necessarily a contract violation.
    func testRowsEqualGGUFDequantizerExactly() throws {
        let tally = Tally()
        for f in try Self.fixtures() {
            for i in 0..<(f.n * f.k) {
                tally.expect(f.qrow[i] == f.gguf[i], "\(f): row \(i / f.k) k \(i % f.k): hk_qrow \(hex(f.qrow[i])) != GGUF \(hex(f.gguf[i]))")
            }
        }
        tally.finish("qrow == GGUF")
    }

    /// hk_qtile_scalar over every tile of every panel equals hk_qrow for each column, bit for bit (same formula);
    /// the padding columns of the last panel are zero.
    func testScalarTilesMatchRows() throws {
        let tally = Tally()
        for f in try Self.fixtures() {
            var tile = [Float](repeating: .nan, count: 256 * 16)
            for p in 0..<f.panels {
                for k0 in stride(from: 0, to: f.k, by: 256) {
                    let kt = min(256, f.k - k0)
                    tile.withUnsafeMutableBufferPointer { hk_qtile_scalar(f.type.id, f.packed + p * f.panelBytes, f.k, k0, kt, $0.baseAddress!) }
                    for kk in 0..<kt {
                        for j in 0..<16 {
                            let row = 16 * p + j, w = tile[kk * 16 + j]
                            if row < f.n {
                                let q = f.qrow[row * f.k + k0 + kk]
                                tally.expect(w.bitPattern == q.bitPattern, "\(f): tile k0 \(k0) kk \(kk) column \(row): \(hex(w)) vs hk_qrow \(hex(q))")
                            } else {
                                tally.expect(w == 0, "\(f): padding column \(row) k \(k0 + kk) of the last panel is \(hex(w)), not 0")
                            }
                        }
                    }
                }
            }
        }
        tally.finish("tiles vs rows")
    }

    /// Rows past n in the last panel dequantize to 0 through hk_qrow too (quant.h: "Rows past n are zero").
    func testPaddingRowsAreZero() throws {
        let tally = Tally()
        for f in try Self.fixtures() where f.n % 16 != 0 {
            var out = [Float](repeating: .nan, count: f.k)
            for row in f.n..<(16 * f.panels) {
                out.withUnsafeMutableBufferPointer { hk_qrow(f.type.id, f.packed, f.k, row, $0.baseAddress!) }
                for i in 0..<f.k { tally.expect(out[i] == 0, "\(f): padding row \(row) k \(i) = \(hex(out[i]))") }
            }
        }
        tally.finish("padding rows")
    }

    /// Packing row ranges [row0, row0 + rows) separately writes the same bytes as packing the whole matrix, and
    /// leaves the panels outside the range alone.
    func testPackingRowRangesMatchesWholeMatrix() throws {
        let tally = Tally()
        for type in QType.all {
            let f = try PackedFixture(type, n: 40, k: type.longK, fill: .random, seed: 0x9A_0000 &+ UInt64(type.id))
            let bytes = f.panels * f.panelBytes
            let piecewise = UnsafeMutableRawPointer.allocate(byteCount: bytes, alignment: 64)
            defer { piecewise.deallocate() }
            piecewise.initializeMemory(as: UInt8.self, repeating: 0x5A, count: bytes)
            f.source.withUnsafeBytes { src in
                // Panel 1 first (rows 16..<32), then rows 32..<40 (the partial last panel), then panel 0.
                tally.expect(hk_qpack(type.id, src.baseAddress, 40, f.k, 16, 16, piecewise) == 0, "\(type): pack rows 16..<32")
                let untouched = (0..<f.panelBytes).allSatisfy { piecewise.load(fromByteOffset: $0, as: UInt8.self) == 0x5A }
                    && (2 * f.panelBytes..<bytes).allSatisfy { piecewise.load(fromByteOffset: $0, as: UInt8.self) == 0x5A }
                tally.expect(untouched, "\(type): packing rows 16..<32 wrote outside panel 1")
                tally.expect(hk_qpack(type.id, src.baseAddress, 40, f.k, 32, 8, piecewise) == 0, "\(type): pack rows 32..<40")
                tally.expect(hk_qpack(type.id, src.baseAddress, 40, f.k, 0, 16, piecewise) == 0, "\(type): pack rows 0..<16")
            }
            let differing = (0..<bytes).filter {
                piecewise.load(fromByteOffset: $0, as: UInt8.self) != f.packed.load(fromByteOffset: $0, as: UInt8.self)
            }
            tally.expect(differing.isEmpty, "\(type): \(differing.count) bytes differ from the whole-matrix packing, first at \(differing.first ?? -1)")
        }
        tally.finish("piecewise packing")
    }

    /// hk_qpack returns -1 when an f16 scale field (d, m or dmin) is Inf or NaN, wherever the block is, and 0 for the
    /// same matrix with finite scales, including the largest finite f16 and subnormals.
    func testNonFiniteScalesAreRejected() throws {
        let tally = Tally()
        // (type, which field: d or m/dmin, bad bits)
        let cases: [(QType, Bool, UInt16)] = [
            (.q4_0, true, 0x7C00), (.q4_0, true, 0xFC00), (.q4_0, true, 0x7E00), (.q8_0, true, 0x7C01),
            (.q4_1, false, 0x7C00), (.q5_1, false, 0xFE00), (.q5_0, true, 0x7D00),
            (.q4_K, true, 0x7E00), (.q4_K, false, 0x7C00), (.q2_K, false, 0xFC00), (.q3_K, true, 0x7C00),
            (.q5_K, true, 0xFFFF), (.q6_K, true, 0x7C00),
        ]
        for (i, (type, dField, bad)) in cases.enumerated() {
            let n = 33, k = type.longK
            var rng = SplitMix64(seed: 0xBAD_0000 &+ UInt64(i))
            var src = makeSource(type, n: n, k: k, fill: .random, rng: &rng)
            let perRow = k / type.blockElements
            let offset = try XCTUnwrap(dField ? type.dOffset : type.mOffset)
            let block = 20 * perRow + perRow - 1 // the last block of row 20 (panel 1)
            let packed = UnsafeMutableRawPointer.allocate(byteCount: 3 * hk_qpanel_bytes(type.id, k), alignment: 64)
            defer { packed.deallocate() }
            let pack = { (s: [UInt8]) in s.withUnsafeBytes { hk_qpack(type.id, $0.baseAddress, n, k, 0, n, packed) } }
            for good: UInt16 in [0x7BFF, 0xFBFF, 0x0001, 0x0000] {
                src.storeHalf(good, at: block * type.blockBytes + offset)
                tally.expect(pack(src) == 0, "\(type): finite scale 0x\(String(good, radix: 16)) rejected")
            }
            src.storeHalf(bad, at: block * type.blockBytes + offset)
            tally.expect(pack(src) == -1, "\(type): \(dField ? "d" : "min") = 0x\(String(bad, radix: 16)) in row 20 accepted")
        }
        tally.finish("non-finite scales")
    }

    /// The supported set and block sizes agree with the GGUF package; panel sizes scale with k.
    func testTypesAndGeometry() {
        for type in QType.all {
            XCTAssertEqual(hk_qsupported(type.id), 1, "\(type)")
            XCTAssertEqual(hk_qblock(type.id), type.blockElements, "\(type)")
            let k = type.shapesK[0]
            XCTAssertEqual(hk_qpanel_bytes(type.id, 2 * k), 2 * hk_qpanel_bytes(type.id, k), "\(type)")
            // A panel holds at least the 16 rows' source bytes (codes are never dropped).
            XCTAssertGreaterThanOrEqual(hk_qpanel_bytes(type.id, k), 16 * type.ggml.byteCount(elements: k)!, "\(type)")
            if type.isFloat { XCTAssertEqual(hk_qpanel_bytes(type.id, k), 16 * k * type.blockBytes, "\(type)") }
        }
        for unsupported: GGMLType in [.q8_1, .q8_K, .iq2_xxs, .iq4_nl, .iq4_xs, .i8, .f64, .tq2_0, .mxfp4] {
            XCTAssertEqual(hk_qsupported(Int32(unsupported.rawValue)), 0, "\(unsupported.name)")
        }
    }
}
