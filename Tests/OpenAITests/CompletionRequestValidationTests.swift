import Foundation
import OpenAI
import XCTest

/// Every way a completions body can be rejected.
final class CompletionRequestValidationTests: XCTestCase {
    func testMalformedJSON() {
        assertRejected(#"{"model":"m","prompt":"#, completion: true, param: nil, messageContains: "We could not parse the JSON body")
    }

    func testPrompt() {
        assertRejected(#"{"model":"m"}"#, completion: true, param: "prompt", code: "missing_required_parameter")
        assertRejected(#"{"model":"m","prompt":""}"#, completion: true, param: "prompt", code: "invalid_value")
        assertRejected(#"{"model":"m","prompt":[]}"#, completion: true, param: "prompt", code: "invalid_value")
        assertRejected(#"{"model":"m","prompt":[""]}"#, completion: true, param: "prompt", code: "invalid_value")
        assertRejected(#"{"model":"m","prompt":[[]]}"#, completion: true, param: "prompt", code: "invalid_value")
        assertRejected(#"{"model":"m","prompt":5}"#, completion: true, param: "prompt", code: "invalid_type")
        assertRejected(#"{"model":"m","prompt":{"text":"a"}}"#, completion: true, param: "prompt", code: "invalid_type")
    }

    func testBatchedPromptsAreRejected() {
        assertRejected(#"{"model":"m","prompt":["a","b"]}"#, completion: true, param: "prompt", code: "unsupported_parameter",
                       messageContains: "Batched prompts")
        assertRejected(#"{"model":"m","prompt":[[1,2],[3]]}"#, completion: true, param: "prompt", code: "unsupported_parameter")
    }

    func testTokenPrompts() {
        assertRejected(#"{"model":"m","prompt":[1,-1]}"#, completion: true, param: "prompt[1]", code: "integer_below_min_value")
        assertRejected(#"{"model":"m","prompt":[1,"a"]}"#, completion: true, param: "prompt[1]", code: "invalid_type")
        assertRejected(#"{"model":"m","prompt":[[1,2.5]]}"#, completion: true, param: "prompt[0][1]", code: "invalid_type")
        assertRejected(#"{"model":"m","prompt":[4294967296]}"#, completion: true, param: "prompt[0]", code: "integer_above_max_value")
    }

    func testLegacyLogprobs() {
        assertRejected(completionBody(#""logprobs":6"#), completion: true, param: "logprobs", code: "integer_above_max_value")
        assertRejected(completionBody(#""logprobs":-1"#), completion: true, param: "logprobs", code: "integer_below_min_value")
        assertRejected(completionBody(#""logprobs":true"#), completion: true, param: "logprobs", code: "invalid_type")
    }

    func testUnsupportedLegacyFeatures() throws {
        assertRejected(completionBody(#""echo":true"#), completion: true, param: "echo", code: "unsupported_parameter")
        assertRejected(completionBody(#""echo":"yes""#), completion: true, param: "echo", code: "invalid_type")
        assertRejected(completionBody(#""best_of":2"#), completion: true, param: "best_of", code: "unsupported_parameter")
        assertRejected(completionBody(#""suffix":"end""#), completion: true, param: "suffix", code: "unsupported_parameter")
        XCTAssertEqual(try decodeCompletion(completionBody(#""response_format":{"type":"json_object"}"#)).settings.responseFormat, .jsonObject)
    }

    func testSharedRangesApply() {
        assertRejected(completionBody(#""max_tokens":-1"#), completion: true, param: "max_tokens", code: "integer_below_min_value")
        assertRejected(completionBody(#""temperature":3"#), completion: true, param: "temperature", code: "decimal_above_max_value")
        assertRejected(completionBody(#""top_p":2"#), completion: true, param: "top_p")
        assertRejected(completionBody(#""n":9"#), completion: true, param: "n")
        assertRejected(completionBody(#""stop":["1","2","3","4","5"]"#), completion: true, param: "stop", code: "array_above_max_length")
        assertRejected(completionBody(#""stream_options":{"include_usage":true}"#), completion: true, param: "stream_options")
    }
}
