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

/// Forced calls (`tool_choice` "required" or a named function) on TinyModel, whose template has no tool format:
/// the grammar makes the answer one call's JSON, whatever the model would have written.
final class ForcedToolCallTests: XCTestCase {
    static let tools = #"[{"type":"function","function":{"name":"set_light","parameters":{"type":"object","properties":{"on":{"type":"boolean"},"room":{"enum":["hall","kitchen"]}},"required":["on","room"],"additionalProperties":false}}},{"type":"function","function":{"name":"noop","parameters":{"type":"object","properties":{},"additionalProperties":false}}}]"#

    func call(_ choice: String, stream: Bool = false) throws -> TestClient.Response {
        let h = try ServerHarness.get()
        let body = #"{"model":"smollm2","messages":[{"role":"user","content":"Light on in the hall."}],"temperature":0,"max_tokens":300,"tools":\#(Self.tools),"tool_choice":\#(choice),"stream":\#(stream)}"#
        return try h.client().request("POST", "/v1/chat/completions", json: body, headers: h.auth)
    }

    func testNamedFunctionIsCalledWithValidArguments() throws {
        let r = try call(#"{"type":"function","function":{"name":"set_light"}}"#)
        XCTAssertEqual(r.status, 200, r.text)
        let choice = try XCTUnwrap((r.json["choices"] as? [[String: Any]])?.first)
        XCTAssertEqual(choice["finish_reason"] as? String, "tool_calls")
        let message = try XCTUnwrap(choice["message"] as? [String: Any])
        XCTAssertTrue(message["content"] is NSNull)
        let calls = try XCTUnwrap(message["tool_calls"] as? [[String: Any]])
        XCTAssertEqual(calls.count, 1)
        let function = try XCTUnwrap(calls[0]["function"] as? [String: Any])
        XCTAssertEqual(function["name"] as? String, "set_light")
        let arguments = try XCTUnwrap(function["arguments"] as? String)
        let parsed = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(arguments.utf8)) as? [String: Any], arguments)
        XCTAssertTrue(parsed["on"] is Bool, arguments)
        XCTAssertTrue(["hall", "kitchen"].contains(parsed["room"] as? String ?? ""), arguments)
        XCTAssertTrue((calls[0]["id"] as? String)?.hasPrefix("call") ?? false)
    }

    func testRequiredCallsOneOfTheTools() throws {
        let r = try call(#""required""#)
        XCTAssertEqual(r.status, 200, r.text)
        let choice = try XCTUnwrap((r.json["choices"] as? [[String: Any]])?.first)
        XCTAssertEqual(choice["finish_reason"] as? String, "tool_calls")
        let calls = try XCTUnwrap((choice["message"] as? [String: Any])?["tool_calls"] as? [[String: Any]])
        XCTAssertTrue(["set_light", "noop"].contains((calls.first?["function"] as? [String: Any])?["name"] as? String ?? ""))
        // Streamed as OpenAI streams a call: a delta with index, id, type, the name and empty arguments, then one
        // with the index and the arguments only.
        let s = try call(#""required""#, stream: true)
        var streamed: [[String: Any]] = []
        var finish: String?
        for e in s.events where e != "[DONE]" {
            let chunk = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(e.utf8)) as? [String: Any])
            guard let c = (chunk["choices"] as? [[String: Any]])?.first else { continue }
            streamed += ((c["delta"] as? [String: Any])?["tool_calls"] as? [[String: Any]]) ?? []
            finish = c["finish_reason"] as? String ?? finish
        }
        XCTAssertEqual(streamed.count, 2, "\(streamed)")
        guard streamed.count == 2 else { return }
        XCTAssertEqual(streamed[0]["index"] as? Int, 0)
        XCTAssertEqual(streamed[0]["type"] as? String, "function")
        XCTAssertTrue((streamed[0]["id"] as? String)?.hasPrefix("call") ?? false)
        XCTAssertEqual((streamed[0]["function"] as? [String: Any])?["name"] as? String, (calls[0]["function"] as? [String: Any])?["name"] as? String)
        XCTAssertEqual((streamed[0]["function"] as? [String: Any])?["arguments"] as? String, "")
        XCTAssertEqual(streamed[1]["index"] as? Int, 0)
        XCTAssertNil(streamed[1]["id"])
        XCTAssertNil((streamed[1]["function"] as? [String: Any])?["name"])
        XCTAssertEqual((streamed[1]["function"] as? [String: Any])?["arguments"] as? String,
                       (calls[0]["function"] as? [String: Any])?["arguments"] as? String)
        XCTAssertEqual(finish, "tool_calls")
    }

    func testForcedCallWithResponseFormatIsRefused() throws {
        let h = try ServerHarness.get()
        let body = #"{"model":"smollm2","messages":[{"role":"user","content":"x"}],"tools":\#(Self.tools),"tool_choice":"required","response_format":{"type":"json_object"}}"#
        let r = try h.client().request("POST", "/v1/chat/completions", json: body, headers: h.auth)
        XCTAssertEqual(r.status, 400, r.text)
        XCTAssertEqual((r.json["error"] as? [String: Any])?["param"] as? String, "response_format")
    }
}
