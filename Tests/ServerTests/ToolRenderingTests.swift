import Foundation
import Generation
import JSON
import XCTest

/// Tools offered with `tool_choice: "none"` reach the prompt: through the template's own `tools` support, or
/// described in the system message for a template without it. (Calls themselves are not parsed yet.)
final class ToolRenderingTests: XCTestCase {
    static let tool = #"{"type":"function","function":{"name":"get_weather","description":"Weather for a city.","parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}"#

    func testTemplateWithToolSupportRendersThem() throws {
        let base = try XCTUnwrap(ServerHarness.get().api.model)
        let path = try XCTUnwrap(Bundle.module.path(forResource: "Fixtures/qwen2.5-coder-0.5b-instruct", ofType: "jinja"))
        let prompt = try ChatPrompt.load(embedded: nil, override: path, tokenizer: base.engine.tokenizer, warn: { _ in })
        XCTAssertTrue(prompt.rendersTools)
        let built = try prompt.build(messages: [.object(["role": .string("user"), "content": .string("Paris?")])],
                                     tools: [JSONParser.parse(Data(Self.tool.utf8))])
        XCTAssertTrue(built.text.contains("<tools>"), built.text)
        XCTAssertTrue(built.text.contains(#""name": "get_weather""#), built.text)
    }

    func testTemplateWithoutToolSupportGetsThemInTheSystemMessage() throws {
        let h = try ServerHarness.get()
        XCTAssertFalse(try XCTUnwrap(h.api.model).prompt.rendersTools, "TinyModel's ChatML template")
        func promptTokens(_ extra: String) throws -> Int {
            let body = #"{"model":"smollm2","messages":[{"role":"user","content":"Paris?"}],"max_tokens":1\#(extra)}"#
            let r = try h.client().request("POST", "/v1/chat/completions", json: body, headers: h.auth)
            XCTAssertEqual(r.status, 200, r.text)
            return try XCTUnwrap((r.json["usage"] as? [String: Any])?["prompt_tokens"] as? Int)
        }
        let plain = try promptTokens("")
        let withTools = try promptTokens(#","tools":[\#(Self.tool)],"tool_choice":"none""#)
        XCTAssertGreaterThan(withTools, plain + 20, "the tool's definition is in the prompt")
    }
}
