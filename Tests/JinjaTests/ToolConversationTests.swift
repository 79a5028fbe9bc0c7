import Foundation
import Generation
import JSON
import Jinja
import XCTest

/// A conversation with tools, an assistant tool call exactly as the OpenAI wire sends it (content null, arguments a
/// JSON string) and a tool result, rendered the way the server renders it (`ChatPrompt.renderConversation`), equals
/// transformers' rendering of the same turn for every shared template that renders tool calls: its rendering with
/// the arguments as objects (the convention templates are written for), or, for a template that fails on objects
/// (DeepSeek-V3.1 joins them as text), its rendering of the wire form.
final class ToolConversationTests: XCTestCase {
    /// The templates with tool-call support (they render `tool_calls` of assistant turns).
    static let templates = [
        "deepseek-r1-distill-qwen-32b", "deepseek-v3.1", "granite-3.3-2b-instruct", "hermes-3-llama-3.1-8b-tool-use",
        "llama-3.1-8b-instruct", "llama-3.2-3b-instruct", "mistral-nemo-instruct-2407", "mistral-small-3.2-24b-instruct-2506",
        "qwen2.5-coder-0.5b-instruct", "qwen3-0.6b", "qwen3-coder-30b-a3b-instruct",
    ]

    func testWireFormToolConversationMatchesTransformers() throws {
        let cases = try JSONParser.parse(Data(contentsOf: Fixtures.directory.appendingPathComponent("cases.json")))
        guard case .object(let root) = cases, case .array(let all)? = root["cases"], let tools = root["tools"] else {
            return XCTFail("cases.json")
        }
        func messages(_ name: String) -> [JSONValue] {
            for c in all {
                if case .object(let o) = c, o["name"] == .string(name), case .array(let m)? = o["messages"] { return m }
            }
            return []
        }
        let wire = messages("tool_call_string_args")
        XCTAssertEqual(wire.count, 3)
        var compared = 0
        for name in Self.templates {
            let template = try ChatTemplate(source: try Fixtures.text("\(name).jinja"))
            for record in try Fixtures.json("expected/\(name).json").array
            where record["case"] == "tool_call_object_args" || record["case"] == "tool_call_string_args" {
                // The object-args record is what the server must produce, unless transformers failed on it; then
                // the wire-form record is.
                let sibling = try Fixtures.json("expected/\(name).json").array.first {
                    $0["variant"] == record["variant"] && $0["add_generation_prompt"] == record["add_generation_prompt"]
                        && $0["case"] == "tool_call_object_args"
                }
                let objectsRender = sibling?["output"].stringValue != nil
                guard record["case"] == (objectsRender ? "tool_call_object_args" : "tool_call_string_args"),
                      let expected = record["output"].stringValue else { continue }
                var variables = OrderedDict()
                var documents: Value?
                for (k, v) in record["variables"].dictValue {
                    if k == "documents" { documents = v } else { variables[k] = v }
                }
                let label = "\(name) / \(record["variant"]) / agp=\(record["add_generation_prompt"])"
                let output = try ChatPrompt.renderConversation(wire) { m throws(PromptError) in
                    do {
                        return try template.render(messages: .list(m.map(Value.init)), tools: Value(tools), documents: documents,
                                                   addGenerationPrompt: record["add_generation_prompt"] == true, bosToken: nil,
                                                   eosToken: nil, variables: variables, now: Fixtures.now, timeZone: Fixtures.utc)
                    } catch {
                        throw PromptError(message: "\(error)")
                    }
                }
                XCTAssertEqual(output, expected, label)
                compared += 1
            }
        }
        // Every template, each variant, with and without the generation prompt.
        XCTAssertGreaterThanOrEqual(compared, Self.templates.count * 2)
    }
}
