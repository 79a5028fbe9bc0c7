import Foundation
import HTTP
import Inference
import Logging
@testable import Server
import TestSupport
import XCTest

/// Request log lines (text and JSON, with and without content) and the Prometheus metrics, over real sockets.
final class ObservabilityTests: XCTestCase {
    /// A second API server on the shared engine whose log lines land in `lines`.
    private func loggingServer(format: LogFormat, logContent: Bool, lines: Mutex<[String]>) throws -> HTTPServer {
        let h = try ServerHarness.get()
        var options = ServerOptions(modelID: "smollm2")
        options.logger = Logger(label: "hearth") { label in
            HearthLogHandler(label: label, level: .info, format: format, sink: LogSink(capture: { line in lines.withLock { $0.append(line) } }))
        }
        options.logContent = logContent
        let api = OpenAIServer(options: options)
        api.setModel(try XCTUnwrap(h.api.model))
        var config = HTTPServerConfiguration(host: "127.0.0.1", port: 0)
        config.errorResponder = api.countingErrorResponder
        let server = HTTPServer(configuration: config, handler: api.handler)
        try server.start()
        return server
    }

    private let secret = "The purple llama sings at midnight."

    private func chat(port: Int, stream: Bool = false) throws -> TestClient.Response {
        try TestClient(port: port).request("POST", "/v1/chat/completions", json: """
            {"model":"smollm2","messages":[{"role":"user","content":"\(secret)"}],"temperature":0,"max_tokens":5,"stream":\(stream)}
            """)
    }

    func testJSONRequestLineHasEveryFieldAndNoContent() throws {
        let lines = Mutex<[String]>([])
        let server = try loggingServer(format: .json, logContent: false, lines: lines)
        defer { server.shutdown(drainTimeout: .zero); server.waitUntilStopped() }
        XCTAssertEqual(try chat(port: server.port).status, 200)
        XCTAssertEqual(try chat(port: server.port, stream: true).status, 200)

        // The line is written when the handler returns, just after the client has read the last byte.
        let deadline = Date(timeIntervalSinceNow: 5)
        while lines.withLock({ $0.count }) < 2 && Date() < deadline { usleep(10_000) }
        let logged = lines.withLock { $0 }
        XCTAssertEqual(logged.count, 2, "\(logged)")
        for line in logged {
            XCTAssertTrue(line.hasSuffix("\n") && !line.dropLast().contains("\n"), "one line each: \(line)")
            let obj = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any], line)
            XCTAssertEqual(obj["message"] as? String, "request")
            XCTAssertEqual(obj["level"] as? String, "info")
            XCTAssertTrue((obj["id"] as? String)?.hasPrefix("req-") ?? false, line)
            XCTAssertEqual(obj["route"] as? String, "/v1/chat/completions")
            XCTAssertEqual(obj["status"] as? Int, 200)
            XCTAssertGreaterThan(obj["prompt_tokens"] as? Int ?? 0, 5)
            XCTAssertEqual(obj["completion_tokens"] as? Int, 5)
            XCTAssertEqual(obj["finish"] as? String, "length")
            for key in ["queue_ms", "ttft_ms", "total_ms"] {
                XCTAssertGreaterThanOrEqual(obj[key] as? Double ?? -1, 0, "\(key) in \(line)")
            }
            XCTAssertNotNil(obj["time"] as? String)
            XCTAssertNil(obj["prompt"])
            XCTAssertNil(obj["output"])
            XCTAssertFalse(line.contains("purple llama"), "the prompt must not be logged by default")
        }
    }

    func testRequestIDIsInTheHeaderAndTheLogLine() throws {
        let lines = Mutex<[String]>([])
        let server = try loggingServer(format: .json, logContent: false, lines: lines)
        defer { server.shutdown(drainTimeout: .zero); server.waitUntilStopped() }
        let body = #"{"model":"smollm2","messages":[{"role":"user","content":"Hi"}],"max_tokens":2"#
        let own = try TestClient(port: server.port).request("POST", "/v1/chat/completions", json: body + "}",
                                                              headers: ["X-Request-Id": "proxy-7f3a"])
        let streamed = try TestClient(port: server.port).request("POST", "/v1/chat/completions", json: body + #","stream":true}"#)
        let junk = try TestClient(port: server.port).request("POST", "/v1/chat/completions", json: body + "}",
                                                               headers: ["X-Request-Id": "a\"b"])
        XCTAssertEqual(own.headers["x-request-id"], "proxy-7f3a")
        let generated = try XCTUnwrap(streamed.headers["x-request-id"])
        XCTAssertTrue(generated.hasPrefix("req-"), generated)
        XCTAssertTrue(junk.headers["x-request-id"]?.hasPrefix("req-") ?? false, "an unsafe id is replaced")

        let deadline = Date(timeIntervalSinceNow: 5)
        while lines.withLock({ $0.count }) < 3 && Date() < deadline { usleep(10_000) }
        let ids = try lines.withLock { $0 }.map { line in
            try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])["id"] as? String
        }
        XCTAssertEqual(Set(ids), Set(["proxy-7f3a", generated, junk.headers["x-request-id"]]))
    }

    func testLogContentAddsPromptAndOutputToTextLines() throws {
        let lines = Mutex<[String]>([])
        let server = try loggingServer(format: .text, logContent: true, lines: lines)
        defer { server.shutdown(drainTimeout: .zero); server.waitUntilStopped() }
        let response = try chat(port: server.port)
        XCTAssertEqual(response.status, 200)
        let output = try XCTUnwrap(((response.json["choices"] as? [[String: Any]])?.first?["message"] as? [String: Any])?["content"] as? String)

        let line = try XCTUnwrap(lines.withLock { $0.first })
        XCTAssertTrue(line.contains(" info hearth: request id=req-"), line)
        XCTAssertTrue(line.contains(" method=POST route=/v1/chat/completions"), line)
        XCTAssertTrue(line.contains(" route=/v1/chat/completions status=200 prompt_tokens="), line)
        XCTAssertTrue(line.contains(" completion_tokens=5 "), line)
        XCTAssertTrue(line.contains(" finish=length"), line)
        XCTAssertTrue(line.contains("purple llama sings"), "prompt logged with --log-content: \(line)")
        // Quoted when it holds a space, quote, '=' or newline, bare otherwise (TinyModel's few tokens may hold none).
        XCTAssertTrue(line.contains("output=" + JSONText.string(output)) || line.contains("output=\(output) "),
                      "output logged with --log-content: \(line)")
    }

    /// `hearth:name{labels}` → value, from the text exposition.
    private func scrape(_ h: ServerHarness) throws -> [String: Double] {
        let r = try h.client().request("GET", "/metrics")
        XCTAssertEqual(r.status, 200)
        XCTAssertTrue(r.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") ?? false)
        var samples: [String: Double] = [:]
        for line in r.text.split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " "), let v = Double(line[line.index(after: space)...]) else {
                XCTFail("unparsable sample: \(line)")
                continue
            }
            samples[String(line[..<space])] = v
        }
        return samples
    }

    func testMetricsMoveUnderLoadAndGaugesReturnToZero() throws {
        let h = try ServerHarness.get()
        XCTAssertTrue(h.waitIdle())
        let before = try scrape(h)
        let requests = 4, maxTokens = 6
        runConcurrently(requests) { _ in
            let r = try? h.client().request("POST", "/v1/chat/completions", json: """
                {"model":"smollm2","messages":[{"role":"user","content":"Count to ten."}],"temperature":0,"max_tokens":\(maxTokens),"ignore_eos":true}
                """, headers: h.auth)
            XCTAssertEqual(r?.status, 200, r?.text ?? "no response")
        }
        XCTAssertEqual(try h.client().request("GET", "/nope", headers: h.auth).status, 404)
        XCTAssertTrue(h.waitIdle())
        let after = try scrape(h)
        func delta(_ key: String) -> Double { (after[key] ?? 0) - (before[key] ?? 0) }

        XCTAssertEqual(delta(#"hearth:request_success_total{finish_reason="length"}"#), Double(requests))
        XCTAssertEqual(delta("hearth:generation_tokens_total"), Double(requests * maxTokens))
        XCTAssertGreaterThanOrEqual(delta("hearth:prompt_tokens_total"), Double(requests * 5))
        XCTAssertEqual(delta("hearth:time_to_first_token_seconds_count"), Double(requests))
        XCTAssertEqual(delta("hearth:e2e_request_latency_seconds_count"), Double(requests))
        XCTAssertEqual(delta("hearth:request_queue_time_seconds_count"), Double(requests))
        XCTAssertEqual(delta("hearth:inter_token_latency_seconds_count"), Double(requests * (maxTokens - 1)))
        XCTAssertGreaterThan(delta("hearth:e2e_request_latency_seconds_sum"), 0)
        XCTAssertEqual(after[#"hearth:e2e_request_latency_seconds_bucket{le="+Inf"}"#], after["hearth:e2e_request_latency_seconds_count"])
        XCTAssertGreaterThanOrEqual(delta(#"hearth:http_requests_total{status="200"}"#), Double(requests))
        XCTAssertEqual(delta(#"hearth:http_requests_total{status="404"}"#), 1)
        XCTAssertGreaterThan(delta("hearth:prefix_cache_queries_total"), 0)
        for gauge in ["hearth:num_requests_running", "hearth:num_requests_waiting", "hearth:kv_cache_usage_perc"] {
            XCTAssertEqual(after[gauge], 0, gauge)
        }
    }
}
