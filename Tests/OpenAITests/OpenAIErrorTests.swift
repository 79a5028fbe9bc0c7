import Foundation
import OpenAI
import XCTest

final class OpenAIErrorTests: XCTestCase {
    private func envelope(_ error: OpenAIError, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
        let outer = try jsonObject(error.jsonData)
        XCTAssertEqual(Set(outer.keys), ["error"], file: file, line: line)
        let inner = try XCTUnwrap(outer["error"] as? [String: Any], file: file, line: line)
        XCTAssertEqual(Set(inner.keys), ["message", "type", "param", "code"], file: file, line: line)
        return inner
    }

    func testEnvelopeWritesNullParamAndCode() throws {
        let error = OpenAIError.server("boom")
        XCTAssertEqual(String(decoding: error.jsonData, as: UTF8.self),
                       #"{"error":{"code":null,"message":"boom","param":null,"type":"server_error"}}"#)
        let inner = try envelope(error)
        XCTAssertTrue(isNull(inner, "param"))
        XCTAssertTrue(isNull(inner, "code"))
        XCTAssertEqual(error.status, 500)
    }

    func testInvalidRequest() throws {
        let error = OpenAIError.invalidRequest("bad", param: "n", code: "c")
        XCTAssertEqual(error.status, 400)
        let inner = try envelope(error)
        XCTAssertEqual(inner["message"] as? String, "bad")
        XCTAssertEqual(inner["type"] as? String, "invalid_request_error")
        XCTAssertEqual(inner["param"] as? String, "n")
        XCTAssertEqual(inner["code"] as? String, "c")
    }

    func testModelNotFound() throws {
        let error = OpenAIError.modelNotFound("gpt-9")
        XCTAssertEqual(error.status, 404)
        let inner = try envelope(error)
        XCTAssertEqual(inner["message"] as? String, "The model `gpt-9` does not exist or you do not have access to it.")
        XCTAssertEqual(inner["type"] as? String, "invalid_request_error")
        XCTAssertEqual(inner["param"] as? String, "model")
        XCTAssertEqual(inner["code"] as? String, "model_not_found")
    }

    func testContextLengthExceeded() throws {
        let chat = OpenAIError.contextLengthExceeded(promptTokens: 1000, maxTokens: 8000, limit: 8192)
        XCTAssertEqual(chat.status, 400)
        XCTAssertEqual(chat.param, "messages")
        XCTAssertEqual(chat.code, "context_length_exceeded")
        XCTAssertEqual(chat.message, "This model's maximum context length is 8192 tokens. However, you requested 9000 tokens "
            + "(1000 in the messages, 8000 in the completion). Please reduce the length of the messages or completion.")
        let prompt = OpenAIError.contextLengthExceeded(promptTokens: 9000, maxTokens: nil, limit: 8192, param: "prompt")
        XCTAssertEqual(prompt.param, "prompt")
        XCTAssertEqual(prompt.message, "This model's maximum context length is 8192 tokens. However, your prompt resulted in "
            + "9000 tokens. Please reduce the length of the prompt.")
        XCTAssertEqual(try envelope(prompt)["code"] as? String, "context_length_exceeded")
    }

    func testAuthentication() throws {
        let wrong = OpenAIError.authentication()
        XCTAssertEqual(wrong.status, 401)
        XCTAssertEqual(wrong.type, "invalid_request_error")
        XCTAssertEqual(wrong.code, "invalid_api_key")
        XCTAssertTrue(wrong.message.hasPrefix("Incorrect API key provided"))
        let missing = OpenAIError.authentication(keyProvided: false)
        XCTAssertEqual(missing.status, 401)
        XCTAssertTrue(missing.message.contains("didn't provide an API key"))
        XCTAssertTrue(isNull(try envelope(missing), "code"))
    }

    func testRoutingErrors() throws {
        XCTAssertEqual(OpenAIError.notFound("/v1/nope", method: "POST").message, "Invalid URL (POST /v1/nope)")
        XCTAssertEqual(OpenAIError.notFound("/v1/nope").status, 404)
        let notAllowed = OpenAIError.methodNotAllowed("GET", "/v1/chat/completions")
        XCTAssertEqual(notAllowed.status, 405)
        XCTAssertEqual(notAllowed.message, "Invalid method for URL (GET /v1/chat/completions)")
        XCTAssertEqual(try envelope(notAllowed)["type"] as? String, "invalid_request_error")
    }

    func testCapacityErrors() throws {
        let full = OpenAIError.queueFull(retryAfter: 3)
        XCTAssertEqual(full.status, 429)
        XCTAssertEqual(full.retryAfter, 3)
        let inner = try envelope(full)
        XCTAssertEqual(inner["type"] as? String, "requests")
        XCTAssertEqual(inner["code"] as? String, "rate_limit_exceeded")
        XCTAssertNil(inner["retry_after"], "Retry-After is a header, not a body field")

        XCTAssertEqual(OpenAIError.payloadTooLarge(limit: 1024).status, 413)
        XCTAssertTrue(OpenAIError.payloadTooLarge(limit: 1024).message.contains("1024"))
        let unavailable = OpenAIError.unavailable()
        XCTAssertEqual(unavailable.status, 503)
        XCTAssertEqual(try envelope(unavailable)["type"] as? String, "server_error")
    }

    func testMessagesAreEscapedNotMangled() throws {
        let error = OpenAIError.invalidRequest("quote \" slash / backslash \\ newline \n é 😀")
        XCTAssertEqual(try envelope(error)["message"] as? String, "quote \" slash / backslash \\ newline \n é 😀")
        let text = String(decoding: error.jsonData, as: UTF8.self)
        XCTAssertTrue(text.contains("slash / backslash"), "slashes are not escaped: \(text)")
        XCTAssertTrue(text.contains("é 😀"), "non-ASCII is raw UTF-8: \(text)")
    }

}
