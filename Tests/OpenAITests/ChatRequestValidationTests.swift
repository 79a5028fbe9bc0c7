import Foundation
import OpenAI
import XCTest

/// Every way a chat body can be rejected: status, envelope, param and code.
final class ChatRequestValidationTests: XCTestCase {
    func testMalformedJSON() {
        for body in [#"{"model":"m","#, "", "not json", #"{"model":"m"}}"#, "{'model':'m'}"] {
            assertRejected(body, param: nil, code: nil, messageContains: "We could not parse the JSON body of your request")
        }
    }

    func testBodyMustBeAnObject() {
        assertRejected("[1,2]", param: nil, code: "invalid_type", messageContains: "expected an object, but got an array")
        assertRejected("\"text\"", param: nil, code: "invalid_type")
    }

    func testModel() {
        // Left out or null, `model` means the served model (as llama-server and vLLM treat it).
        XCTAssertNil(try ChatCompletionRequest.decode(from: Data(#"{"messages":[{"role":"user","content":"hi"}]}"#.utf8)).model)
        XCTAssertNil(try ChatCompletionRequest.decode(from: Data(#"{"model":null,"messages":[{"role":"user","content":"hi"}]}"#.utf8)).model)
        assertRejected(#"{"model":5,"messages":[{"role":"user","content":"hi"}]}"#, param: "model", code: "invalid_type",
                       messageContains: "Invalid type for 'model': expected a string, but got an integer instead.")
    }

    func testMessagesShape() {
        assertRejected(#"{"model":"m"}"#, param: "messages", code: "missing_required_parameter")
        assertRejected(#"{"model":"m","messages":[]}"#, param: "messages", code: "empty_array")
        assertRejected(#"{"model":"m","messages":"hi"}"#, param: "messages", code: "invalid_type")
        assertRejected(#"{"model":"m","messages":[{"role":"user","content":"a"},5]}"#, param: "messages[1]", code: "invalid_type")
    }

    func testRoles() {
        assertRejected(#"{"model":"m","messages":[{"content":"a"}]}"#, param: "messages[0].role", code: "missing_required_parameter")
        assertRejected(#"{"model":"m","messages":[{"role":"user","content":"a"},{"role":"user","content":"b"},{"role":"wizard","content":"c"}]}"#,
                       param: "messages[2].role", code: "invalid_value",
                       messageContains: "Invalid value: 'wizard'. Supported values are: 'system', 'developer', 'user', 'assistant', and 'tool'.")
        assertRejected(#"{"model":"m","messages":[{"role":"function","content":"a","name":"f"}]}"#, param: "messages[0].role", code: "invalid_value")
        assertRejected(#"{"model":"m","messages":[{"role":1,"content":"a"}]}"#, param: "messages[0].role", code: "invalid_type")
    }

    func testContent() {
        assertRejected(#"{"model":"m","messages":[{"role":"user"}]}"#, param: "messages[0].content", code: "missing_required_parameter")
        assertRejected(#"{"model":"m","messages":[{"role":"system","content":null}]}"#, param: "messages[0].content", code: "missing_required_parameter")
        assertRejected(#"{"model":"m","messages":[{"role":"user","content":5}]}"#, param: "messages[0].content", code: "invalid_type")
        assertRejected(#"{"model":"m","messages":[{"role":"user","content":[5]}]}"#, param: "messages[0].content[0]", code: "invalid_type")
        assertRejected(#"{"model":"m","messages":[{"role":"user","content":[{"text":"a"}]}]}"#,
                       param: "messages[0].content[0].type", code: "missing_required_parameter")
        assertRejected(#"{"model":"m","messages":[{"role":"user","content":[{"type":"text"}]}]}"#,
                       param: "messages[0].content[0].text", code: "missing_required_parameter")
        assertRejected(#"{"model":"m","messages":[{"role":"user","content":[{"type":"text","text":7}]}]}"#,
                       param: "messages[0].content[0].text", code: "invalid_type")
    }

    func testUnsupportedContentPartType() {
        let body = #"{"model":"m","messages":[{"role":"system","content":"s"},{"role":"user","content":[{"type":"text","text":"look"},{"type":"image_url","image_url":{"url":"https://x/y.png"}}]}]}"#
        assertRejected(body, param: "messages[1].content[1].type", code: "invalid_value", messageContains: "'image_url'")
    }

    func testOtherMessageFields() {
        assertRejected(#"{"model":"m","messages":[{"role":"tool","content":"42"}]}"#, param: "messages[0].tool_call_id", code: "missing_required_parameter")
        assertRejected(#"{"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":{}}]}"#, param: "messages[0].tool_calls", code: "invalid_type")
        assertRejected(#"{"model":"m","messages":[{"role":"user","content":"a","name":3}]}"#, param: "messages[0].name", code: "invalid_type")
        assertRejected(#"{"model":"m","messages":[{"role":"assistant","content":"a","reasoning_content":[]}]}"#,
                       param: "messages[0].reasoning_content", code: "invalid_type")
    }

    func testTokenBudgets() {
        assertRejected(chatBody(#""max_tokens":-1"#), param: "max_tokens", code: "integer_below_min_value",
                       messageContains: "Invalid 'max_tokens': integer below minimum value. Expected a value >= 1, but got -1 instead.")
        assertRejected(chatBody(#""max_tokens":0"#), param: "max_tokens", code: "integer_below_min_value")
        assertRejected(chatBody(#""max_tokens":"5""#), param: "max_tokens", code: "invalid_type",
                       messageContains: "expected an integer, but got a string instead")
        assertRejected(chatBody(#""max_tokens":1.5"#), param: "max_tokens", code: "invalid_type")
        assertRejected(chatBody(#""max_tokens":true"#), param: "max_tokens", code: "invalid_type")
        assertRejected(chatBody(#""max_completion_tokens":0"#), param: "max_completion_tokens", code: "integer_below_min_value")
        assertRejected(chatBody(#""max_tokens":1e30"#), param: "max_tokens", code: "integer_above_max_value")
    }

    func testSamplingRanges() {
        assertRejected(chatBody(#""temperature":3"#), param: "temperature", code: "decimal_above_max_value",
                       messageContains: "Invalid 'temperature': decimal above maximum value. Expected a value <= 2, but got 3 instead.")
        assertRejected(chatBody(#""temperature":-0.5"#), param: "temperature", code: "decimal_below_min_value")
        assertRejected(chatBody(#""temperature":"hot""#), param: "temperature", code: "invalid_type")
        assertRejected(chatBody(#""top_p":2"#), param: "top_p", code: "decimal_above_max_value")
        assertRejected(chatBody(#""top_p":0"#), param: "top_p", code: "decimal_below_min_value", messageContains: "Expected a value > 0")
        assertRejected(chatBody(#""top_k":-2"#), param: "top_k", code: "integer_below_min_value")
        assertRejected(chatBody(#""top_k":2.5"#), param: "top_k", code: "invalid_type")
        assertRejected(chatBody(#""min_p":1.5"#), param: "min_p", code: "decimal_above_max_value")
        assertRejected(chatBody(#""presence_penalty":2.5"#), param: "presence_penalty", code: "decimal_above_max_value")
        assertRejected(chatBody(#""frequency_penalty":-3"#), param: "frequency_penalty", code: "decimal_below_min_value")
        assertRejected(chatBody(#""repetition_penalty":0"#), param: "repetition_penalty", code: "decimal_below_min_value")
        assertRejected(chatBody(#""seed":"x""#), param: "seed", code: "invalid_type")
        assertRejected(chatBody(#""seed":1e20"#), param: "seed", code: "integer_above_max_value")
        assertRejected(chatBody(#""n":9"#), param: "n", code: "integer_above_max_value", messageContains: "Expected a value <= 8, but got 9 instead.")
        assertRejected(chatBody(#""n":0"#), param: "n", code: "integer_below_min_value")
    }

    func testStop() {
        assertRejected(chatBody(#""stop":["a","b","c","d","e"]"#), param: "stop", code: "array_above_max_length",
                       messageContains: "Expected an array with maximum length 4, but got an array with length 5 instead.")
        assertRejected(chatBody(#""stop":5"#), param: "stop", code: "invalid_type")
        assertRejected(chatBody(#""stop":["a",1]"#), param: "stop[1]", code: "invalid_type")
    }

    func testLogprobs() {
        assertRejected(chatBody(#""logprobs":"yes""#), param: "logprobs", code: "invalid_type")
        assertRejected(chatBody(#""logprobs":1"#), param: "logprobs", code: "invalid_type")
        assertRejected(chatBody(#""logprobs":true,"top_logprobs":21"#), param: "top_logprobs", code: "integer_above_max_value")
        assertRejected(chatBody(#""logprobs":true,"top_logprobs":-1"#), param: "top_logprobs", code: "integer_below_min_value")
        assertRejected(chatBody(#""top_logprobs":2"#), param: "top_logprobs", code: "invalid_value")
        assertRejected(chatBody(#""logprobs":false,"top_logprobs":2"#), param: "top_logprobs", code: "invalid_value")
    }

    func testLogitBias() {
        assertRejected(chatBody(#""logit_bias":{"abc":1}"#), param: "logit_bias", code: "invalid_value")
        assertRejected(chatBody(#""logit_bias":{"-5":1}"#), param: "logit_bias", code: "invalid_value")
        assertRejected(chatBody(#""logit_bias":{"1.5":1}"#), param: "logit_bias", code: "invalid_value")
        assertRejected(chatBody(#""logit_bias":{"50256":101}"#), param: "logit_bias.50256", code: "decimal_above_max_value")
        assertRejected(chatBody(#""logit_bias":{"50256":"up"}"#), param: "logit_bias.50256", code: "invalid_type")
        assertRejected(chatBody(#""logit_bias":[1]"#), param: "logit_bias", code: "invalid_type")
    }

    func testStreamFlags() {
        assertRejected(chatBody(#""stream":"true""#), param: "stream", code: "invalid_type")
        assertRejected(chatBody(#""stream_options":{"include_usage":true}"#), param: "stream_options",
                       messageContains: "only allowed when 'stream' is enabled")
        assertRejected(chatBody(#""stream":false,"stream_options":{"include_usage":true}"#), param: "stream_options")
        assertRejected(chatBody(#""stream":true,"stream_options":{"include_usage":"yes"}"#), param: "stream_options.include_usage", code: "invalid_type")
        assertRejected(chatBody(#""stream":true,"stream_options":true"#), param: "stream_options", code: "invalid_type")
        assertRejected(chatBody(#""ignore_eos":1"#), param: "ignore_eos", code: "invalid_type")
    }

    func testPassThroughFieldTypes() {
        assertRejected(chatBody(#""chat_template_kwargs":5"#), param: "chat_template_kwargs", code: "invalid_type")
        assertRejected(chatBody(#""user":5"#), param: "user", code: "invalid_type")
    }

    func testToolsAndToolChoiceAreRead() throws {
        let tool = #"{"type":"function","function":{"name":"f","description":"d","parameters":{"type":"object"}}}"#
        // Tools rendered without a call allowed are served.
        let none = try decodeChat(chatBody(#""tools":[\#(tool)],"tool_choice":"none""#))
        XCTAssertEqual(none.tools.definitions.count, 1)
        XCTAssertEqual(none.tools.choice, .none)
        let legacy = try decodeChat(chatBody(#""functions":[{"name":"g"}],"function_call":"none""#))
        XCTAssertEqual(legacy.tools.definitions, [.object(["type": .string("function"), "function": .object(["name": .string("g")])])])
        XCTAssertEqual(try decodeChat(chatBody(#""tool_choice":"auto""#)).tools.choice, .none, "auto with no tools asks for nothing")
        // The choice, and the field that set it (the server names it when it cannot honour the choice).
        let auto = try decodeChat(chatBody(#""tools":[\#(tool)],"parallel_tool_calls":false"#)).tools
        XCTAssertEqual(auto.choice, .auto)
        XCTAssertEqual(auto.choiceParam, "tools")
        XCTAssertFalse(auto.parallelCalls)
        XCTAssertEqual(try decodeChat(chatBody(#""tools":[\#(tool)],"tool_choice":"required""#)).tools.choice, .required)
        let named = try decodeChat(chatBody(#""tools":[\#(tool)],"tool_choice":{"type":"function","function":{"name":"f"}}"#)).tools
        XCTAssertEqual(named.choice, .function("f"))
        XCTAssertEqual(named.choiceParam, "tool_choice")
        let legacyCall = try decodeChat(chatBody(#""functions":[{"name":"f"}],"function_call":{"name":"f"}"#)).tools
        XCTAssertEqual(legacyCall.choice, .function("f"))
        XCTAssertEqual(legacyCall.choiceParam, "function_call")
        // Malformed tool requests name the field.
        assertRejected(chatBody(#""tool_choice":"required""#), param: "tool_choice", code: "invalid_value")
        assertRejected(chatBody(#""tools":[\#(tool)],"tool_choice":{"type":"function","function":{"name":"nope"}}"#),
                       param: "tool_choice", code: "invalid_value")
        assertRejected(chatBody(#""tools":[{"type":"browser"}],"tool_choice":"none""#), param: "tools[0].type", code: "invalid_value")
        assertRejected(chatBody(#""tools":[{"type":"function","function":{"name":"a b"}}],"tool_choice":"none""#),
                       param: "tools[0].function.name", code: "invalid_value")
        assertRejected(chatBody(#""tools":[{"type":"function"}],"tool_choice":"none""#), param: "tools[0].function",
                       code: "missing_required_parameter")
    }

    func testResponseFormats() throws {
        XCTAssertEqual(try decodeChat(chatBody()).settings.responseFormat, .text)
        XCTAssertEqual(try decodeChat(chatBody(#""response_format":{"type":"text"}"#)).settings.responseFormat, .text)
        XCTAssertEqual(try decodeChat(chatBody(#""response_format":{"type":"json_object"}"#)).settings.responseFormat, .jsonObject)
        let schema = try decodeChat(chatBody(#""response_format":{"type":"json_schema","json_schema":{"name":"Person","strict":true,"schema":{"type":"object","properties":{"b":{},"a":{}}}}}"#))
        guard case .jsonSchema(let name, .object(let object), let strict) = schema.settings.responseFormat else {
            return XCTFail("\(schema.settings.responseFormat)")
        }
        XCTAssertEqual(name, "Person")
        XCTAssertTrue(strict)
        guard case .object(let properties)? = object["properties"] else { return XCTFail() }
        XCTAssertEqual(properties.keys, ["b", "a"], "property order is kept")
        XCTAssertEqual(try decodeChat(chatBody(#""response_format":{"type":"json_schema","json_schema":{"name":"x"}}"#)).settings.responseFormat,
                       .jsonObject)
        assertRejected(chatBody(#""response_format":{"type":"json_schema"}"#), param: "response_format.json_schema",
                       code: "missing_required_parameter")
        assertRejected(chatBody(#""response_format":{"type":"json_schema","json_schema":{"schema":{}}}"#),
                       param: "response_format.json_schema.name", code: "missing_required_parameter")
        assertRejected(chatBody(#""response_format":{"type":"json_schema","json_schema":{"name":"a b","schema":{}}}"#),
                       param: "response_format.json_schema.name", code: "invalid_value")
        assertRejected(chatBody(#""response_format":{"type":"json_schema","json_schema":{"name":"x","schema":[]}}"#),
                       param: "response_format.json_schema.schema", code: "invalid_type")
        assertRejected(chatBody(#""response_format":{"type":"xml"}"#), param: "response_format.type", code: "invalid_value")
        assertRejected(chatBody(#""response_format":{}"#), param: "response_format.type", code: "missing_required_parameter")
        assertRejected(chatBody(#""response_format":"text""#), param: "response_format", code: "invalid_type")
    }
}
