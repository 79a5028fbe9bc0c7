import Foundation
import GGUF
import Generation
import Inference
import Tokenizers
import TestSupport
import XCTest

/// The engine on TinyModel: batched requests match solo runs, cancellation frees every block. (TinyModel's greedy
/// output is deterministic and varies with the context, which is all these assertions need of a model.)
final class EngineTests: XCTestCase {
    static let prompts = [
        "The capital of France is",
        "def fibonacci(n):\n    \"\"\"Return the n-th Fibonacci number.\"\"\"\n",
        "Once upon a time, in a small village by the sea, there lived an old fisherman who",
        "1, 2, 3, 4, 5,",
        "Write a haiku about autumn leaves.",
        "<|im_start|>user\nWhat is 12 times 7?<|im_end|>\n<|im_start|>assistant\n",
    ]

    func makeEngine(blockCount: Int = 256, maxWaiting: Int = 256, maxBatchTokens: Int = 128) throws -> (Engine, Tokenizer) {
        let (file, weights) = try TinyModel.load()
        let tokenizer = try Tokenizer(gguf: file)
        var config = EngineConfiguration(blockCount: blockCount)
        // One thread: TinyModel's products are too small to split, and a spinning second worker costs milliseconds a
        // step on a machine busy with other builds (two threads: BatchInvarianceTests, BatchingTests).
        config.threads = 1
        config.maxBatchTokens = maxBatchTokens
        config.maxWaiting = maxWaiting
        let engine = try Engine(weights: weights, tokenizer: tokenizer, configuration: config)
        engine.start()
        return (engine, tokenizer)
    }

    func text(_ events: [GenerationEvent]) -> (String, [Int32], GenerationSummary?) {
        var text = "", tokens: [Int32] = [], summary: GenerationSummary?
        for e in events {
            switch e {
            case .tokens(let t, _, let ids, _): text += t; tokens += ids
            case .finished(let s): summary = s
            case .rejected(let r): XCTFail("rejected: \(r)")
            case .toolCalls(let calls): XCTFail("tool calls: \(calls)")
            }
        }
        return (text, tokens, summary)
    }

    func waitIdle(_ engine: Engine) {
        for _ in 0..<200 where !engine.stats.idleAndClean { usleep(10_000) }
    }

    func testConcurrentRequestsMatchSoloRuns() throws {
        let (engine, tokenizer) = try makeEngine()
        defer { engine.stop() }
        let requests = Self.prompts.map { GenerationRequest(promptTokens: tokenizer.encode($0), maxTokens: 24, ignoreEOS: true) }
        let solo = requests.map { text(engine.submit($0).collect()) }
        for (s, r) in zip(solo, requests) {
            XCTAssertEqual(s.2?.completionTokens, 24)
            XCTAssertEqual(s.2?.reason, .length)
            XCTAssertEqual(s.2?.promptTokens, r.promptTokens.count)
            XCTAssertEqual(s.1.count, 24)
        }
        // All at once, twice over, so prefill chunks and decodes share passes in many combinations.
        let handles = (requests + requests).map { engine.submit($0) }
        for (i, h) in handles.enumerated() {
            let got = text(h.collect())
            XCTAssertEqual(got.1, solo[i % requests.count].1, "request \(i % requests.count) differs when batched")
            XCTAssertEqual(got.0, solo[i % requests.count].0)
        }
        waitIdle(engine)
        XCTAssertTrue(engine.stats.idleAndClean)
        XCTAssertGreaterThan(engine.stats.prefixCacheHits, 0, "identical prompts should hit the prefix cache")
    }

    func testGreedyMatchesSequenceRunner() throws {
        let (engine, tokenizer) = try makeEngine()
        defer { engine.stop() }
        let (_, weights) = try TinyModel.load()
        let prompt = tokenizer.encode(Self.prompts[2])
        let runner = SequenceRunner(transformer: try Transformer(weights: weights, kv: KVStorage(config: weights.config, blockCount: 8), maxBatchTokens: 64, maxSequences: 1))
        var logits = try runner.feed(prompt)
        var expected: [Int32] = []
        for _ in 0..<16 {
            let t = Sampler.argmax(logits)
            expected.append(t)
            logits = try runner.feed([t], generated: true)
        }
        let got = text(engine.submit(GenerationRequest(promptTokens: prompt, maxTokens: 16, ignoreEOS: true)).collect())
        XCTAssertEqual(got.1, expected)
    }

    func testStopStringIsCutAndFinishesWithStop() throws {
        let (engine, tokenizer) = try makeEngine()
        defer { engine.stop() }
        let prompt = tokenizer.encode(Self.prompts[3])
        let (full, tokens, _) = text(engine.submit(GenerationRequest(promptTokens: prompt, maxTokens: 20, ignoreEOS: true)).collect())
        // Stop at two adjacent tokens of the continuation after its first, both printable ASCII (a stop string that
        // spans tokens): what comes back is everything before its first occurrence.
        let pieces = tokens.map { tokenizer.decode([$0]) }
        let printable = { (p: String) in !p.isEmpty && p.utf8.allSatisfy { (0x20...0x7E).contains($0) } }
        let k = try XCTUnwrap((1..<max(1, pieces.count - 1)).first { printable(pieces[$0]) && printable(pieces[$0 + 1]) }, "\(pieces)")
        let stop = pieces[k] + pieces[k + 1]
        let expected = String(full[..<(try XCTUnwrap(full.range(of: stop))).lowerBound])
        let got = text(engine.submit(GenerationRequest(promptTokens: prompt, maxTokens: 20, stopStrings: [stop], ignoreEOS: true)).collect())
        XCTAssertEqual(got.0, expected)
        XCTAssertEqual(got.2?.reason, .stop)
    }

    func testSeededSamplingIsReproducibleUnderLoad() throws {
        let (engine, tokenizer) = try makeEngine()
        defer { engine.stop() }
        let sampling = SamplingParameters(temperature: 0.9, topK: 40, topP: 0.95, seed: 1234)
        let request = GenerationRequest(promptTokens: tokenizer.encode(Self.prompts[4]), maxTokens: 20, sampling: sampling, ignoreEOS: true)
        let alone = text(engine.submit(request).collect()).1
        let noise = Self.prompts.map { engine.submit(GenerationRequest(promptTokens: tokenizer.encode($0), maxTokens: 20,
                                                                          sampling: SamplingParameters(temperature: 1), ignoreEOS: true)) }
        let loaded = text(engine.submit(request).collect()).1
        noise.forEach { _ = $0.collect() }
        XCTAssertEqual(alone, loaded)
    }

    func testCancellationFreesBlocks() throws {
        let (engine, tokenizer) = try makeEngine()
        defer { engine.stop() }
        // Long enough that none finishes before the cancel, even on TinyModel.
        let handles = Self.prompts.map { engine.submit(GenerationRequest(promptTokens: tokenizer.encode($0), maxTokens: 2000, ignoreEOS: true)) }
        _ = handles[0].next(timeout: 30)
        handles.forEach { $0.cancel() }
        for h in handles {
            let events = h.collect()
            guard case .finished(let s) = events.last else { return XCTFail("no summary") }
            XCTAssertEqual(s.reason, .cancelled)
        }
        waitIdle(engine)
        XCTAssertTrue(engine.stats.idleAndClean)
        XCTAssertEqual(engine.stats.running, 0)
        XCTAssertEqual(engine.stats.usedBlocks, 0)
    }

    func testPreemptedRequestsResumeWithIdenticalOutput() throws {
        let (big, tokenizer) = try makeEngine()
        let requests = Self.prompts.prefix(4).map { GenerationRequest(promptTokens: tokenizer.encode($0), maxTokens: 48, ignoreEOS: true) }
        let solo = requests.map { text(big.submit($0).collect()).1 }
        big.stop()
        // 9 blocks of 16 tokens cannot hold four requests of up to ~105 tokens each: the newest get preempted.
        let (small, _) = try makeEngine(blockCount: 9)
        defer { small.stop() }
        let handles = requests.map { small.submit($0) }
        for (i, h) in handles.enumerated() {
            XCTAssertEqual(text(h.collect()).1, solo[i], "request \(i) after preemption")
        }
        XCTAssertGreaterThan(small.stats.preemptions, 0, "the test did not force a preemption")
        waitIdle(small)
        XCTAssertTrue(small.stats.idleAndClean)
    }

    func testRejections() throws {
        let (engine, tokenizer) = try makeEngine(blockCount: 8)
        defer { engine.stop() }
        let prompt = tokenizer.encode(Self.prompts[0])
        let tooLong = engine.submit(GenerationRequest(promptTokens: prompt, maxTokens: 9000)).collect()
        XCTAssertEqual(tooLong, [.rejected(.tooLong(promptTokens: prompt.count, maxTokens: 9000, limit: 8192))])
        let tooBig = engine.submit(GenerationRequest(promptTokens: prompt, maxTokens: 500)).collect()
        guard case .rejected(.exceedsKVCapacity) = tooBig.first else { return XCTFail("\(tooBig)") }
        let badToken = engine.submit(GenerationRequest(promptTokens: [1, 999_999], maxTokens: 5)).collect()
        guard case .rejected(.tokenOutOfRange(999_999, _, inLogitBias: false)) = badToken.first else { return XCTFail("\(badToken)") }
    }
}
