import Foundation
import HTTP

/// GET /metrics: the engine's counters in Prometheus text format, under vLLM's names with the prefix `hearth:`.
extension OpenAIServer {
    func metrics() -> HTTPResponse {
        var lines: [String] = []
        func metric(_ name: String, _ type: String, _ help: String, _ value: Double) {
            lines.append("# HELP hearth:\(name) \(help)")
            lines.append("# TYPE hearth:\(name) \(type)")
            lines.append("hearth:\(name) \(value)")
        }
        let s = model?.engine.stats
        metric("num_requests_running", "gauge", "Requests in the running batch.", Double(s?.running ?? 0))
        metric("num_requests_waiting", "gauge", "Requests waiting to be scheduled.", Double(s?.waiting ?? 0))
        metric("kv_cache_usage_perc", "gauge", "Fraction of KV-cache blocks in use (0 to 1).", s?.kvUsage ?? 0)
        metric("prompt_tokens_total", "counter", "Prompt tokens admitted.", Double(s?.promptTokens ?? 0))
        metric("generation_tokens_total", "counter", "Tokens generated.", Double(s?.generationTokens ?? 0))
        metric("num_preemptions_total", "counter", "Requests preempted for KV-cache space.", Double(s?.preemptions ?? 0))
        metric("prefix_cache_queries_total", "counter", "Prompt tokens looked up in the prefix cache.", Double(s?.prefixCacheQueries ?? 0))
        metric("prefix_cache_hits_total", "counter", "Prompt tokens found in the prefix cache.", Double(s?.prefixCacheHits ?? 0))
        var r = HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
                             body: Array((lines.joined(separator: "\n") + "\n").utf8))
        r = withCORS(r)
        return r
    }
}
