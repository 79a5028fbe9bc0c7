import Foundation
import OpenAI
import XCTest

/// Parses produced bytes back into a JSON object so tests compare fields, explicit nulls included.
func jsonObject(_ data: Data, file: StaticString = #filePath, line: UInt = #line) throws -> [String: Any] {
    let value = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
    return try XCTUnwrap(value as? [String: Any], "not a JSON object: \(String(decoding: data, as: UTF8.self))", file: file, line: line)
}

/// Whether `dictionary[key]` is present and an explicit JSON null.
func isNull(_ dictionary: [String: Any], _ key: String) -> Bool {
    dictionary[key] is NSNull
}

/// A chat body with one user message plus `extra` fields (a comma-separated JSON fragment, or "").
func chatBody(_ extra: String = "") -> String {
    #"{"model":"m","messages":[{"role":"user","content":"hi"}]"# + (extra.isEmpty ? "" : "," + extra) + "}"
}

/// A completions body with a text prompt plus `extra` fields.
func completionBody(_ extra: String = "") -> String {
    #"{"model":"m","prompt":"Once upon a time""# + (extra.isEmpty ? "" : "," + extra) + "}"
}

func decodeChat(_ body: String) throws(OpenAIError) -> ChatCompletionRequest {
    try ChatCompletionRequest.decode(from: Data(body.utf8))
}

func decodeCompletion(_ body: String) throws(OpenAIError) -> CompletionRequest {
    try CompletionRequest.decode(from: Data(body.utf8))
}

/// Asserts that decoding `body` fails with an OpenAI-shaped 400 (or `status`) naming `param`, with `code` when given.
func assertRejected(
    _ body: String, completion: Bool = false, param: String?, code: String? = nil, status: Int = 400,
    messageContains: String? = nil, file: StaticString = #filePath, line: UInt = #line
) {
    do {
        if completion { _ = try decodeCompletion(body) } else { _ = try decodeChat(body) }
        XCTFail("accepted: \(body)", file: file, line: line)
    } catch {
        XCTAssertEqual(error.status, status, "status for \(body)", file: file, line: line)
        XCTAssertEqual(error.type, "invalid_request_error", file: file, line: line)
        XCTAssertEqual(error.param, param, "param for \(body): \(error.message)", file: file, line: line)
        if let code { XCTAssertEqual(error.code, code, "code for \(body): \(error.message)", file: file, line: line) }
        if let messageContains {
            XCTAssertTrue(error.message.contains(messageContains), "message: \(error.message)", file: file, line: line)
        }
        // The wire shape is checked for every rejection.
        guard let envelope = try? jsonObject(error.jsonData), let inner = envelope["error"] as? [String: Any] else {
            return XCTFail("error body is not an OpenAI envelope", file: file, line: line)
        }
        XCTAssertEqual(Set(envelope.keys), ["error"], file: file, line: line)
        XCTAssertEqual(Set(inner.keys), ["message", "type", "param", "code"], file: file, line: line)
        XCTAssertEqual(inner["message"] as? String, error.message, file: file, line: line)
        if let param { XCTAssertEqual(inner["param"] as? String, param, file: file, line: line) } else {
            XCTAssertTrue(isNull(inner, "param"), file: file, line: line)
        }
    }
}
