import Inference
import TestSupport
import XCTest

/// Batch invariance at the real models' shapes and types (SmolLM2: Q4_1/Q8_0, dim 576, 9 heads over 3; Qwen2.5:
/// Q4_K/Q6_K/Q5_0/Q8_0 with q/k/v biases, neox RoPE): the standing invariant, checked on each model. Every check
/// also runs on TinyModel in InferenceTests/BatchInvarianceTests.
final class RealModelBatchInvarianceTests: XCTestCase {
    func testSmolLM2ChunkingBatchingAndDecodeRows() throws {
        let checks = BatchInvariance(weights: try TestModels.load(TestModels.smolLM2).1)
        try checks.checkChunking()
        try checks.checkBatching()
        try checks.checkGeneratedRows()
    }

    func testSmolLM2InstructionSetsAndHalfPrecisionKV() throws {
        let checks = BatchInvariance(weights: try TestModels.load(TestModels.smolLM2).1)
        try checks.checkEveryInstructionSetAndThreadCount()
        try checks.checkHalfPrecisionKVStaysCloseToF32()
    }

    func testQwenChunkingBatchingAndDecodeRows() throws {
        let checks = BatchInvariance(weights: try TestModels.load(TestModels.qwen).1)
        try checks.checkChunking()
        try checks.checkBatching()
        try checks.checkGeneratedRows()
    }
}
