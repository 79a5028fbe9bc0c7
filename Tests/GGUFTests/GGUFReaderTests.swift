import Foundation
import GGUF
import TestSupport
import XCTest

final class GGUFReaderTests: XCTestCase {
    var dir: URL!

    override func setUpWithError() throws {
        dir = FileManager.default.temporaryDirectory.appendingPathComponent("gguf-tests-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws { try? FileManager.default.removeItem(at: dir) }

    func write(_ bytes: [UInt8], _ name: String = "m.gguf") throws -> String {
        let url = dir.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    /// Asserts that opening `bytes` throws a GGUFError naming the file with the expected problem.
    func assertProblem(_ bytes: [UInt8], _ expected: (GGUFError.Problem) -> Bool, file: StaticString = #filePath, line: UInt = #line) throws {
        let path = try write(bytes)
        XCTAssertThrowsError(try GGUFFile(path: path), file: file, line: line) { error in
            guard let e = error as? GGUFError else { return XCTFail("not a GGUFError: \(error)", file: file, line: line) }
            XCTAssertEqual(e.path, path, file: file, line: line)
            XCTAssertTrue(e.description.hasPrefix(path + ": "), e.description, file: file, line: line)
            XCTAssertTrue(expected(e.problem), "unexpected problem \(e.problem)", file: file, line: line)
        }
    }

    func testReadsEveryValueTypeAndTensors() throws {
        for version: UInt32 in [2, 3] {
            let f = try GGUFFile(path: write(GGUFWriter.valid(version: version)))
            XCTAssertEqual(f.version, version)
            XCTAssertEqual(f.string("general.architecture"), "llama")
            XCTAssertEqual(f.metadata["u8"], .uint8(200))
            XCTAssertEqual(f.metadata["i8"], .int8(-1))
            XCTAssertEqual(f.metadata["u16"], .uint16(0x1234))
            XCTAssertEqual(f.metadata["i16"], .int16(-2))
            XCTAssertEqual(f.int("u32"), 123_456)
            XCTAssertEqual(f.int("i32"), -7)
            XCTAssertEqual(f.metadata["f32"], .float32(1.5))
            XCTAssertEqual(f.metadata["bool"], .bool(true))
            XCTAssertEqual(f.int("u64"), 1 << 40)
            XCTAssertEqual(f.int("i64"), -9)
            XCTAssertEqual(f.double("f64"), 2.25)
            XCTAssertEqual(f.metadata["strings"], .array([.string("a"), .string("ü")]))
            XCTAssertEqual(f.metadata["nested"], .array([.array([.uint32(1), .uint32(2)]), .array([.uint32(3)])]))
            XCTAssertEqual(f.metadataKeys.first, "general.architecture")
            XCTAssertEqual(f.tensors.map(\.name), ["a", "b"])
            let a = try XCTUnwrap(f.tensor(named: "a"))
            XCTAssertEqual(a.dims, [4, 2])
            XCTAssertEqual(a.rowCount, 2)
            XCTAssertEqual(a.byteCount, 32)
            XCTAssertEqual(a.fileOffset % 32, 0)
            let b = try XCTUnwrap(f.tensor(named: "b"))
            XCTAssertEqual(b.type, .q8_0)
            XCTAssertEqual(b.byteCount, 34)
            XCTAssertEqual(b.fileOffset, a.fileOffset + 32)
            XCTAssertEqual(f.data(of: b).load(fromByteOffset: 0, as: UInt8.self), 32) // data bytes count up from 0
        }
    }

    func testMissingFile() throws {
        XCTAssertThrowsError(try GGUFFile(path: dir.appendingPathComponent("nope.gguf").path)) { error in
            XCTAssertEqual((error as? GGUFError)?.problem, .cannotOpen(errno: ENOENT))
        }
    }

    func testTruncationAtManyOffsets() throws {
        let full = GGUFWriter.valid()
        let header = GGUFWriter.validHeaderLength
        // Every cut inside the header is a truncated header (or bad magic when the magic itself is cut).
        for cut in [1, 3, 4, 7, 8, 15, 23, 24, 30, 60, 100, header / 2, header - 1] {
            try assertProblem(Array(full.prefix(cut))) {
                if case .truncated = $0 { return true }
                if case .badMagic = $0 { return cut < 4 }
                return false
            }
        }
        // Every cut after it leaves a tensor's data past the end of the file.
        for cut in [header, full.count - 66 + 1, full.count - 34, full.count - 1] {
            try assertProblem(Array(full.prefix(cut))) { if case .dataPastEnd = $0 { return true }; return false }
        }
        try assertProblem([]) { if case .truncated = $0 { return true }; return false }
    }

    func testBadMagic() throws {
        var bytes = GGUFWriter.valid()
        bytes[0] = UInt8(ascii: "X")
        try assertProblem(bytes) { if case .badMagic = $0 { return true }; return false }
    }

    func testUnsupportedVersions() throws {
        for v: UInt32 in [1, 4, 0xFFFF_FFFF] {
            try assertProblem(GGUFWriter.valid(version: v)) { $0 == .unsupportedVersion(v) }
        }
    }

    func testOffsetPastEndOfFile() throws {
        let bytes = GGUFWriter.file(kvCount: 0, kv: { _ in },
                                    tensors: [.init(name: "t", dims: [8], type: 0, offset: 1 << 20)], dataSize: 32)
        try assertProblem(bytes) { if case .dataPastEnd(tensor: "t", _, _) = $0 { return true }; return false }
    }

    func testHugeOffsetDoesNotOverflow() throws {
        let bytes = GGUFWriter.file(kvCount: 0, kv: { _ in },
                                    tensors: [.init(name: "t", dims: [8], type: 0, offset: UInt64.max - 31)], dataSize: 32)
        try assertProblem(bytes) { if case .dataPastEnd = $0 { return true }; return false }
    }

    func testTooManyDimensions() throws {
        let bytes = GGUFWriter.file(kvCount: 0, kv: { _ in },
                                    tensors: [.init(name: "t", dims: [1, 1, 1, 1, 2], type: 0, offset: 0)], dataSize: 8)
        try assertProblem(bytes) { $0 == .tooManyDimensions(tensor: "t", dims: 5) }
    }

    func testOverflowingShape() throws {
        let bytes = GGUFWriter.file(kvCount: 0, kv: { _ in },
                                    tensors: [.init(name: "t", dims: [1 << 40, 1 << 40], type: 0, offset: 0)], dataSize: 8)
        try assertProblem(bytes) { $0 == .badShape(tensor: "t") }
    }

    func testRowNotWholeBlocks() throws {
        let bytes = GGUFWriter.file(kvCount: 0, kv: { _ in },
                                    tensors: [.init(name: "t", dims: [33], type: 8, offset: 0)], dataSize: 64)
        try assertProblem(bytes) { $0 == .badShape(tensor: "t") }
    }

    func testUnknownTensorType() throws {
        let bytes = GGUFWriter.file(kvCount: 0, kv: { _ in },
                                    tensors: [.init(name: "t", dims: [8], type: 5, offset: 0)], dataSize: 32)
        try assertProblem(bytes) { $0 == .unknownTensorType(tensor: "t", type: 5) }
    }

    func testUnknownValueType() throws {
        let bytes = GGUFWriter.file(kvCount: 1, kv: { w in w.string("k"); w.u32(13); w.u32(0) }, tensors: [], dataSize: 0)
        try assertProblem(bytes) { $0 == .unknownValueType(13, key: "k") }
    }

    func testDuplicateNames() throws {
        let dupKey = GGUFWriter.file(kvCount: 2, kv: { w in
            w.string("k"); w.u32(4); w.u32(1)
            w.string("k"); w.u32(4); w.u32(2)
        }, tensors: [], dataSize: 0)
        try assertProblem(dupKey) { $0 == .duplicateKey("k") }
        let dupTensor = GGUFWriter.file(kvCount: 0, kv: { _ in }, tensors: [
            .init(name: "t", dims: [8], type: 0, offset: 0), .init(name: "t", dims: [8], type: 0, offset: 32),
        ], dataSize: 64)
        try assertProblem(dupTensor) { $0 == .duplicateTensor("t") }
    }

    func testAbsurdCountsAndLengths() throws {
        let manyKeys = GGUFWriter.file(kvCount: UInt64.max, kv: { _ in }, tensors: [], dataSize: 0)
        try assertProblem(manyKeys) { if case .truncated = $0 { return true }; return false }
        let longString = GGUFWriter.file(kvCount: 1, kv: { w in w.u64(UInt64.max) }, tensors: [], dataSize: 0)
        try assertProblem(longString) { if case .truncated = $0 { return true }; return false }
        let hugeArray = GGUFWriter.file(kvCount: 1, kv: { w in w.string("a"); w.u32(9); w.u32(4); w.u64(1 << 60) }, tensors: [], dataSize: 0)
        try assertProblem(hugeArray) { if case .truncated = $0 { return true }; return false }
    }

    func testBadAlignmentAndMisalignedOffset() throws {
        let badAlign = GGUFWriter.file(kvCount: 1, kv: { w in w.string("general.alignment"); w.u32(4); w.u32(24) }, tensors: [], dataSize: 0)
        try assertProblem(badAlign) { $0 == .badAlignment(24) }
        let misaligned = GGUFWriter.file(kvCount: 0, kv: { _ in }, tensors: [.init(name: "t", dims: [2], type: 0, offset: 4)], dataSize: 64)
        try assertProblem(misaligned) { $0 == .misalignedTensor(tensor: "t", offset: 4) }
    }

    func testInvalidUTF8Key() throws {
        let bytes = GGUFWriter.file(kvCount: 1, kv: { w in w.u64(2); w.u8(0xC3); w.u8(0x28); w.u32(4); w.u32(1) }, tensors: [], dataSize: 0)
        try assertProblem(bytes) { if case .badString = $0 { return true }; return false }
    }

    /// A whole model from GGUFWriter.model (TinyModel's file): directory, typed metadata and aligned data.
    func testTinyModelDirectory() throws {
        let f = try GGUFFile(path: TinyModel.path)
        XCTAssertEqual(f.version, 3)
        XCTAssertEqual(f.tensors.count, 3 + 2 * 9, "embedding, output norm and output; nine per layer")
        XCTAssertEqual(f.string("general.architecture"), "llama")
        XCTAssertEqual(f.string("tokenizer.ggml.pre"), "smollm")
        XCTAssertEqual(f.metadata["tokenizer.ggml.tokens"]?.array?.count, 304)
        XCTAssertEqual(f.metadata["tokenizer.ggml.token_type"]?.array?.last, .int32(3))
        XCTAssertEqual(f.metadata["llama.rope.freq_base"], .float32(10000))
        XCTAssertEqual(f.metadata["tokenizer.ggml.add_bos_token"], .bool(false))
        XCTAssertEqual(f.tensor(named: "token_embd.weight")?.type, .q8_0)
        XCTAssertEqual(f.tensor(named: "token_embd.weight")?.dims, [64, 304])
        XCTAssertEqual(f.tensor(named: "blk.1.ffn_down.weight")?.type, .q6_K)
        XCTAssertEqual(f.tensor(named: "blk.1.ffn_down.weight")?.dims, [256, 64])
        XCTAssertEqual(f.tensor(named: "output_norm.weight")?.type, .f32)
    }
}
