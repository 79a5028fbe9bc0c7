import Foundation
import Generation
import JSON
import TestSupport
import Tokenizers
import XCTest

/// Structured output in the engine, on TinyModel: masked sampling yields documents of the schema, rows with and
/// without grammars do not change each other's tokens, and a schema the compiler refuses is an error naming it.
final class StructuredOutputTests: XCTestCase {
    static let schema = #"""
        {"type":"object","properties":{"ok":{"type":"boolean"},"pick":{"enum":["x","y \"q\"","é"]},"n":{"type":"integer","minimum":0,"maximum":99}},"required":["ok","pick","n"],"additionalProperties":false}
        """#

    func makeModel(blockCount: Int = 256) throws -> (ServedModel, Tokenizer) {
        let (file, weights) = try TinyModel.load()
        let tokenizer = try Tokenizer(gguf: file)
        var config = EngineConfiguration(blockCount: blockCount)
        config.threads = 1
        let engine = try Engine(weights: weights, tokenizer: tokenizer, configuration: config)
        engine.start()
        let prompt = try ChatPrompt.load(embedded: file.string("tokenizer.chat_template"), override: nil, tokenizer: tokenizer,
                                         warn: { _ in })
        return (ServedModel(engine: engine, prompt: prompt), tokenizer)
    }

    func run(_ model: ServedModel, _ request: GenerationRequest) -> (text: String, tokens: [Int32], summary: GenerationSummary?) {
        var text = "", tokens: [Int32] = [], summary: GenerationSummary?
        for e in model.engine.submit(request).collect() {
            switch e {
            case .tokens(let t, _, let ids, _): text += t; tokens += ids
            case .finished(let s): summary = s
            case .rejected(let r): XCTFail("rejected: \(r)")
            case .toolCalls(let calls): XCTFail("tool calls: \(calls)")
            }
        }
        return (text, tokens, summary)
    }

    func testSampledDocumentsFollowTheSchema() throws {
        let (model, tokenizer) = try makeModel()
        defer { model.engine.stop() }
        let grammar = try model.grammar(for: .jsonSchema(JSONParser.parse(Data(Self.schema.utf8))))
        let prompt = tokenizer.encode("Give me JSON:")
        for seed in 0..<12 {
            let sampling = SamplingParameters(temperature: seed == 0 ? 0 : 1.2, seed: UInt64(seed))
            let r = run(model, GenerationRequest(promptTokens: prompt, maxTokens: 120, sampling: sampling, grammar: grammar))
            XCTAssertEqual(r.summary?.reason, .stop, "seed \(seed): \(r.text)")
            guard case .object(let doc) = try JSONParser.parse(Data(r.text.utf8)) else { return XCTFail(r.text) }
            XCTAssertEqual(doc.keys, ["ok", "pick", "n"], r.text)
            guard case .bool = doc["ok"], case .string(let pick)? = doc["pick"], case .int(let n)? = doc["n"] else {
                return XCTFail(r.text)
            }
            XCTAssertTrue(["x", "y \"q\"", "é"].contains(pick), r.text)
            XCTAssertTrue((0...99).contains(n), r.text)
        }
    }

    func testJSONObjectModeGivesAnObject() throws {
        let (model, tokenizer) = try makeModel()
        defer { model.engine.stop() }
        let grammar = try model.grammar(for: .jsonObject)
        let r = run(model, GenerationRequest(promptTokens: tokenizer.encode("{"), maxTokens: 40, grammar: grammar))
        // The document may not be finished within 40 tokens, but what there is must start an object.
        XCTAssertTrue(r.text.hasPrefix("{"), r.text)
        if r.summary?.reason == .stop { guard case .object = try JSONParser.parse(Data(r.text.utf8)) else { return XCTFail(r.text) } }
    }

    /// A grammar row beside free rows, and free rows beside grammar rows: every row's tokens equal its solo run.
    func testMasksDoNotChangeOtherRows() throws {
        let (model, tokenizer) = try makeModel()
        defer { model.engine.stop() }
        let grammar = try model.grammar(for: .jsonSchema(JSONParser.parse(Data(Self.schema.utf8))))
        let prompts = ["The capital of France is", "Once upon a time", "1, 2, 3,", "JSON please:"].map { tokenizer.encode($0) }
        let requests = prompts.enumerated().map { i, p in
            GenerationRequest(promptTokens: p, maxTokens: 24, ignoreEOS: i % 2 == 0, grammar: i % 2 == 1 ? grammar : nil)
        }
        let solo = requests.map { run(model, $0).tokens }
        let handles = requests.map { model.engine.submit($0) }
        for (i, h) in handles.enumerated() {
            var tokens: [Int32] = []
            for case .tokens(_, _, let ids, _) in h.collect() { tokens += ids }
            XCTAssertEqual(tokens, solo[i], "request \(i)")
        }
    }

    func testUnsupportedKeywordIsNamed() throws {
        let (model, _) = try makeModel()
        defer { model.engine.stop() }
        let schema = try JSONParser.parse(Data(#"{"type":"object","patternProperties":{"^a":{}}}"#.utf8))
        XCTAssertThrowsError(try model.grammar(for: .jsonSchema(schema))) { error in
            XCTAssertTrue((error as? OutputFormatError)?.message.contains("patternProperties") ?? false, "\(error)")
        }
    }

    /// Preemption by recompute keeps the grammar state with the request's output tokens, so a preempted
    /// constrained request still gives its solo output.
    func testPreemptedConstrainedRequestsKeepTheirOutput() throws {
        let schema = #"{"type":"object","properties":{"s":{"type":"string","minLength":40,"maxLength":60}},"required":["s"]}"#
        let prompts = ["The capital of France is", "Once upon a time, in a small village by the sea,", "1, 2, 3, 4, 5,",
                       "Write a haiku about autumn leaves."]
        let (big, tokenizer) = try makeModel()
        let grammar = try big.grammar(for: .jsonSchema(JSONParser.parse(Data(schema.utf8))))
        let requests = prompts.map { GenerationRequest(promptTokens: tokenizer.encode($0), maxTokens: 80, grammar: grammar) }
        let solo = requests.map { run(big, $0) }
        big.engine.stop()
        for r in solo { XCTAssertEqual(r.summary?.reason, .stop, r.text) }
        let (small, _) = try makeModel(blockCount: 9)
        defer { small.engine.stop() }
        let handles = requests.map { small.engine.submit($0) }
        for (i, h) in handles.enumerated() {
            var tokens: [Int32] = []
            for case .tokens(_, _, let ids, _) in h.collect() { tokens += ids }
            XCTAssertEqual(tokens, solo[i].tokens, "request \(i) after preemption")
        }
        XCTAssertGreaterThan(small.engine.stats.preemptions, 0, "the test did not force a preemption")
    }

    /// For `<think>` models the answer is constrained, the reasoning is not: a request that starts inside an opened
    /// reasoning section (and, on TinyModel, never closes it) is sampled as if it had no grammar.
    func testReasoningIsNotConstrained() throws {
        let (model, tokenizer) = try makeModel()
        defer { model.engine.stop() }
        let grammar = try model.grammar(for: .jsonObject)
        let prompt = tokenizer.encode("Think first:")
        let split = GenerationRequest.ReasoningSplit(startsInReasoning: true)
        let free = run(model, GenerationRequest(promptTokens: prompt, maxTokens: 20, reasoning: split))
        let constrained = run(model, GenerationRequest(promptTokens: prompt, maxTokens: 20, reasoning: split, grammar: grammar))
        XCTAssertEqual(constrained.tokens, free.tokens)
        // Equal tokens show no mask was applied only if a mask would have changed them: free output that starts
        // with anything but "{" is not a JSON object's start.
        XCTAssertFalse(tokenizer.decode(Array(free.tokens.prefix(1))).hasPrefix("{"), "the free output happens to start an object")
    }
}
