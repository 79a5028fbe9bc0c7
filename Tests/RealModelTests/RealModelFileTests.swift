import Foundation
import GGUF
import XCTest

/// The GGUF reader on a real model file: SmolLM2's directory and metadata.
final class RealModelFileTests: XCTestCase {
    func testSmolLM2Directory() throws {
        let path = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("models/SmolLM2-135M-Instruct.Q4_1.gguf").path
        guard FileManager.default.fileExists(atPath: path) else { return XCTFail("missing \(path): run scripts/fetch-models") }
        let f = try GGUFFile(path: path)
        XCTAssertEqual(f.version, 3)
        XCTAssertEqual(f.tensors.count, 272)
        XCTAssertEqual(f.string("tokenizer.ggml.pre"), "smollm")
        XCTAssertEqual(f.metadata["tokenizer.ggml.tokens"]?.array?.count, 49152)
        XCTAssertEqual(f.tensors.filter { $0.type == .q4_1 }.count, 210)
        XCTAssertEqual(f.tensor(named: "token_embd.weight")?.type, .q8_0)
        XCTAssertEqual(f.tensor(named: "token_embd.weight")?.dims, [576, 49152])
    }
}
