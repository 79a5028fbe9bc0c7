import Foundation
import Inference
import XCTest

/// Batch-invariance checks for one model, shared by InferenceTests (on TinyModel, every check) and the real-model
/// tier (the same checks at the real models' shapes): a sequence's logits must not depend on how its tokens were
/// chunked, which sequences shared the pass, the instruction set or the thread count.
public struct BatchInvariance {
    public let weights: ModelWeights
    /// Three prompts of 40, 7 and 23 tokens; on the real models the ids the tests have always used.
    public let prompts: [[Int32]]
    /// Decode tokens, one per prompt.
    public let next: [Int32]

    public init(weights: ModelWeights) {
        self.weights = weights
        let vocab = weights.config.vocabSize
        // 49000 for the real vocabularies (the original ids); just below the control tokens for TinyModel's.
        let span = min(49000, vocab - 110)
        prompts = [
            Array(1...40).map { Int32($0 * 37 % span + 100) },
            Array(1...7).map { Int32($0 * 101 % span + 50) },
            Array(1...23).map { Int32($0 * 911 % span + 7) },
        ]
        next = [500, 600, 700].map { Int32($0 % min(vocab, 49000)) }
    }

    /// The last logits of `prompt` fed alone, `chunk` tokens per pass.
    public func logitsAlone(_ prompt: [Int32], chunk: Int) throws -> [Float] {
        let t = try Transformer(weights: weights, kv: KVStorage(config: weights.config, blockCount: 8), maxBatchTokens: 64, maxSequences: 4)
        var position = 0
        let table = (0..<Int32(8)).map { $0 }
        while position < prompt.count {
            let end = min(position + chunk, prompt.count)
            var batch = ForwardBatch()
            batch.append(tokens: prompt[position..<end], startPosition: position, blockTable: table, wantsLogits: end == prompt.count)
            try t.forward(batch)
            position = end
        }
        return Array(t.logitsRow(0))
    }

    public func checkChunking(file: StaticString = #filePath, line: UInt = #line) throws {
        let whole = try logitsAlone(prompts[0], chunk: 64)
        for chunk in [1, 2, 3, 5, 16, 17] {
            let logits = try logitsAlone(prompts[0], chunk: chunk)
            XCTAssertEqual(zip(logits, whole).filter { $0 != $1 }.count, 0, "chunk size \(chunk): logits differ", file: file, line: line)
        }
    }

    public func checkBatching(file: StaticString = #filePath, line: UInt = #line) throws {
        let alone = try prompts.map { try logitsAlone($0, chunk: 64) }
        // All three prompts in one pass, each with its own blocks; then again with the first already half cached.
        let t = try Transformer(weights: weights, kv: KVStorage(config: weights.config, blockCount: 12), maxBatchTokens: 128, maxSequences: 4)
        var batch = ForwardBatch()
        for (i, p) in prompts.enumerated() {
            let table = (0..<Int32(4)).map { Int32(i) * 4 + $0 }
            batch.append(tokens: p, startPosition: 0, blockTable: table, wantsLogits: true)
        }
        XCTAssertEqual(try t.forward(batch), 3, file: file, line: line)
        for i in 0..<3 {
            XCTAssertTrue(Array(t.logitsRow(i)) == alone[i], "sequence \(i) in a batch of 3: logits differ", file: file, line: line)
        }

        var second = ForwardBatch()
        let half = prompts[0].count / 2
        second.append(tokens: prompts[0][..<half], startPosition: 0, blockTable: [8, 9, 10, 11], wantsLogits: false)
        try t.forward(second)
        var mixed = ForwardBatch()
        mixed.append(tokens: prompts[1], startPosition: 0, blockTable: [4, 5, 6, 7], wantsLogits: true)
        mixed.append(tokens: prompts[0][half...], startPosition: half, blockTable: [8, 9, 10, 11], wantsLogits: true)
        XCTAssertEqual(try t.forward(mixed), 2, file: file, line: line)
        XCTAssertTrue(Array(t.logitsRow(0)) == alone[1], "short prompt beside a cached one: logits differ", file: file, line: line)
        XCTAssertTrue(Array(t.logitsRow(1)) == alone[0], "second half of a prompt beside another: logits differ", file: file, line: line)
    }

    public func checkGeneratedRows(file: StaticString = #filePath, line: UInt = #line) throws {
        let t = try Transformer(weights: weights, kv: KVStorage(config: weights.config, blockCount: 16), maxBatchTokens: 128, maxSequences: 8)
        // Three sequences' prompts, then their decode tokens one at a time each, then all together beside a prefill chunk.
        var prefill = ForwardBatch()
        for (i, p) in prompts.enumerated() {
            prefill.append(tokens: p, startPosition: 0, blockTable: (0..<Int32(4)).map { Int32(i) * 4 + $0 }, wantsLogits: false)
        }
        try t.forward(prefill)
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
        XCTAssertEqual(try t.forward(together), 4, file: file, line: line)
        for i in 0..<3 {
            XCTAssertTrue(Array(t.logitsRow(i + 1)) == alone[i], "decode row \(i) changed beside others", file: file, line: line)
        }
    }

    /// f16 KV storage rounds (so something differs) but moves no logit by 0.05 nor any argmax, over a prompt and
    /// five decode steps.
    public func checkHalfPrecisionKVStaysCloseToF32(file: StaticString = #filePath, line: UInt = #line) throws {
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
            XCTAssertLessThan(worst, 0.05, "step \(i): f16 KV moved a logit by \(worst)", file: file, line: line)
            XCTAssertGreaterThan(worst, 0, "step \(i): f16 storage should round something", file: file, line: line)
            XCTAssertEqual(a.indices.max { a[$0] < a[$1] }, b.indices.max { b[$0] < b[$1] }, "step \(i): argmax", file: file, line: line)
        }
    }

    /// The same logits, bit for bit, from the scalar reference kernels, AVX2 and (where the CPU has it) AVX-512, with
    /// one thread or two: a model's numbers do not depend on the machine (both a prompt chunk and a decode row).
    public func checkEveryInstructionSetAndThreadCount(file: StaticString = #filePath, line: UInt = #line) throws {
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
                XCTAssertEqual(got[0].map(\.bitPattern), reference[0].map(\.bitPattern), "\(isa.name), \(threads) threads: prompt row", file: file, line: line)
                XCTAssertEqual(got[1].map(\.bitPattern), reference[1].map(\.bitPattern), "\(isa.name), \(threads) threads: decode row", file: file, line: line)
            }
        }
    }
}
