import Foundation
import XCTest

/// The real-model tier of the server tests (skipped by `make test-fast`, like the RealModelTests target): the
/// assertions that need SmolLM2's own text and vocabulary. The same behaviour is tested on TinyModel elsewhere in
/// this target; here it is checked on real text, whose multibyte characters and spaces TinyModel rarely produces.
final class RealModelServerTests: XCTestCase {
    private func completion(_ h: ServerHarness, _ fields: String) throws -> TestClient.Response {
        try h.client().request("POST", "/v1/completions", json: #"{"model":"smollm2",\#(fields)}"#, headers: h.auth)
    }

    private func jsonString(_ s: String) -> String {
        let array = (try? JSONSerialization.data(withJSONObject: [s])) ?? Data("[\"\"]".utf8)
        return String(decoding: array, as: UTF8.self).dropFirst().dropLast().description
    }

    /// SmolLM2 counts on after "1, 2, 3, 4, 5,": a stop string spanning tokens, the text between the 2nd and 3rd comma
    /// of the continuation, cuts it after the 2nd, streamed or not.
    func testStopStringBetweenCommasOfACountingContinuation() throws {
        let h = try ServerHarness.get(.smolLM2)
        let prompt = #""prompt":"1, 2, 3, 4, 5,","max_tokens":12,"temperature":0"#
        let base = try completion(h, prompt)
        XCTAssertEqual(base.status, 200, base.text)
        let text = try XCTUnwrap((base.json["choices"] as? [[String: Any]])?.first?["text"] as? String)
        let parts = text.components(separatedBy: ",")
        guard parts.count > 3 else { return XCTFail("SmolLM2 did not count on: \(text)") }
        let stop = "," + parts[2] + ","
        for stream in [false, true] {
            let r = try completion(h, prompt + #","stream":\#(stream),"stop":[\#(jsonString(stop))]"#)
            var got = ""
            var reason: String?
            if stream {
                for e in r.events.dropLast() {
                    let obj = try JSONSerialization.jsonObject(with: Data(e.utf8)) as? [String: Any]
                    let c = (obj?["choices"] as? [[String: Any]])?.first
                    got += c?["text"] as? String ?? ""
                    reason = c?["finish_reason"] as? String ?? reason
                }
            } else {
                let c = (r.json["choices"] as? [[String: Any]])?.first
                got = c?["text"] as? String ?? ""
                reason = c?["finish_reason"] as? String
            }
            XCTAssertEqual(got, parts[0] + "," + parts[1], "stream \(stream)")
            XCTAssertEqual(reason, "stop")
        }
    }

    /// Streamed and whole answers to a chat request are the same real text at temperature 0.
    func testStreamEqualsNonStreamedOnRealText() throws {
        let h = try ServerHarness.get(.smolLM2)
        let body = #"{"model":"smollm2","messages":[{"role":"user","content":"Name three colors."}],"temperature":0,"max_tokens":40"#
        let full = try h.client().request("POST", "/v1/chat/completions", json: body + "}", headers: h.auth)
        XCTAssertEqual(full.status, 200, full.text)
        let choice = try XCTUnwrap((full.json["choices"] as? [[String: Any]])?.first)
        let content = try XCTUnwrap((choice["message"] as? [String: Any])?["content"] as? String)
        XCTAssertTrue(content.contains(" "), "real words: \(content)")
        let streamed = try h.client().request("POST", "/v1/chat/completions", json: body + #","stream":true}"#, headers: h.auth)
        XCTAssertEqual(streamed.events.last, "[DONE]")
        var text = ""
        for e in streamed.events.dropLast() {
            let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(e.utf8)) as? [String: Any])
            let delta = (obj["choices"] as? [[String: Any]])?.first?["delta"] as? [String: Any]
            text += delta?["content"] as? String ?? ""
        }
        XCTAssertEqual(text, content)
    }

    /// A prompt of SmolLM2 token ids, with legacy logprobs.
    func testCompletionWithSmolLM2TokenIDs() throws {
        let h = try ServerHarness.get(.smolLM2)
        let r = try completion(h, #""prompt":[504, 3575, 282, 4649, 314],"max_tokens":3,"temperature":0,"logprobs":2"#)
        XCTAssertEqual(r.status, 200, r.text)
        let lp = try XCTUnwrap((r.json["choices"] as? [[String: Any]])?.first?["logprobs"] as? [String: Any])
        XCTAssertEqual((lp["tokens"] as? [String])?.count, 3)
        XCTAssertEqual((lp["token_logprobs"] as? [Double])?.count, 3)
    }

    /// Emoji continue byte by byte in SmolLM2's vocabulary, so the alternatives are partial characters.
    func testEmojiLogprobsWriteBrokenCharactersAsBytes() throws {
        let h = try ServerHarness.get(.smolLM2)
        let r = try completion(h, #""prompt":"🙂🙃😉😊😇🥰😍🤩😘","max_tokens":4,"temperature":0,"logprobs":5"#)
        XCTAssertEqual(r.status, 200, r.text)
        let logprobs = try XCTUnwrap((r.json["choices"] as? [[String: Any]])?.first?["logprobs"] as? [String: Any])
        let tops = try XCTUnwrap(logprobs["top_logprobs"] as? [[String: Any]])
        XCTAssertFalse(tops.isEmpty)
        for top in tops { XCTAssertEqual(top.count, 5, "five distinct alternatives: \(top.keys)") }
        let tokens = try XCTUnwrap(logprobs["tokens"] as? [String])
        XCTAssertTrue(tokens.contains { $0.hasPrefix("bytes:") }, "\(tokens)")
    }
}
