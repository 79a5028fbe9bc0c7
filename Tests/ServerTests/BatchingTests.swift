import Foundation
import TestSupport
import Generation
import HTTP
import Server
import XCTest

/// Continuous batching end to end over HTTP: many clients at once, each as correct as alone.
final class BatchingTests: XCTestCase {
    /// A prompt of roughly `words` words, different for each `seed`.
    static func prompt(words: Int, seed: Int) -> String {
        let vocab = ["river", "stone", "light", "garden", "engine", "quiet", "north", "market", "paper", "winter",
                     "signal", "copper", "forest", "window", "harbor", "music", "number", "silver", "bridge", "candle"]
        var rng = UInt64(seed) &* 0x9E37_79B9_7F4A_7C15 | 1
        var out: [String] = []
        for _ in 0..<words {
            rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17
            out.append(vocab[Int(rng % UInt64(vocab.count))])
        }
        return out.joined(separator: " ")
    }

    static func completionBody(_ prompt: String, maxTokens: Int, stream: Bool) -> String {
        let p = String(decoding: try! JSONSerialization.data(withJSONObject: [prompt]), as: UTF8.self).dropFirst().dropLast()
        return #"{"model":"smollm2","prompt":\#(p),"max_tokens":\#(maxTokens),"temperature":0,"stream":\#(stream),"ignore_eos":true}"#
    }

    static func streamedText(_ r: TestClient.Response) throws -> String {
        var text = ""
        for e in r.events.dropLast() {
            let obj = try JSONSerialization.jsonObject(with: Data(e.utf8)) as? [String: Any]
            text += ((obj?["choices"] as? [[String: Any]])?.first?["text"] as? String) ?? ""
        }
        return text
    }

    /// A second server on the shared weights, with its own engine configuration.
    static func server(_ configure: (inout EngineConfiguration) -> Void) throws -> (Engine, HTTPServer) {
        let base = try XCTUnwrap(try ServerHarness.get().api.model)
        var config = EngineConfiguration(blockCount: 2048)
        configure(&config)
        let engine = try Engine(weights: base.engine.weights, tokenizer: base.engine.tokenizer, configuration: config)
        engine.start()
        let api = OpenAIServer(options: ServerOptions(modelID: "smollm2"))
        api.setModel(ServedModel(engine: engine, prompt: base.prompt))
        let http = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: 0), handler: api.handler)
        try http.start()
        return (engine, http)
    }

    func testThirtyTwoConcurrentStreamsMatchSoloRuns() throws {
        // No prefix cache: the batched pass must prefill every prompt beside the others, in chunks.
        let (engine, http) = try Self.server { $0.prefixCaching = false }
        defer { http.shutdown(drainTimeout: .seconds(1)); engine.stop() }
        // Prompt lengths from ~40 to ~1,500 tokens, most of them short (TinyModel's vocabulary spends ~5 tokens a word).
        let prompts = (0..<32).map { Self.prompt(words: 8 + $0 * $0 * 300 / (31 * 31), seed: $0) }
        let solo = try prompts.map { p -> String in
            let r = try TestClient(port: http.port).request("POST", "/v1/completions", json: Self.completionBody(p, maxTokens: 16, stream: false))
            XCTAssertEqual(r.status, 200, r.text)
            return (r.json["choices"] as? [[String: Any]])?.first?["text"] as? String ?? ""
        }
        let results = Mutex([String?](repeating: nil, count: prompts.count))
        let port = http.port
        runConcurrently(prompts.count) { i in
            let r = try? TestClient(port: port).request("POST", "/v1/completions", json: Self.completionBody(prompts[i], maxTokens: 16, stream: true))
            let text = r.flatMap { try? Self.streamedText($0) }
            results.withLock { $0[i] = text }
        }
        let got = results.withLock { $0 }
        for i in 0..<prompts.count {
            XCTAssertEqual(got[i], solo[i], "stream \(i) differs from its solo run")
        }
        XCTAssertGreaterThan(engine.stats.steps, 0)
    }

    func testSharedSystemPromptIsComputedOnce() throws {
        let h = try ServerHarness.get()
        let system = Self.prompt(words: 600, seed: 999)
        @Sendable func body(_ i: Int) -> String {
            #"{"model":"smollm2","messages":[{"role":"system","content":"\#(system)"},{"role":"user","content":"Question \#(i)?"}],"max_tokens":2,"temperature":0}"#
        }
        XCTAssertEqual(try h.client().request("POST", "/v1/chat/completions", json: body(0), headers: h.auth).status, 200)
        let before = h.engine.stats
        runConcurrently(16) { i in
            _ = try? h.client().request("POST", "/v1/chat/completions", json: body(i + 1), headers: h.auth)
        }
        let after = h.engine.stats
        let hits = after.prefixCacheHits - before.prefixCacheHits
        // Each of the 16 finds the ~600-token system prompt (whole 16-token blocks of it) in the cache.
        XCTAssertGreaterThanOrEqual(hits, 16 * 500, "prefix-cache hits \(hits)")
        XCTAssertTrue(h.waitIdle())
    }

    func testThousandRequestsWithRandomDisconnectsLeakNothing() throws {
        let h = try ServerHarness.get()
        let done = Mutex(0)
        runConcurrently(16) { worker in
            var rng = UInt64(worker + 1) &* 0x2545_F491_4F6C_DD1D
            for i in 0..<(1000 / 16 + (worker < 1000 % 16 ? 1 : 0)) {
                rng ^= rng << 13; rng ^= rng >> 7; rng ^= rng << 17
                let body = Self.completionBody(Self.prompt(words: 5 + Int(rng % 60), seed: worker * 1000 + i), maxTokens: 6, stream: rng % 2 == 0)
                guard let c = try? h.client() else { continue }
                c.send("POST /v1/completions HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer \(ServerHarness.apiKey)\r\nContent-Type: application/json\r\nContent-Length: \(body.utf8.count)\r\n\r\n\(body)")
                switch rng % 4 {
                case 0: break                                  // hang up at once
                case 1: usleep(UInt32(rng % 40_000))           // hang up somewhere mid-request
                default: _ = try? c.readResponse()              // read it all
                }
                done.withLock { $0 += 1 }
            }
        }
        XCTAssertEqual(done.withLock { $0 }, 1000)
        XCTAssertTrue(h.waitIdle(seconds: 60), "not idle: \(h.engine.stats)")
        let s = h.engine.stats
        XCTAssertEqual(s.usedBlocks, 0, "leaked blocks")
        XCTAssertEqual(s.running + s.waiting, 0)
        XCTAssertEqual(s.freeBlocks, s.totalBlocks, "every block free (cached ones included)")
    }

    func testBurstBeyondQueueGets429AndAdmittedRequestsComplete() throws {
        // Room for 2 running and 2 waiting requests.
        let (engine, http) = try Self.server {
            $0.maxSequences = 2
            $0.maxWaiting = 2
        }
        defer { http.shutdown(drainTimeout: .seconds(1)); engine.stop() }
        let statuses = Mutex([Int: Int]())
        let retryAfter = Mutex(Set<String>())
        // Long enough that the admitted requests are still running when the whole burst has arrived.
        let maxTokens = 500
        runConcurrently(24) { i in
            guard let r = try? TestClient(port: http.port).request("POST", "/v1/completions",
                                                                    json: Self.completionBody("Count: \(i)", maxTokens: maxTokens, stream: false)) else { return }
            statuses.withLock { $0[r.status, default: 0] += 1 }
            if r.status == 429 {
                _ = retryAfter.withLock { $0.insert(r.headers["retry-after"] ?? "missing") }
                XCTAssertEqual((r.json["error"] as? [String: Any])?["code"] as? String, "rate_limit_exceeded")
            } else {
                XCTAssertEqual(r.status, 200, r.text)
                XCTAssertEqual(((r.json["usage"] as? [String: Any])?["completion_tokens"] as? Int), maxTokens)
            }
        }
        let s = statuses.withLock { $0 }
        XCTAssertGreaterThan(s[429] ?? 0, 0, "\(s)")
        // Admission runs on the engine thread before each step, so at least the two waiting slots fill before
        // anything is refused; how many more get in depends on when the running ones finish.
        XCTAssertGreaterThanOrEqual(s[200] ?? 0, 2, "\(s)")
        XCTAssertEqual((s[429] ?? 0) + (s[200] ?? 0), 24, "\(s)")
        XCTAssertFalse(retryAfter.withLock { $0 }.contains("missing"))
    }
}
