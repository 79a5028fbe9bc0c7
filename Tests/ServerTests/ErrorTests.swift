import Foundation
import XCTest

/// Every bad request gets the right status and an OpenAI-shaped error, and the server keeps serving.
final class ErrorTests: XCTestCase {
    struct Case {
        let name: String
        let method: String
        let path: String
        let body: String?
        let headers: [String: String]
        let status: Int
        let param: String?
        let code: String?
    }

    static let good = #"{"model":"smollm2","messages":[{"role":"user","content":"Hi"}],"max_tokens":2,"temperature":0}"#

    func cases(_ auth: [String: String]) -> [Case] {
        func chat(_ name: String, _ body: String, _ status: Int = 400, param: String?, code: String? = nil) -> Case {
            Case(name: name, method: "POST", path: "/v1/chat/completions", body: body, headers: auth, status: status, param: param, code: code)
        }
        let msgs = #""messages":[{"role":"user","content":"Hi"}]"#
        return [
            chat("malformed JSON", #"{"model":"smollm2","messages":["#, param: nil),
            chat("messages not an array", #"{"model":"smollm2","messages":"hi"}"#, param: "messages"),
            chat("empty messages", #"{"model":"smollm2","messages":[]}"#, param: "messages"),
            chat("unknown role", #"{"model":"smollm2","messages":[{"role":"wizard","content":"Hi"}]}"#, param: "messages[0].role"),
            chat("max_tokens -1", #"{"model":"smollm2",\#(msgs),"max_tokens":-1}"#, param: "max_tokens"),
            chat("max_tokens string", #"{"model":"smollm2",\#(msgs),"max_tokens":"5"}"#, param: "max_tokens"),
            chat("top_p 2", #"{"model":"smollm2",\#(msgs),"top_p":2}"#, param: "top_p"),
            chat("temperature 3", #"{"model":"smollm2",\#(msgs),"temperature":3}"#, param: "temperature"),
            chat("n 9", #"{"model":"smollm2",\#(msgs),"n":9}"#, param: "n"),
            chat("five stop strings", #"{"model":"smollm2",\#(msgs),"stop":["a","b","c","d","e"]}"#, param: "stop"),
            chat("tool schema the grammar refuses", #"{"model":"smollm2",\#(msgs),"tool_choice":"required","tools":[{"type":"function","function":{"name":"f","parameters":{"type":"string","format":"no-such-format"}}}]}"#, param: "tools", code: "invalid_schema"),
            chat("unknown model", #"{"model":"gpt-9",\#(msgs)}"#, 404, param: "model", code: "model_not_found"),
            chat("context overflow", #"{"model":"smollm2",\#(msgs),"max_tokens":100000}"#, param: "messages", code: "context_length_exceeded"),
            Case(name: "no auth", method: "POST", path: "/v1/chat/completions", body: Self.good, headers: [:], status: 401, param: nil, code: nil),
            Case(name: "wrong key", method: "POST", path: "/v1/chat/completions", body: Self.good, headers: ["Authorization": "Bearer nope"],
                 status: 401, param: nil, code: "invalid_api_key"),
            Case(name: "unknown path", method: "GET", path: "/v1/nothing", body: nil, headers: auth, status: 404, param: nil, code: nil),
            Case(name: "wrong method", method: "GET", path: "/v1/chat/completions", body: nil, headers: auth, status: 405, param: nil, code: nil),
            Case(name: "completion bad token", method: "POST", path: "/v1/completions", body: #"{"model":"smollm2","prompt":[1,99999999]}"#,
                 headers: auth, status: 400, param: "prompt", code: nil),
        ]
    }

    func assertErrorShape(_ r: TestClient.Response, _ c: Case, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(r.status, c.status, "\(c.name): \(r.text)", file: file, line: line)
        XCTAssertEqual(r.headers["content-type"], "application/json", c.name, file: file, line: line)
        let error = r.json["error"] as? [String: Any]
        XCTAssertNotNil(error?["message"] as? String, "\(c.name): \(r.text)", file: file, line: line)
        XCTAssertNotNil(error?["type"] as? String, c.name, file: file, line: line)
        XCTAssertTrue(error?.keys.contains("param") ?? false, c.name, file: file, line: line)
        XCTAssertTrue(error?.keys.contains("code") ?? false, c.name, file: file, line: line)
        if let p = c.param { XCTAssertEqual(error?["param"] as? String, p, c.name, file: file, line: line) }
        if let code = c.code { XCTAssertEqual(error?["code"] as? String, code, c.name, file: file, line: line) }
    }

    func testEveryErrorThenANormalRequest() throws {
        let h = try ServerHarness.get()
        for c in cases(h.auth) {
            let r = try h.client().request(c.method, c.path, json: c.body, headers: c.headers)
            assertErrorShape(r, c)
            let ok = try h.client().request("POST", "/v1/chat/completions", json: Self.good, headers: h.auth)
            XCTAssertEqual(ok.status, 200, "normal request after \(c.name)")
        }
    }

    func testContextOverflowNamesBothNumbers() throws {
        let h = try ServerHarness.get()
        let r = try h.client().request("POST", "/v1/chat/completions",
                                       json: #"{"model":"smollm2","messages":[{"role":"user","content":"Hi"}],"max_tokens":9000}"#, headers: h.auth)
        let message = (r.json["error"] as? [String: Any])?["message"] as? String ?? ""
        XCTAssertTrue(message.contains("8192"), message)
        XCTAssertTrue(message.contains("9000"), message)
    }

    func testOversizeBodyAndHeaders() throws {
        let h = try ServerHarness.get()
        let big = #"{"model":"smollm2","messages":[{"role":"user","content":""# + String(repeating: "a", count: 70 * 1024) + #""}]}"#
        let r = try h.client().request("POST", "/v1/chat/completions", json: big, headers: h.auth)
        assertErrorShape(r, Case(name: "413", method: "", path: "", body: nil, headers: [:], status: 413, param: nil, code: nil))
        let hugeHeader = try h.client().request("GET", "/health", headers: ["X-Filler": String(repeating: "b", count: 17 * 1024)])
        assertErrorShape(hugeHeader, Case(name: "431", method: "", path: "", body: nil, headers: [:], status: 431, param: nil, code: nil))
        let ok = try h.client().request("POST", "/v1/chat/completions", json: Self.good, headers: h.auth)
        XCTAssertEqual(ok.status, 200)
    }
}
