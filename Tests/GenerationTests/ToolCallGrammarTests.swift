import Foundation
import Grammar
@testable import Generation
import JSON
import TestSupport
import Tokenizers
import XCTest

/// Forced and lazy tool-call grammars: calls in the format's own syntax with arguments of the tool's schema, and a
/// grammar that holds a call from its opening marker to its end, then lets the output go free.
final class ToolCallGrammarTests: XCTestCase {
    static let light = ToolSpec(name: "set_light", parameters: try! JSONParser.parse(Data(#"""
        {"type":"object","properties":{"on":{"type":"boolean"},"room":{"$ref":"#/$defs/room"}},"required":["on","room"],
         "additionalProperties":false,"$defs":{"room":{"enum":["hall","kitchen"]}}}
        """#.utf8)), strict: true)
    static let noop = ToolSpec(name: "noop", parameters: .object(["type": .string("object"), "properties": .object([:]),
                                                                  "additionalProperties": .bool(false)]), strict: false)

    func matcher(_ grammar: OutputGrammar) -> GrammarMatcher { GrammarMatcher(grammar: grammar.compiled) }

    func accepts(_ grammar: OutputGrammar, _ text: String) -> Bool {
        var m = matcher(grammar)
        return m.accept(bytes: Array(text.utf8)) && m.isComplete
    }

    static let hall = #"<tool_call>\#n{"name": "set_light", "arguments": {"on": true, "room": "hall"}}\#n</tool_call>"#
    static let none = #"<tool_call>\#n{"name": "noop", "arguments": {}}\#n</tool_call>"#

    func testForcedHermesCallsAreTaggedAndFollowTheSchema() throws {
        let cache = OutputGrammarCache()
        let one = try cache.forcedCalls([Self.light, Self.noop], format: .hermes, parallel: false)
        XCTAssertTrue(accepts(one, Self.hall))
        XCTAssertTrue(accepts(one, Self.none))
        XCTAssertFalse(accepts(one, Self.hall + "\n" + Self.none), "parallel_tool_calls false: one call")
        XCTAssertFalse(accepts(one, Self.hall.replacingOccurrences(of: "hall", with: "attic")), "the $ref'd enum, rebased, holds")
        XCTAssertFalse(accepts(one, Self.hall.replacingOccurrences(of: "set_light", with: "other")), "only offered names")
        XCTAssertFalse(accepts(one, #"{"name": "noop", "arguments": {}}"#), "the tags are required")
        let many = try cache.forcedCalls([Self.light, Self.noop], format: .hermes, parallel: true)
        XCTAssertTrue(accepts(many, Self.hall + "\n" + Self.none + "\n" + Self.hall))
        XCTAssertFalse(accepts(many, ""), "at least one call")
    }

    func testForcedCallWithoutAFormatIsOneBareObject() throws {
        let g = try OutputGrammarCache().forcedCalls([Self.light], format: nil, parallel: true)
        XCTAssertTrue(accepts(g, #"{"name": "set_light", "arguments": {"on": false, "room": "kitchen"}}"#))
        XCTAssertFalse(accepts(g, #"{"name": "set_light", "arguments": {"on": false, "room": "kitchen"}} {"name": "set_light", "arguments": {"on": false, "room": "kitchen"}}"#))
    }

    func testLazyGrammarStartsAtTheMarkerAndEndsWithTheCall() throws {
        let cache = OutputGrammarCache()
        XCTAssertNil(try cache.lazyCalls([Self.noop], format: .hermes, parallel: true), "no strict tool: nothing to hold")
        XCTAssertNil(try cache.lazyCalls([Self.light], format: nil, parallel: true), "bare JSON has no marker")
        let lazy = try XCTUnwrap(try cache.lazyCalls([Self.light, Self.noop], format: .hermes, parallel: true))
        XCTAssertEqual(lazy.trigger, Array("<tool_call>".utf8))
        XCTAssertTrue(accepts(lazy.grammar, String(Self.hall.dropFirst("<tool_call>".count))))
        XCTAssertTrue(accepts(lazy.grammar, #"\#n{"name": "noop", "arguments": {"any": [1]}}\#n</tool_call>"#),
                      "a tool that is not strict takes any object")
        XCTAssertFalse(accepts(lazy.grammar, String(Self.hall.dropFirst("<tool_call>".count)) + "\n" + Self.none),
                       "one call: the next one triggers anew")
    }

    /// The state machine over a real vocabulary, fed a text token by token (TinyModel's byte-level tokens split the
    /// marker across several).
    func testLazyStateFollowsTheOutput() throws {
        let (file, _) = try TinyModel.load()
        let tokenizer = try Tokenizer(gguf: file)
        let vocabulary = Engine.vocabularyIndex(tokenizer)
        let lazy = try XCTUnwrap(try OutputGrammarCache().lazyCalls([Self.light], format: .hermes, parallel: true))
        var state = LazyGrammarState(lazy: lazy, vocabulary: vocabulary)
        let before = "Sure. "
        let text = before + Self.hall + " Done."
        var bytes = 0
        var constrainedAt: [Int] = []
        for token in tokenizer.encode(text, addSpecial: false, parseSpecial: false) {
            if state.matcher != nil { constrainedAt.append(bytes) }
            let piece = tokenizer.tokenPieceBytes(token)
            XCTAssertTrue(state.accept(token: token, bytes: piece, inReasoning: false), "refused at byte \(bytes)")
            bytes += piece.count
        }
        XCTAssertNil(state.matcher, "free again after </tool_call>")
        let start = before.utf8.count + "<tool_call>".utf8.count
        let end = before.utf8.count + Self.hall.utf8.count
        XCTAssertEqual(constrainedAt.first, start)
        XCTAssertLessThan(try XCTUnwrap(constrainedAt.last), end)
        XCTAssertTrue(constrainedAt.allSatisfy { $0 >= start && $0 < end })

        // Once triggered, a token off the grammar is refused; inside reasoning the marker does not trigger.
        var held = LazyGrammarState(lazy: lazy, vocabulary: vocabulary)
        for token in tokenizer.encode("<tool_call>\n{\"name\": \"", addSpecial: false, parseSpecial: false) {
            XCTAssertTrue(held.accept(token: token, bytes: tokenizer.tokenPieceBytes(token), inReasoning: false))
        }
        let x = try XCTUnwrap(tokenizer.encode("x", addSpecial: false, parseSpecial: false).first)
        XCTAssertFalse(held.accept(token: x, bytes: tokenizer.tokenPieceBytes(x), inReasoning: false), "no tool starts with x")
        var thinking = LazyGrammarState(lazy: lazy, vocabulary: vocabulary)
        for token in tokenizer.encode("<tool_call>", addSpecial: false, parseSpecial: false) {
            _ = thinking.accept(token: token, bytes: tokenizer.tokenPieceBytes(token), inReasoning: true)
        }
        XCTAssertNil(thinking.matcher)
    }

    /// In the engine: TinyModel samples freely until it writes the trigger, then its call follows the grammar, and
    /// after the call it is free again. The trigger here is what TinyModel writes first at temperature 0, so the
    /// grammar is certain to start.
    func testEngineHoldsTheCallFromItsMarker() throws {
        let (file, weights) = try TinyModel.load()
        let tokenizer = try Tokenizer(gguf: file)
        var config = EngineConfiguration(blockCount: 256)
        config.threads = 1
        let engine = try Engine(weights: weights, tokenizer: tokenizer, configuration: config)
        engine.start()
        defer { engine.stop() }
        let prompt = tokenizer.encode("<|im_start|>user\nlight<|im_end|>\n<|im_start|>assistant\n", addSpecial: false, parseSpecial: true)
        func run(_ lazy: LazyGrammar?) -> String {
            var request = GenerationRequest(promptTokens: prompt, maxTokens: 120, ignoreEOS: true)
            request.lazyGrammar = lazy
            var text = ""
            for case .tokens(let t, _, _, _) in engine.submit(request).collect() { text += t }
            return text
        }
        let free = run(nil)
        let trigger = String(free.prefix(2))
        XCTAssertEqual(trigger.utf8.count, 2, "TinyModel starts with two ASCII characters: \(free.debugDescription)")
        let grammar = try OutputGrammarCache().lazyCalls([Self.light], format: .hermes, parallel: true)
        let lazy = LazyGrammar(trigger: Array(trigger.utf8), grammar: try XCTUnwrap(grammar).grammar)
        let held = run(lazy)
        XCTAssertTrue(held.hasPrefix(trigger))
        let call = held.dropFirst(trigger.count)
        let close = try XCTUnwrap(call.range(of: "</tool_call>"), "the call ends within 120 tokens: \(held.debugDescription)")
        XCTAssertTrue(accepts(try XCTUnwrap(grammar).grammar, String(call[..<close.upperBound])), String(call))
    }
}
