import Foundation
import GGUF
import XCTest

/// Golden tests against gguf-py's numpy dequantizer (fixtures from scripts/make-dequant-fixtures.py).
///
/// Comparison is bitwise, not within an ulp: every output element is one or two IEEE f32 operations
/// (`q·d`, `d·q + m`, `(d·sc)·q - dmin·m`) on exactly converted inputs, done in gguf-py's order, and Swift
/// never contracts them into FMAs, so any difference is a decoding bug. NaN payloads are compared too.
final class DequantizeTests: XCTestCase {
    // MARK: Golden fixtures, one per supported type

    func testGoldenF32() throws { try checkGolden(.f32) }
    func testGoldenF16() throws { try checkGolden(.f16) }
    func testGoldenBF16() throws { try checkGolden(.bf16) }
    func testGoldenQ4_0() throws { try checkGolden(.q4_0) }
    func testGoldenQ4_1() throws { try checkGolden(.q4_1) }
    func testGoldenQ5_0() throws { try checkGolden(.q5_0) }
    func testGoldenQ5_1() throws { try checkGolden(.q5_1) }
    func testGoldenQ8_0() throws { try checkGolden(.q8_0) }
    func testGoldenQ2_K() throws { try checkGolden(.q2_K) }
    func testGoldenQ3_K() throws { try checkGolden(.q3_K) }
    func testGoldenQ4_K() throws { try checkGolden(.q4_K) }
    func testGoldenQ5_K() throws { try checkGolden(.q5_K) }
    func testGoldenQ6_K() throws { try checkGolden(.q6_K) }

    /// The fixtures cover exactly the types that claim support, so a newly enabled type needs a fixture.
    func testDequantizableTypesMatchFixtures() {
        let supported = Set(GGMLType.allCases.filter(\.isDequantizable))
        XCTAssertEqual(supported, Set(Self.goldenTypes))
    }

    // MARK: Exhaustive 16-bit float widening

    /// All 65,536 binary16 patterns against the IEEE definition, computed independently of the decoder.
    func testFloat16AllPatterns() throws {
        let source = (0...UInt16.max).map { $0.littleEndian }
        var output = [Float](repeating: .nan, count: source.count)
        try source.withUnsafeBytes { raw in
            try output.withUnsafeMutableBufferPointer { out in
                try GGMLType.f16.dequantize(raw.baseAddress!, count: out.count, into: out.baseAddress!)
            }
        }
        for h in 0...UInt16.max {
            let expected = Self.referenceHalfToFloatBits(h)
            let got = output[Int(h)].bitPattern
            if got != expected {
                XCTFail("f16 0x\(String(h, radix: 16)): expected 0x\(String(expected, radix: 16)), got 0x\(String(got, radix: 16))")
                return
            }
        }
    }

    /// All 65,536 bfloat16 patterns: each must become exactly the f32 whose top half it is.
    func testBFloat16AllPatterns() throws {
        let source = (0...UInt16.max).map { $0.littleEndian }
        var output = [Float](repeating: .nan, count: source.count)
        try source.withUnsafeBytes { raw in
            try output.withUnsafeMutableBufferPointer { out in
                try GGMLType.bf16.dequantize(raw.baseAddress!, count: out.count, into: out.baseAddress!)
            }
        }
        let mismatches = (0...UInt16.max).filter { output[Int($0)].bitPattern != UInt32($0) << 16 }
        XCTAssertEqual(mismatches.count, 0, "first mismatching bf16 pattern: \(mismatches.first.map { String($0, radix: 16) } ?? "-")")
    }

    // MARK: Errors and edge cases

    func testUnsupportedTypeThrows() {
        assertThrows(.unsupportedType(.iq2_xxs), decoding: .iq2_xxs, count: 256)
        for type in GGMLType.allCases where !type.isDequantizable {
            assertThrows(.unsupportedType(type), decoding: type, count: 0)
        }
        XCTAssertFalse(GGMLType.q8_K.isDequantizable)
        XCTAssertFalse(GGMLType.iq4_nl.isDequantizable)
    }

    /// A count that ends mid-block throws before anything is written.
    func testPartialBlockThrows() {
        assertThrows(.partialBlock(count: 255, blockSize: 256), decoding: .q4_K, count: 255)
        assertThrows(.partialBlock(count: 33, blockSize: 32), decoding: .q4_0, count: 33)
        assertThrows(.partialBlock(count: 16, blockSize: 256), decoding: .q6_K, count: 16)
    }

    func testNegativeOrOverflowingCountThrows() {
        assertThrows(.invalidCount(-32), decoding: .q8_0, count: -32)
        assertThrows(.invalidCount(.max), decoding: .f32, count: .max)
    }

    /// Zero elements is a whole number of blocks: nothing is read or written.
    func testZeroCountWritesNothing() throws {
        var output: [Float] = [7]
        let source: [UInt8] = [0xFF]
        for type in Self.goldenTypes {
            try source.withUnsafeBytes { raw in
                try output.withUnsafeMutableBufferPointer { out in
                    try type.dequantize(raw.baseAddress!, count: 0, into: out.baseAddress!)
                }
            }
        }
        XCTAssertEqual(output, [7])
    }

    func testErrorDescriptions() {
        XCTAssertEqual(DequantizationError.unsupportedType(.iq2_xxs).description, "dequantization of IQ2_XXS tensors is not supported")
        XCTAssertEqual(
            DequantizationError.partialBlock(count: 255, blockSize: 256).description,
            "cannot dequantize 255 elements: not a multiple of the block size 256")
        XCTAssertTrue(DequantizationError.invalidCount(-1).description.contains("-1"))
    }

    // MARK: Helpers

    static let goldenTypes: [GGMLType] = [.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K]

    /// Decodes `<NAME>.bin` and compares with `<NAME>.f32` bitwise: whole buffer at byte offsets 0–3 (blocks
    /// are not 4-aligned in GGUF files), and block by block (the single-row path).
    private func checkGolden(_ type: GGMLType, file: StaticString = #filePath, line: UInt = #line) throws {
        let bytes = try Self.fixture("\(type.name).bin")
        let expectedData = try Self.fixture("\(type.name).f32")
        guard expectedData.count % 4 == 0, type.byteCount(elements: expectedData.count / 4) == bytes.count else {
            return XCTFail("\(type.name): fixture sizes disagree", file: file, line: line)
        }
        let expected = (0..<(expectedData.count / 4)).map { i in
            expectedData.withUnsafeBytes { UInt32(littleEndian: $0.loadUnaligned(fromByteOffset: 4 * i, as: UInt32.self)) }
        }
        let (blockElements, blockBytes) = type.blockLayout
        XCTAssertGreaterThan(expected.count, blockElements, "fixture should hold several blocks", file: file, line: line)

        let staging = UnsafeMutableRawPointer.allocate(byteCount: bytes.count + 8, alignment: 16)
        defer { staging.deallocate() }
        var output = [Float](repeating: 0, count: expected.count)
        for offset in 0..<4 {
            let source = staging + offset
            bytes.copyBytes(to: source.assumingMemoryBound(to: UInt8.self), count: bytes.count)
            output.withUnsafeMutableBufferPointer { $0.update(repeating: .infinity) }
            try output.withUnsafeMutableBufferPointer { out in
                try type.dequantize(UnsafeRawPointer(source), count: out.count, into: out.baseAddress!)
            }
            Self.assertBitwiseEqual(output, expected, "\(type.name) at byte offset \(offset)", file: file, line: line)
        }

        output.withUnsafeMutableBufferPointer { $0.update(repeating: .infinity) }
        try output.withUnsafeMutableBufferPointer { out in
            for block in 0..<(out.count / blockElements) {
                try type.dequantize(
                    UnsafeRawPointer(staging + 3 + block * blockBytes), count: blockElements,
                    into: out.baseAddress! + block * blockElements)
            }
        }
        Self.assertBitwiseEqual(output, expected, "\(type.name) block by block", file: file, line: line)
    }

    /// Expects `error` from decoding `count` elements, with the destination left untouched.
    private func assertThrows(
        _ expected: DequantizationError, decoding type: GGMLType, count: Int,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        let source = [UInt8](repeating: 0x11, count: 4096)
        var output = [Float](repeating: 42, count: 1024)
        var thrown: (any Error)?
        source.withUnsafeBytes { raw in
            output.withUnsafeMutableBufferPointer { out in
                do {
                    try type.dequantize(raw.baseAddress!, count: count, into: out.baseAddress!)
                } catch {
                    thrown = error
                }
            }
        }
        XCTAssertEqual(thrown as? DequantizationError, expected, "\(type.name) × \(count)", file: file, line: line)
        XCTAssertTrue(output.allSatisfy { $0 == 42 }, "\(type.name) wrote before throwing", file: file, line: line)
    }

    private static func assertBitwiseEqual(
        _ output: [Float], _ expected: [UInt32], _ what: String, file: StaticString, line: UInt
    ) {
        XCTAssertEqual(output.count, expected.count, file: file, line: line)
        let bad = zip(output, expected).enumerated().filter { $0.element.0.bitPattern != $0.element.1 }
        if let first = bad.first {
            let want = Float(bitPattern: first.element.1)
            XCTFail(
                "\(what): \(bad.count) of \(expected.count) elements differ; first at \(first.offset): "
                    + "expected \(want) (0x\(String(first.element.1, radix: 16))), got \(first.element.0) "
                    + "(0x\(String(first.element.0.bitPattern, radix: 16)))",
                file: file, line: line)
        }
    }

    private static func fixture(_ name: String) throws -> Data {
        let base = try XCTUnwrap(Bundle.module.resourceURL, "test bundle has no resources")
        return try Data(contentsOf: base.appendingPathComponent("Fixtures/dequant/\(name)"))
    }

    /// IEEE 754 binary16 → binary32 from the definition: sign·2^(e-15)·(1 + m/1024), subnormals m·2^-24,
    /// infinities, and NaNs with the payload shifted into the top of the f32 mantissa (as numpy and ggml do).
    private static func referenceHalfToFloatBits(_ h: UInt16) -> UInt32 {
        let sign: UInt32 = h & 0x8000 != 0 ? 0x8000_0000 : 0
        let exponent = Int((h >> 10) & 0x1F)
        let mantissa = UInt32(h & 0x3FF)
        if exponent == 0x1F {
            return sign | 0x7F80_0000 | (mantissa << 13)
        }
        let magnitude: Float =
            exponent == 0
            ? Float(mantissa) * Float(sign: .plus, exponent: -24, significand: 1)
            : Float(sign: .plus, exponent: exponent - 15, significand: 1 + Float(mantissa) / 1024)
        return sign | magnitude.bitPattern
    }
}
