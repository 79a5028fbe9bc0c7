import Foundation
import XCTest

/// End to end over real sockets: the OpenAI routes (on TinyModel; ServerHarness).
final class ChatCompletionsTests: XCTestCase {
    func chatBody(_ content: String, extra: String = "") -> String {
        #"{"model":"smollm2","messages":[{"role":"user","content":\#(jsonString(content))}],"temperature":0\#(extra)}"#
    }

    func jsonString(_ s: String) -> String {
        String(decoding: try! JSONSerialization.data(withJSONObject: [s], options: []), as: UTF8.self).dropFirst().dropLast().description
    }

    func testStreamEqualsNonStreamedAtTemperatureZero() throws {
        let h = try ServerHarness.get()
        let full = try h.client().request("POST", "/v1/chat/completions", json: chatBody("Name three colors.", extra: #","max_tokens":40"#), headers: h.auth)
        XCTAssertEqual(full.status, 200, full.text)
        let json = full.json
        XCTAssertEqual(json["object"] as? String, "chat.completion")
        XCTAssertTrue((json["id"] as? String)?.hasPrefix("chatcmpl-") ?? false)
        XCTAssertEqual(json["model"] as? String, "smollm2")
        let choice = try XCTUnwrap((json["choices"] as? [[String: Any]])?.first)
        let message = try XCTUnwrap(choice["message"] as? [String: Any])
        XCTAssertEqual(message["role"] as? String, "assistant")
        let content = try XCTUnwrap(message["content"] as? String)
        XCTAssertFalse(content.isEmpty)
        let usage = try XCTUnwrap(json["usage"] as? [String: Any])
        let completionTokens = try XCTUnwrap(usage["completion_tokens"] as? Int)
        XCTAssertEqual(usage["total_tokens"] as? Int, (usage["prompt_tokens"] as? Int ?? 0) + completionTokens)

        let streamed = try h.client().request("POST", "/v1/chat/completions",
                                              json: chatBody("Name three colors.", extra: #","max_tokens":40,"stream":true,"stream_options":{"include_usage":true}"#),
                                              headers: h.auth)
        XCTAssertEqual(streamed.status, 200)
        XCTAssertTrue(streamed.headers["content-type"]?.hasPrefix("text/event-stream") ?? false)
        let events = streamed.events
        XCTAssertEqual(events.last, "[DONE]")
        var text = ""
        var roles: [String] = []
        var finish: [String] = []
        var streamUsage: [String: Any]?
        for e in events.dropLast() {
            let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(e.utf8)) as? [String: Any])
            XCTAssertEqual(obj["object"] as? String, "chat.completion.chunk")
            let choices = obj["choices"] as? [[String: Any]] ?? []
            if choices.isEmpty { streamUsage = obj["usage"] as? [String: Any]; continue }
            let delta = choices[0]["delta"] as? [String: Any] ?? [:]
            if let r = delta["role"] as? String { roles.append(r) }
            text += delta["content"] as? String ?? ""
            if let f = choices[0]["finish_reason"] as? String { finish.append(f) }
        }
        XCTAssertEqual(text, content)
        XCTAssertEqual(roles, ["assistant"])
        XCTAssertEqual(finish.count, 1)
        XCTAssertEqual(finish.first, choice["finish_reason"] as? String)
        XCTAssertEqual(streamUsage?["completion_tokens"] as? Int, completionTokens)
    }

    func testMaxTokensGivesLengthAndExactUsage() throws {
        let h = try ServerHarness.get()
        let r = try h.client().request("POST", "/v1/chat/completions", json: chatBody("Write a long story about a dragon.", extra: #","max_tokens":7"#), headers: h.auth)
        XCTAssertEqual(r.status, 200)
        let choice = (r.json["choices"] as? [[String: Any]])?.first
        XCTAssertEqual(choice?["finish_reason"] as? String, "length")
        XCTAssertEqual((r.json["usage"] as? [String: Any])?["completion_tokens"] as? Int, 7)
    }

    func testStopStringsAreCut() throws {
        let h = try ServerHarness.get()
        let base = try h.client().request("POST", "/v1/completions",
                                          json: #"{"model":"smollm2","prompt":"1, 2, 3, 4, 5,","max_tokens":12,"temperature":0,"logprobs":0}"#, headers: h.auth)
        XCTAssertEqual(base.status, 200, base.text)
        let choice = try XCTUnwrap((base.json["choices"] as? [[String: Any]])?.first)
        let text = try XCTUnwrap(choice["text"] as? String)
        let pieces = try XCTUnwrap((choice["logprobs"] as? [String: Any])?["tokens"] as? [String])
        // A stop string that spans tokens: two adjacent tokens of the continuation after its first, both printable
        // ASCII (the model's own text; SmolLM2 counting at commas: RealModelServerTests). Cut before its first match.
        // (Pieces that are not whole characters come as "bytes:\x..".)
        let printable = { (p: String) in !p.isEmpty && !p.hasPrefix("bytes:") && p.utf8.allSatisfy { (0x20...0x7E).contains($0) } }
        let k = try XCTUnwrap((1..<max(1, pieces.count - 1)).first { printable(pieces[$0]) && printable(pieces[$0 + 1]) }, "\(pieces)")
        let stop = pieces[k] + pieces[k + 1]
        let expected = String(text[..<(try XCTUnwrap(text.range(of: stop))).lowerBound])
        for stream in [false, true] {
            let r = try h.client().request("POST", "/v1/completions",
                                           json: #"{"model":"smollm2","prompt":"1, 2, 3, 4, 5,","max_tokens":12,"temperature":0,"stream":\#(stream),"stop":[\#(jsonString(stop))]}"#,
                                           headers: h.auth)
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
            XCTAssertEqual(got, expected, "stream \(stream)")
            XCTAssertEqual(reason, "stop")
        }
    }

    func testModelsAndHealth() throws {
        let h = try ServerHarness.get()
        let health = try h.client().request("GET", "/health")
        XCTAssertEqual(health.status, 200)
        XCTAssertEqual(health.text, #"{"status":"ok"}"#)
        let models = try h.client().request("GET", "/v1/models", headers: h.auth)
        XCTAssertEqual(models.status, 200)
        XCTAssertEqual(models.json["object"] as? String, "list")
        XCTAssertEqual((models.json["data"] as? [[String: Any]])?.compactMap { $0["id"] as? String }, ["smollm2", "smol"])
        let one = try h.client().request("GET", "/v1/models/smol", headers: h.auth)
        XCTAssertEqual(one.json["id"] as? String, "smol")
        XCTAssertEqual(one.json["object"] as? String, "model")
        let cors = try h.client().request("OPTIONS", "/v1/chat/completions", headers: ["Origin": "https://chat.example", "Access-Control-Request-Method": "POST"])
        XCTAssertEqual(cors.status, 204)
        XCTAssertEqual(cors.headers["access-control-allow-origin"], "https://chat.example")
    }

    func testCompletionWithTokenIDsAndLogprobs() throws {
        let h = try ServerHarness.get()
        let r = try h.client().request("POST", "/v1/completions",
                                       json: #"{"model":"smol","prompt":[72, 105, 44, 258, 268],"max_tokens":3,"temperature":0,"logprobs":2}"#, headers: h.auth)
        XCTAssertEqual(r.status, 200, r.text)
        let c = try XCTUnwrap((r.json["choices"] as? [[String: Any]])?.first)
        let lp = try XCTUnwrap(c["logprobs"] as? [String: Any])
        XCTAssertEqual((lp["tokens"] as? [String])?.count, 3)
        XCTAssertEqual((lp["token_logprobs"] as? [Double])?.count, 3)
        let chat = try h.client().request("POST", "/v1/chat/completions",
                                          json: chatBody("Hi", extra: #","max_tokens":2,"logprobs":true,"top_logprobs":3"#), headers: h.auth)
        let content = (((chat.json["choices"] as? [[String: Any]])?.first?["logprobs"] as? [String: Any])?["content"] as? [[String: Any]]) ?? []
        XCTAssertEqual(content.count, 2)
        XCTAssertEqual((content.first?["top_logprobs"] as? [[String: Any]])?.count, 3)
        XCTAssertNotNil(content.first?["bytes"] as? [Int])
        let top = content.first?["top_logprobs"] as? [[String: Any]] ?? []
        XCTAssertEqual(top.first?["logprob"] as? Double, content.first?["logprob"] as? Double, "greedy picks the most likely token")
    }
}
