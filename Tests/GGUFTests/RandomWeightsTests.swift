import GGUF
import TestSupport
import XCTest

/// TinyModel's random weights, read back through the GGUF dequantizers: each block type's generator writes the
/// layout it claims, with the mean and spread asked for (a misplaced scale or code field would show here).
final class RandomWeightsTests: XCTestCase {
    func testEveryTypeHasAboutZeroMeanAndTheRequestedSpread() throws {
        let types: [GGMLType] = [.f32, .f16, .bf16, .q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .q2_K, .q3_K, .q4_K, .q5_K, .q6_K]
        for type in types {
            var rng = RandomWeights(seed: 7)
            let rows = 64, cols = 256
            let bytes = try rng.tensor(type, rows: rows, cols: cols, std: 0.5)
            XCTAssertEqual(bytes.count, type.byteCount(elements: rows * cols), type.name)
            var values = [Float](repeating: .nan, count: rows * cols)
            try bytes.withUnsafeBytes { src in
                try values.withUnsafeMutableBufferPointer { dst in
                    guard let s = src.baseAddress, let d = dst.baseAddress else { return XCTFail("empty buffer") }
                    try type.dequantize(s, count: rows * cols, into: d)
                }
            }
            let mean = values.reduce(0, +) / Float(values.count)
            let std = (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Float(values.count)).squareRoot()
            XCTAssertLessThan(abs(mean), 0.05, "\(type.name): mean \(mean)")
            XCTAssertEqual(std, 0.5, accuracy: 0.1, "\(type.name): standard deviation \(std)")
            XCTAssertGreaterThan(Set(values).count, 4, "\(type.name): distinct values")
        }
    }

    func testSameSeedSameBytes() throws {
        var a = RandomWeights(seed: 42), b = RandomWeights(seed: 42), c = RandomWeights(seed: 43)
        let x = try a.tensor(.q4_K, rows: 2, cols: 256, std: 1)
        XCTAssertEqual(x, try b.tensor(.q4_K, rows: 2, cols: 256, std: 1))
        XCTAssertNotEqual(x, try c.tensor(.q4_K, rows: 2, cols: 256, std: 1))
    }
}
