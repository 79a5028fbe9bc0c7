import Foundation
import GGUF
import Inference
import TestSupport
import XCTest

/// Checks the forward pass against logits of an independent float32 numpy reference over the same GGUF files.
final class ForwardGoldenTests: XCTestCase {
    struct Fixture: Decodable {
        struct Top: Decodable { let id: Int32; let logprob: Double }
        struct Position: Decodable { let pos: Int; let top5: [Top] }
        struct Greedy: Decodable { let tokens: [Int32]; let top5_per_step: [[Top]] }
        struct Reference: Decodable { let last_positions: [Position]; let greedy: Greedy }
        struct Prompt: Decodable { let name: String; let tokens: [Int32]; let reference: Reference }
        let prompts: [Prompt]
    }

    static let tolerance = 1e-3

    func fixture(_ name: String) throws -> Fixture {
        let url = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures/forward/\(name)", withExtension: "json"))
        return try JSONDecoder().decode(Fixture.self, from: Data(contentsOf: url))
    }

    /// Compares our log-softmax at the reference's top-5 ids, and our top-1, with the reference.
    func check(_ logits: UnsafeMutableBufferPointer<Float>, _ top5: [Fixture.Top], _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        var worst = 0.0
        for t in top5 {
            let ours = Double(LogProbs.compute(UnsafeBufferPointer(logits), token: t.id, top: 0).logprob)
            worst = max(worst, abs(ours - t.logprob))
        }
        XCTAssertLessThanOrEqual(worst, Self.tolerance, "\(what): top-5 logprob differs by \(worst)", file: file, line: line)
        XCTAssertEqual(Sampler.argmax(logits), top5[0].id, "\(what): argmax", file: file, line: line)
    }

    /// Prefill the prompt up to the first checked position in one chunk, then decode token by token, then 32 greedy steps.
    func runGolden(model: String, fixtureName: String, chunked: Bool) throws {
        let (_, weights) = try TestModels.load(model)
        let fx = try fixture(fixtureName)
        let kv = try KVStorage(config: weights.config, blockCount: 16, blockSize: 16)
        let runner = SequenceRunner(transformer: Transformer(weights: weights, kv: kv, maxBatchTokens: 128, maxSequences: 4))
        for prompt in fx.prompts {
            runner.reset()
            let positions = prompt.reference.last_positions
            let first = positions[0].pos
            // Logits after the token at `first`: one chunk (the tiled kernel path when > 4 rows) or one token at a time.
            var logits = try chunked ? runner.feed(Array(prompt.tokens[0...first]))
                                     : XCTUnwrap(prompt.tokens[0...first].map { try runner.feed([$0]) }.last)
            check(logits, positions[0].top5, "\(prompt.name) pos \(first)")
            for p in positions.dropFirst() {
                logits = try runner.feed([prompt.tokens[p.pos]])
                check(logits, p.top5, "\(prompt.name) pos \(p.pos)")
            }
            var generated: [Int32] = []
            for (step, top5) in prompt.reference.greedy.top5_per_step.enumerated() {
                check(logits, top5, "\(prompt.name) greedy step \(step)")
                let next = Sampler.argmax(logits)
                generated.append(next)
                logits = try runner.feed([next], generated: true)
            }
            XCTAssertEqual(generated, prompt.reference.greedy.tokens, "\(prompt.name): greedy continuation")
        }
    }

    func testSmolLM2Chunked() throws { try runGolden(model: TestModels.smolLM2, fixtureName: "smollm2", chunked: true) }
    func testSmolLM2TokenByToken() throws { try runGolden(model: TestModels.smolLM2, fixtureName: "smollm2", chunked: false) }
    func testQwenChunked() throws { try runGolden(model: TestModels.qwen, fixtureName: "qwen2.5-coder-0.5b", chunked: true) }
    func testQwenTokenByToken() throws { try runGolden(model: TestModels.qwen, fixtureName: "qwen2.5-coder-0.5b", chunked: false) }
}
