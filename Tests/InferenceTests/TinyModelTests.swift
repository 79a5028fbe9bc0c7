import Foundation
import GGUF
import Inference
import TestSupport
import Tokenizers
import XCTest

/// TinyModel is what the fast tests rely on: the shapes and types it claims, a ChatML byte-level tokenizer whose
/// role names are single tokens, and greedy output that varies and never ends a turn by itself.
final class TinyModelTests: XCTestCase {
    func testShapesAndMatrixTypes() throws {
        let (file, weights) = try TinyModel.load()
        let c = weights.config
        XCTAssertEqual(c, ModelConfig(architecture: "llama", layers: 2, dim: 64, ffnDim: 256, heads: 4, kvHeads: 2, headDim: 16,
                                      ropeDim: 16, ropeBase: 10000, ropeStyle: .normal, rmsEps: 1e-5, contextLength: 8192,
                                      vocabSize: TinyVocabulary.tokens.count))
        XCTAssertEqual(c.vocabSize, 304)
        let types = weights.layers.map { l in [l.wqkv, l.wo, l.wGateUp, l.wDown].flatMap { $0.segments.map(\.type) } }
        XCTAssertEqual(types, [[.q4_0, .q4_1, .q5_0, .q5_1, .q8_0, .bf16, .q4_K], [.q8_0, .q5_1, .q4_1, .q4_0, .q5_0, .f32, .q6_K]])
        XCTAssertEqual(weights.embedding.segments.map(\.type), [.q8_0])
        XCTAssertEqual(weights.output.segments.map(\.type), [.f16])
        XCTAssertEqual(file.string("tokenizer.chat_template"), TinyVocabulary.chatTemplate)
    }

    func testOtherSpecsLoadWithWhatTheyClaim() throws {
        let (_, wide) = try TinyModel.load(TinyModel.wideHeads)
        XCTAssertEqual([wide.config.heads, wide.config.kvHeads, wide.config.headDim, wide.config.ropeDim, wide.config.qDim], [2, 1, 128, 64, 256])
        XCTAssertEqual(wide.ropeFreqFactors?.count, 32)
        XCTAssertEqual(wide.layers.map { $0.wo.segments[0].type }, [.q5_K, .q2_K])
        XCTAssertEqual(wide.layers.map { $0.wDown.segments[0].type }, [.q3_K, .q5_K])
        let (_, qwen) = try TinyModel.load(TinyModel.qwen2)
        XCTAssertEqual(qwen.config.architecture, "qwen2")
        XCTAssertEqual(qwen.config.ropeStyle, .neox)
        XCTAssertEqual(qwen.config.kvHeads, 1)
        XCTAssertTrue(qwen.layers.allSatisfy { $0.bqkv?.count == 64 + 2 * 16 })
        XCTAssertTrue(qwen.output === qwen.embedding, "tied output")
    }

    func testFileIsWrittenOnceAndTheSameEachTime() throws {
        let paths = Mutex<Set<String>>([])
        DispatchQueue.concurrentPerform(iterations: 8) { _ in
            if let p = try? TinyModel.path { _ = paths.withLock { $0.insert(p) } }
        }
        XCTAssertEqual(paths.withLock { $0 }.count, 1)
        let onDisk = try Data(contentsOf: URL(fileURLWithPath: try TinyModel.path))
        XCTAssertEqual(Array(onDisk), try TinyModel.fileBytes(), "the seed fixes every byte")
    }

    func testTokenizerIsByteLevelChatML() throws {
        let (file, _) = try TinyModel.load()
        let tok = try Tokenizer(gguf: file)
        for role in ["user", "assistant", "system"] { XCTAssertEqual(tok.encode(role).count, 1, role) }
        XCTAssertEqual(tok.encode(" the"), [258])
        let imStart = TinyVocabulary.imStartID, imEnd = TinyVocabulary.imEndID
        XCTAssertEqual(tok.encode("<|im_start|>user\nHi<|im_end|>").first, imStart)
        XCTAssertEqual(tok.encode("<|im_start|>user\nHi<|im_end|>").last, imEnd)
        XCTAssertTrue(tok.isControl(imStart) && tok.isControl(imEnd))
        XCTAssertEqual(tok.eosID, imEnd)
        XCTAssertTrue(tok.isEndOfGeneration(imEnd) && tok.isEndOfGeneration(TinyVocabulary.endOfTextID))
        XCTAssertFalse(tok.isEndOfGeneration(imStart))
        // Any text round-trips through the 256 byte tokens.
        let text = "Grüße, 世界! 🙂\ttabs\n"
        XCTAssertEqual(tok.decode(tok.encode(text)), text)
    }

    /// Greedy continuation of `text`, 128 tokens.
    func greedy(_ text: String) throws -> [Int32] {
        let (file, weights) = try TinyModel.load()
        let tok = try Tokenizer(gguf: file)
        let runner = SequenceRunner(transformer: try Transformer(weights: weights, kv: KVStorage(config: weights.config, blockCount: 16),
                                                                 maxBatchTokens: 64, maxSequences: 1, threads: 1))
        var logits = try runner.feed(tok.encode(text))
        var out: [Int32] = []
        for _ in 0..<128 {
            let sorted = Array(logits).sorted()
            XCTAssertGreaterThan(sorted[sorted.count - 1] - sorted[sorted.count / 2], 4, "logits spread")
            let t = Sampler.argmax(logits)
            out.append(t)
            logits = try runner.feed([t], generated: true)
        }
        return out
    }

    func testGreedyOutputVariesAndNeverEndsATurn() throws {
        let prompts = ["The capital of France is", "1, 2, 3, 4, 5,", "<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n"]
        let continuations = try prompts.map(greedy)
        for (text, out) in zip(prompts, continuations) {
            XCTAssertGreaterThan(Set(out).count, 40, "\(text.debugDescription): varied tokens \(out)")
            XCTAssertFalse(out.contains { TinyVocabulary.tokenClass(Int($0)) == .special }, "\(text.debugDescription): a control token by itself")
            // Text follows text: what the stop-string tests pick their stop strings from.
            let printable = out.filter { TinyVocabulary.tokenClass(Int($0)) == .text }.count
            XCTAssertGreaterThan(printable, 128 * 6 / 10, "\(text.debugDescription): mostly printable text \(out)")
        }
        XCTAssertEqual(Set(continuations).count, continuations.count, "each prompt its own continuation")
    }

    func testPiecesOfCharactersFollowPiecesOfCharacters() throws {
        // What HardeningTests' logprobs test needs: after emoji, pieces of characters (high bytes) come next.
        let out = try greedy("🙂🙃😉😊😇🥰😍🤩😘")
        XCTAssertEqual(out.prefix(2).map { TinyVocabulary.tokenClass(Int($0)) }, [.highByte, .highByte], "\(out)")
        XCTAssertGreaterThan(Set(out).count, 20, "varied tokens \(out)")
    }
}
