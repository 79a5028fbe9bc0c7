import Foundation
import Generation
import OpenAI
@testable import Server
import XCTest

/// What the chat template is given for each message (no model needed), and a null content over HTTP.
final class EngineMappingTests: XCTestCase {
    static let body = #"""
        {"model":"smollm2","messages":[
          {"role":"user","content":"Weather in Paris?"},
          {"role":"assistant","content":null,"tool_calls":[{"id":"call_1","type":"function","function":{"name":"get_weather","arguments":"{\"city\":\"Paris\",\"days\":2.0}"}},
                                                          {"id":"call_2","type":"function","function":{"name":"f","arguments":"not json"}}]},
          {"role":"tool","tool_call_id":"call_1","content":"Sunny"}],
         "max_tokens":4,"temperature":0}
        """#

    func testToolCallArgumentsReachTheTemplateAsObjects() throws {
        let chat = try ChatCompletionRequest.decode(from: Data(Self.body.utf8))
        guard case .object(let wire) = chat.messages[1].templateValue else { return XCTFail() }
        XCTAssertEqual(wire.keys, ["role", "content", "tool_calls"], "the client's order")
        XCTAssertEqual(wire["content"], .null)
        var seen: [[JSONValue]] = []
        let text = try ChatPrompt.renderConversation(chat.messages.map(\.templateValue)) { m throws(PromptError) in
            seen.append(m)
            return "rendered"
        }
        XCTAssertEqual(text, "rendered")
        XCTAssertEqual(seen.count, 1, "objects render at the first try")
        guard case .object(let assistant) = seen[0][1], case .array(let calls)? = assistant["tool_calls"], case .object(let first) = calls[0],
              case .object(let function)? = first["function"], case .object(let arguments)? = function["arguments"] else {
            return XCTFail("\(seen)")
        }
        XCTAssertEqual(assistant["content"], .string(""))
        XCTAssertEqual(arguments.keys, ["city", "days"])
        XCTAssertEqual(arguments["days"], .double(2), "2.0 stays a float, as json.loads reads it")
        guard case .object(let second) = calls[1], case .object(let f)? = second["function"] else { return XCTFail() }
        XCTAssertEqual(f["arguments"], .string("not json"), "text that is not JSON is passed as it came")
    }

    func testTemplateThatFailsOnObjectArgumentsGetsTheStrings() throws {
        let chat = try ChatCompletionRequest.decode(from: Data(Self.body.utf8))
        var tries = 0
        let text = try ChatPrompt.renderConversation(chat.messages.map(\.templateValue)) { m throws(PromptError) in
            tries += 1
            guard case .object(let a) = m[1], case .array(let calls)? = a["tool_calls"], case .object(let c) = calls[0],
                  case .object(let f)? = c["function"], case .string(let args)? = f["arguments"] else {
                throw PromptError(message: "can only concatenate str")
            }
            return args
        }
        XCTAssertEqual(tries, 2)
        XCTAssertEqual(text, #"{"city":"Paris","days":2.0}"#)
    }

    func testNullAssistantContentRenders() throws {
        let h = try ServerHarness.get()
        let r = try h.client().request("POST", "/v1/chat/completions", json: Self.body, headers: h.auth)
        XCTAssertEqual(r.status, 200, r.text)
    }
}
