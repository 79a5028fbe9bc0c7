import Foundation
import GGUF
import Inference
import TestSupport
import XCTest

/// A sequence's logits must not depend on how its tokens were chunked or which sequences shared the pass.
final class BatchInvarianceTests: XCTestCase {
    let prompts: [[Int32]] = [
        Array(1...40).map { Int32($0 * 37 % 49000 + 100) },
        Array(1...7).map { Int32($0 * 101 % 49000 + 50) },
        Array(1...23).map { Int32($0 * 911 % 49000 + 7) },
    ]

    func logitsAlone(_ weights: ModelWeights, _ prompt: [Int32], chunk: Int) throws -> [Float] {
        let t = try Transformer(weights: weights, kv: KVStorage(config: weights.config, blockCount: 8), maxBatchTokens: 64, maxSequences: 4)
        var position = 0
        var last: [Float] = []
        let table = (0..<Int32(8)).map { $0 }
        while position < prompt.count {
            let end = min(position + chunk, prompt.count)
            var batch = ForwardBatch()
            batch.append(tokens: prompt[position..<end], startPosition: position, blockTable: table, wantsLogits: end == prompt.count)
            try t.forward(batch)
            position = end
        }
        last = Array(t.logitsRow(0))
        return last
    }

    func testChunkingDoesNotChangeLogits() throws {
        let (_, weights) = try TestModels.load(TestModels.smolLM2)
        let whole = try logitsAlone(weights, prompts[0], chunk: 64)
        for chunk in [1, 2, 3, 5, 16, 17] {
            let logits = try logitsAlone(weights, prompts[0], chunk: chunk)
            XCTAssertEqual(zip(logits, whole).filter { $0 != $1 }.count, 0, "chunk size \(chunk): logits differ")
        }
    }

    func testBatchingDoesNotChangeLogits() throws {
        let (_, weights) = try TestModels.load(TestModels.smolLM2)
        let alone = try prompts.map { try logitsAlone(weights, $0, chunk: 64) }
        // All three prompts in one pass, each with its own blocks; then again with the first already half cached.
        let t = try Transformer(weights: weights, kv: KVStorage(config: weights.config, blockCount: 12), maxBatchTokens: 128, maxSequences: 4)
        var batch = ForwardBatch()
        for (i, p) in prompts.enumerated() {
            let table = (0..<Int32(4)).map { Int32(i) * 4 + $0 }
            batch.append(tokens: p, startPosition: 0, blockTable: table, wantsLogits: true)
        }
        XCTAssertEqual(try t.forward(batch), 3)
        for i in 0..<3 { XCTAssertTrue(Array(t.logitsRow(i)) == alone[i], "sequence \(i) in a batch of 3: logits differ") }

        var second = ForwardBatch()
        let half = prompts[0].count / 2
        second.append(tokens: prompts[0][..<half], startPosition: 0, blockTable: [8, 9, 10, 11], wantsLogits: false)
        try t.forward(second)
        var mixed = ForwardBatch()
        mixed.append(tokens: prompts[1], startPosition: 0, blockTable: [4, 5, 6, 7], wantsLogits: true)
        mixed.append(tokens: prompts[0][half...], startPosition: half, blockTable: [8, 9, 10, 11], wantsLogits: true)
        XCTAssertEqual(try t.forward(mixed), 2)
        XCTAssertTrue(Array(t.logitsRow(0)) == alone[1], "short prompt beside a cached one: logits differ")
        XCTAssertTrue(Array(t.logitsRow(1)) == alone[0], "second half of a prompt beside another: logits differ")
    }

    func testGeneratedRowsDoNotDependOnTheBatch() throws {
        let (_, weights) = try TestModels.load(TestModels.smolLM2)
        let t = try Transformer(weights: weights, kv: KVStorage(config: weights.config, blockCount: 16), maxBatchTokens: 128, maxSequences: 8)
        // Three sequences' prompts, then their decode tokens one at a time each, then all together beside a prefill chunk.
        var prefill = ForwardBatch()
        for (i, p) in prompts.enumerated() {
            prefill.append(tokens: p, startPosition: 0, blockTable: (0..<Int32(4)).map { Int32(i) * 4 + $0 }, wantsLogits: false)
        }
        try t.forward(prefill)
        let next: [Int32] = [500, 600, 700]
        var alone: [[Float]] = []
        for (i, p) in prompts.enumerated() {
            var b = ForwardBatch()
            b.append(tokens: [next[i]], startPosition: p.count, blockTable: (0..<Int32(4)).map { Int32(i) * 4 + $0 }, wantsLogits: true, generated: true)
            try t.forward(b)
            alone.append(Array(t.logitsRow(0)))
        }
        var together = ForwardBatch()
        together.append(tokens: prompts[2], startPosition: 0, blockTable: [12, 13, 14, 15], wantsLogits: true)
        for (i, p) in prompts.enumerated() {
            together.append(tokens: [next[i]], startPosition: p.count, blockTable: (0..<Int32(4)).map { Int32(i) * 4 + $0 }, wantsLogits: true, generated: true)
        }
        XCTAssertEqual(try t.forward(together), 4)
        for i in 0..<3 { XCTAssertTrue(Array(t.logitsRow(i + 1)) == alone[i], "decode row \(i) changed beside others") }
    }

    func testHalfPrecisionKVCacheStaysCloseToF32() throws {
        let (_, weights) = try TestModels.load(TestModels.smolLM2)
        func run(_ precision: KVStorage.Precision) throws -> [[Float]] {
            let t = try Transformer(weights: weights, kv: KVStorage(config: weights.config, blockCount: 8, precision: precision), maxBatchTokens: 64, maxSequences: 1)
            let runner = SequenceRunner(transformer: t)
            var rows = [Array(try runner.feed(prompts[0]))]
            for token in prompts[2].prefix(5) { rows.append(Array(try runner.feed([token], generated: true))) }
            return rows
        }
        let full = try run(.f32), half = try run(.f16)
        for (i, (a, b)) in zip(full, half).enumerated() {
            let worst = zip(a, b).map { abs($0 - $1) }.max() ?? 0
            XCTAssertLessThan(worst, 0.05, "step \(i): f16 KV moved a logit by \(worst)")
            XCTAssertGreaterThan(worst, 0, "step \(i): f16 storage should round something")
            XCTAssertEqual(a.indices.max { a[$0] < a[$1] }, b.indices.max { b[$0] < b[$1] }, "step \(i): argmax")
        }
    }

    func testBadBatchesThrow() throws {
        let (_, weights) = try TestModels.load(TestModels.smolLM2)
        let t = try Transformer(weights: weights, kv: KVStorage(config: weights.config, blockCount: 2), maxBatchTokens: 8, maxSequences: 1)
        var tooMany = ForwardBatch()
        tooMany.append(tokens: Array(repeating: 5, count: 9), startPosition: 0, blockTable: [0], wantsLogits: true)
        XCTAssertThrowsError(try t.forward(tooMany)) { XCTAssertEqual($0 as? ForwardError, .batchTooLarge(tokens: 9, limit: 8)) }
        var badToken = ForwardBatch()
        badToken.append(tokens: [49152], startPosition: 0, blockTable: [0], wantsLogits: true)
        XCTAssertThrowsError(try t.forward(badToken)) { XCTAssertEqual($0 as? ForwardError, .tokenOutOfRange(49152, vocabSize: 49152)) }
        var shortTable = ForwardBatch()
        shortTable.append(tokens: [5], startPosition: 16, blockTable: [0], wantsLogits: true)
        XCTAssertThrowsError(try t.forward(shortTable)) { XCTAssertEqual($0 as? ForwardError, .blockTableTooShort(needed: 2, have: 1)) }
        var badBlock = ForwardBatch()
        badBlock.append(tokens: [5], startPosition: 0, blockTable: [7], wantsLogits: true)
        XCTAssertThrowsError(try t.forward(badBlock)) { XCTAssertEqual($0 as? ForwardError, .badBlock(7)) }
    }

    /// The same logits, bit for bit, from the scalar reference kernels, AVX2 and (where the CPU has it) AVX-512, with
    /// one thread or two: a model's numbers do not depend on the machine (both a prompt chunk and a decode row).
    func testEveryInstructionSetAndThreadCountGivesTheSameLogits() throws {
        let (_, weights) = try TestModels.load(TestModels.smolLM2)
        let prompt = prompts[2]
        func logits(_ isa: KernelISA, threads: Int) throws -> [[Float]] {
            let t = try Transformer(weights: weights, kv: KVStorage(config: weights.config, blockCount: 4), maxBatchTokens: 32,
                                    maxSequences: 1, threads: threads, isa: isa)
            var chunk = ForwardBatch()
            chunk.append(tokens: prompt, startPosition: 0, blockTable: [0, 1, 2, 3], wantsLogits: true)
            try t.forward(chunk)
            let first = Array(t.logitsRow(0))
            var step = ForwardBatch()
            step.append(tokens: [42], startPosition: prompt.count, blockTable: [0, 1, 2, 3], wantsLogits: true, generated: true)
            try t.forward(step)
            return [first, Array(t.logitsRow(0))]
        }
        let reference = try logits(.scalar, threads: 1)
        for isa in KernelISA.allCases where isa.rawValue <= KernelISA.best.rawValue {
            for threads in [1, 2] {
                let got = try logits(isa, threads: threads)
                XCTAssertEqual(got[0].map(\.bitPattern), reference[0].map(\.bitPattern), "\(isa.name), \(threads) threads: prompt row")
                XCTAssertEqual(got[1].map(\.bitPattern), reference[1].map(\.bitPattern), "\(isa.name), \(threads) threads: decode row")
            }
        }
    }
}
