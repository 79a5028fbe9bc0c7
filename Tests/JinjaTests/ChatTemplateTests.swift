import Foundation
import Jinja
import XCTest

/// The transformers-style render context of `ChatTemplate`.
final class ChatTemplateTests: XCTestCase {
    func testContextMatchesTransformers() throws {
        let t = try ChatTemplate(source: """
            {{ tools is defined }}/{{ tools is none }}/{{ documents is none }}/{{ add_generation_prompt }}/\
            {{ bos_token }}/{{ eos_token is defined }}/{{ enable_thinking }}/{{ messages|length }}
            """)
        let out = try t.render(messages: [["role": "user", "content": "hi"]], addGenerationPrompt: true,
                               bosToken: "<s>", eosToken: nil, variables: ["enable_thinking": false])
        XCTAssertEqual(out, "True/True/True/True/<s>/False/False/1")
    }

    func testVariablesOverrideSpecialTokens() throws {
        let t = try ChatTemplate(source: "{{ bos_token }}{{ tools|length }}{{ documents[0].title }}")
        let out = try t.render(messages: [], tools: [["type": "function"]], documents: [["title": "Doc"]],
                               addGenerationPrompt: false, bosToken: "<s>", eosToken: "</s>",
                               variables: ["bos_token": "<override>"])
        XCTAssertEqual(out, "<override>1Doc")
    }

    func testStrftimeNowUsesTheInjectedClock() throws {
        let t = try ChatTemplate(source: "{{ strftime_now('%d %b %Y') }}|{{ strftime_now('%Y-%m-%d') }}|{{ strftime_now('%B %d, %Y') }}")
        let out = try t.render(messages: [], addGenerationPrompt: false, bosToken: nil, eosToken: nil,
                               now: Fixtures.now, timeZone: Fixtures.utc)
        XCTAssertEqual(out, "26 Jul 2024|2024-07-26|July 26, 2024")
    }

    func testTemplateRendersConcurrently() throws {
        let t = try ChatTemplate(source: try Fixtures.text("qwen3-0.6b.jinja"))
        let messages: Value = [["role": "user", "content": "hello"]]
        let expected = try t.render(messages: messages, addGenerationPrompt: true, bosToken: nil, eosToken: "<|im_end|>")
        nonisolated(unsafe) var outputs = [String](repeating: "", count: 8)
        DispatchQueue.concurrentPerform(iterations: 8) { i in
            let out = (try? t.render(messages: messages, addGenerationPrompt: true, bosToken: nil, eosToken: "<|im_end|>")) ?? "error"
            DispatchQueue.main.async {}
            outputs[i] = out
        }
        XCTAssertEqual(outputs, Array(repeating: expected, count: 8))
        XCTAssertEqual(expected, "<|im_start|>user\nhello<|im_end|>\n<|im_start|>assistant\n")
    }
}
