import Foundation
import GGUF
import Inference
import TestSupport
import XCTest

/// A sequence's logits must not depend on how its tokens were chunked or which sequences shared the pass, on
/// TinyModel, whose matrices cover every packed kernel family (the real models' shapes: RealModelTests).
final class BatchInvarianceTests: XCTestCase {
    func tiny() throws -> BatchInvariance { BatchInvariance(weights: try TinyModel.load().1) }

    func testChunkingDoesNotChangeLogits() throws { try tiny().checkChunking() }

    func testBatchingDoesNotChangeLogits() throws { try tiny().checkBatching() }

    func testGeneratedRowsDoNotDependOnTheBatch() throws { try tiny().checkGeneratedRows() }

    func testHalfPrecisionKVCacheStaysCloseToF32() throws { try tiny().checkHalfPrecisionKVStaysCloseToF32() }

    func testEveryInstructionSetAndThreadCountGivesTheSameLogits() throws { try tiny().checkEveryInstructionSetAndThreadCount() }

    /// Every check on a model of `spec`.
    func checkAll(_ spec: TinyModel.Spec, file: StaticString = #filePath, line: UInt = #line) throws {
        let checks = BatchInvariance(weights: try TinyModel.load(spec).1)
        try checks.checkChunking(file: file, line: line)
        try checks.checkBatching(file: file, line: line)
        try checks.checkGeneratedRows(file: file, line: line)
        try checks.checkHalfPrecisionKVStaysCloseToF32(file: file, line: line)
        try checks.checkEveryInstructionSetAndThreadCount(file: file, line: line)
    }

    /// Heads of 128 wider than the model, partial RoPE with frequency factors, Q2_K/Q3_K/Q5_K.
    func testWideHeadsModel() throws { try checkAll(TinyModel.wideHeads) }

    /// qwen2: neox RoPE, q/k/v biases, a tied output, 4 heads over 1 KV head.
    func testQwen2Model() throws { try checkAll(TinyModel.qwen2) }

    func testBadBatchesThrow() throws {
        let (_, weights) = try TinyModel.load()
        let vocab = Int32(weights.config.vocabSize)
        let t = try Transformer(weights: weights, kv: KVStorage(config: weights.config, blockCount: 2), maxBatchTokens: 8, maxSequences: 1)
        var tooMany = ForwardBatch()
        tooMany.append(tokens: Array(repeating: 5, count: 9), startPosition: 0, blockTable: [0], wantsLogits: true)
        XCTAssertThrowsError(try t.forward(tooMany)) { XCTAssertEqual($0 as? ForwardError, .batchTooLarge(tokens: 9, limit: 8)) }
        var badToken = ForwardBatch()
        badToken.append(tokens: [vocab], startPosition: 0, blockTable: [0], wantsLogits: true)
        XCTAssertThrowsError(try t.forward(badToken)) { XCTAssertEqual($0 as? ForwardError, .tokenOutOfRange(vocab, vocabSize: Int(vocab))) }
        var shortTable = ForwardBatch()
        shortTable.append(tokens: [5], startPosition: 16, blockTable: [0], wantsLogits: true)
        XCTAssertThrowsError(try t.forward(shortTable)) { XCTAssertEqual($0 as? ForwardError, .blockTableTooShort(needed: 2, have: 1)) }
        var badBlock = ForwardBatch()
        badBlock.append(tokens: [5], startPosition: 0, blockTable: [7], wantsLogits: true)
        XCTAssertThrowsError(try t.forward(badBlock)) { XCTAssertEqual($0 as? ForwardError, .badBlock(7)) }
    }
}
