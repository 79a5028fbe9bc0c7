import Foundation
import GGUF
import Generation
import HTTP
import Jinja
import OpenAI
import Server
import XCTest

/// The DeepSeek-R1-Distill template opens `<think>` in the generation prompt, so the whole output is reasoning
/// until `</think>`; the server splits it into `reasoning_content`, or leaves it alone with `--reasoning-format none`.
final class ReasoningTests: XCTestCase {
    func r1Prompt(_ base: ServedModel) throws -> ChatPrompt {
        let path = try XCTUnwrap(Bundle.module.path(forResource: "Fixtures/deepseek-r1-distill-qwen-32b", ofType: "jinja"))
        return try ChatPrompt.load(embedded: nil, override: path, tokenizer: base.engine.tokenizer, warn: { _ in })
    }

    func server(format: ReasoningFormat) throws -> (HTTPServer, Int) {
        let h = try ServerHarness.get()
        let base = try XCTUnwrap(h.api.model)
        var options = ServerOptions(modelID: "r1")
        options.reasoningFormat = format
        let api = OpenAIServer(options: options)
        api.setModel(ServedModel(engine: base.engine, prompt: try r1Prompt(base)))
        let http = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0), handler: api.handler)
        try http.start()
        return (http, http.port)
    }

    func testTemplateOpensThinking() throws {
        let base = try XCTUnwrap(ServerHarness.get().api.model)
        let rendered = try r1Prompt(base).render(messages: .list([.dict(["role": "user", "content": "Hi"])]))
        XCTAssertTrue(rendered.hasSuffix("<think>\n"), rendered)
        XCTAssertTrue(ReasoningParser.promptOpensReasoning(renderedPrompt: rendered))
    }

    func testOutputBeforeCloseTagIsReasoning() throws {
        let body = #"{"model":"r1","messages":[{"role":"user","content":"Count to five."}],"max_tokens":12,"temperature":0}"#
        let (autoServer, autoPort) = try server(format: .auto)
        defer { autoServer.shutdown(drainTimeout: .seconds(1)) }
        let (noneServer, nonePort) = try server(format: .none)
        defer { noneServer.shutdown(drainTimeout: .seconds(1)) }

        let plain = try TestClient(port: nonePort).request("POST", "/v1/chat/completions", json: body)
        let plainMessage = try XCTUnwrap((plain.json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])
        let text = try XCTUnwrap(plainMessage["content"] as? String)
        XCTAssertNil(plainMessage["reasoning_content"] as? String)
        XCTAssertFalse(text.contains("</think>"), "the model never closes the block, so all of it is reasoning")

        let split = try TestClient(port: autoPort).request("POST", "/v1/chat/completions", json: body)
        let message = try XCTUnwrap((split.json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])
        XCTAssertEqual(message["reasoning_content"] as? String, text)
        XCTAssertTrue(message["content"] is NSNull || (message["content"] as? String)?.isEmpty == true, "\(message)")

        let streamed = try TestClient(port: autoPort).request("POST", "/v1/chat/completions",
                                                              json: body.replacingOccurrences(of: #""temperature":0"#, with: #""temperature":0,"stream":true"#))
        var reasoning = "", content = ""
        for e in streamed.events.dropLast() {
            let delta = (((try JSONSerialization.jsonObject(with: Data(e.utf8)) as? [String: Any])?["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any]) ?? [:]
            reasoning += delta["reasoning_content"] as? String ?? ""
            content += delta["content"] as? String ?? ""
        }
        XCTAssertEqual(reasoning, text)
        XCTAssertEqual(content, "")
    }
}
