import Foundation
import XCTest

/// `response_format` over real sockets (TinyModel): json_schema and json_object on chat and completions, streaming
/// equal to non-streaming, and a schema the compiler refuses answered 400 naming the keyword.
final class StructuredOutputServerTests: XCTestCase {
    static let schema = #"{"type":"object","properties":{"name":{"type":"string","maxLength":12},"tags":{"type":"array","items":{"enum":["a","b"]},"maxItems":3},"ok":{"type":"boolean"}},"required":["name","tags","ok"],"additionalProperties":false}"#

    func body(_ format: String, extra: String = "") -> String {
        #"{"model":"smollm2","messages":[{"role":"user","content":"A person, as JSON."}],"temperature":0,"max_tokens":80,"response_format":\#(format)\#(extra)}"#
    }

    func testJSONSchemaOnChat() throws {
        let h = try ServerHarness.get()
        let format = #"{"type":"json_schema","json_schema":{"name":"Person","strict":true,"schema":\#(Self.schema)}}"#
        let r = try h.client().request("POST", "/v1/chat/completions", json: body(format), headers: h.auth)
        XCTAssertEqual(r.status, 200, r.text)
        let choice = try XCTUnwrap((r.json["choices"] as? [[String: Any]])?.first)
        XCTAssertEqual(choice["finish_reason"] as? String, "stop")
        let content = try XCTUnwrap((choice["message"] as? [String: Any])?["content"] as? String)
        let doc = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(content.utf8)) as? [String: Any], content)
        XCTAssertEqual(Set(doc.keys), ["name", "tags", "ok"], content)
        XCTAssertLessThanOrEqual((doc["name"] as? String)?.count ?? 99, 12)
        XCTAssertTrue((doc["tags"] as? [String])?.allSatisfy { ["a", "b"].contains($0) } ?? false, content)

        // Streaming gives the same text.
        let s = try h.client().request("POST", "/v1/chat/completions", json: body(format, extra: #","stream":true"#), headers: h.auth)
        var streamed = ""
        for e in s.events where e != "[DONE]" {
            let chunk = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(e.utf8)) as? [String: Any])
            let delta = (chunk["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any]
            streamed += delta?["content"] as? String ?? ""
        }
        XCTAssertEqual(streamed, content)
    }

    func testJSONObjectOnCompletions() throws {
        let h = try ServerHarness.get()
        let body = #"{"model":"smollm2","prompt":"JSON:","max_tokens":60,"temperature":0,"response_format":{"type":"json_object"}}"#
        let r = try h.client().request("POST", "/v1/completions", json: body, headers: h.auth)
        XCTAssertEqual(r.status, 200, r.text)
        let text = try XCTUnwrap((r.json["choices"] as? [[String: Any]])?.first?["text"] as? String)
        XCTAssertTrue(text.hasPrefix("{"), text)
    }

    func testUnsupportedKeywordIs400NamingIt() throws {
        let h = try ServerHarness.get()
        let format = #"{"type":"json_schema","json_schema":{"name":"X","schema":{"type":"object","properties":{"a":{"type":"string","contentEncoding":"base64"}}}}}"#
        let r = try h.client().request("POST", "/v1/chat/completions", json: body(format), headers: h.auth)
        XCTAssertEqual(r.status, 400, r.text)
        let error = try XCTUnwrap(r.json["error"] as? [String: Any])
        XCTAssertEqual(error["param"] as? String, "response_format")
        XCTAssertTrue((error["message"] as? String)?.contains("contentEncoding") ?? false, "\(error)")
    }

    /// Schemas built to blow up a compiler are refused with a 400 (or compiled within the bounds), and the server
    /// keeps answering.
    func testPathologicalSchemasAreRefusedAndTheServerStaysHealthy() throws {
        let h = try ServerHarness.get()
        let optional = (0..<1000).map { #""p\#($0)":{"type":"string"}"# }.joined(separator: ",")
        // anyOf doubling through $defs: a small body whose expansion would be 2^30 strings.
        let defs = (1...30).map { ##""d\##($0)":{"anyOf":[{"$ref":"#/$defs/d\##($0 - 1)"},{"$ref":"#/$defs/d\##($0 - 1)"}]}"## }
        let nested = ##"{"$defs":{"d0":{"type":"string"},\##(defs.joined(separator: ","))},"$ref":"#/$defs/d30"}"##
        let schemas = [
            #"{"type":"object","properties":{\#(optional)}}"#,
            #"{"type":"string","pattern":"^(a|b)*a(a|b){20}$"}"#,
            nested,
        ]
        for schema in schemas {
            let format = #"{"type":"json_schema","json_schema":{"name":"P","schema":\#(schema)}}"#
            let r = try h.client().request("POST", "/v1/chat/completions", json: body(format), headers: h.auth)
            XCTAssertTrue([200, 400].contains(r.status), r.text)
            if r.status == 400 { XCTAssertEqual((r.json["error"] as? [String: Any])?["param"] as? String, "response_format") }
        }
        let ok = try h.client().request("POST", "/v1/chat/completions", json: body(#"{"type":"json_object"}"#), headers: h.auth)
        XCTAssertEqual(ok.status, 200, ok.text)
    }
}
