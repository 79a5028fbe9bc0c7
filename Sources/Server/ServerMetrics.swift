import CoreMetrics
import Foundation
import Generation
import Prometheus
import Synchronization

/// The server's Prometheus metrics under vLLM's names with the prefix `hearth:`, recorded through swift-metrics
/// handles backed by one swift-prometheus registry per server (no global bootstrap, so tests can run several servers).
public final class ServerMetrics: Sendable {
    // The registry and the swift-metrics handles are thread-safe themselves.
    /// The registry /metrics renders.
    public let registry = PrometheusCollectorRegistry()
    /// The engine totals at the previous scrape, so counters advance by the difference.
    private let lastEngine = Mutex(EngineStats())
    private let httpCounters = Mutex<[Int: CoreMetrics.Counter]>([:])

    private let running, waiting, kvUsage: CoreMetrics.Gauge
    private let promptTokens, generationTokens, preemptions, prefixQueries, prefixHits, toolCallFailures: CoreMetrics.Counter
    private let success: [String: CoreMetrics.Counter]
    let timeToFirstToken, interTokenLatency, e2eLatency, queueTime: CoreMetrics.Timer

    // Buckets from vLLM's metrics.py, so existing dashboards' quantile panels line up.
    static let ttftBuckets = [0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
                              20.0, 40.0, 80.0, 160.0, 640.0, 2560.0]
    static let itlBuckets = [0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0, 20.0, 40.0, 80.0]
    static let latencyBuckets = [0.3, 0.5, 0.8, 1.0, 1.5, 2.0, 2.5, 5.0, 10.0, 15.0, 20.0, 30.0, 40.0, 50.0, 60.0, 120.0,
                                 240.0, 480.0, 960.0, 1920.0, 7680.0]
    /// The finish_reason label values: vLLM's stop, length and abort (client gone or server error).
    static let finishReasons = ["stop", "length", "abort"]

    public init() {
        let registry = registry
        func gauge(_ name: String, _ help: String) -> CoreMetrics.Gauge {
            CoreMetrics.Gauge(label: "hearth:" + name, dimensions: [], aggregate: false,
                              handler: registry.makeGauge(descriptor: Self.descriptor(name, help)))
        }
        func counter(_ name: String, _ help: String, _ labels: [(String, String)] = []) -> CoreMetrics.Counter {
            CoreMetrics.Counter(label: "hearth:" + name, dimensions: labels,
                                handler: registry.makeCounter(descriptor: Self.descriptor(name, help), labels: labels))
        }
        func timer(_ name: String, _ buckets: [Double], _ help: String) -> CoreMetrics.Timer {
            let histogram = registry.makeDurationHistogram(descriptor: Self.descriptor(name, help), labels: [],
                                                           buckets: buckets.map { .nanoseconds(Int64($0 * 1e9)) })
            return CoreMetrics.Timer(label: "hearth:" + name, dimensions: [], handler: histogram)
        }
        running = gauge("num_requests_running", "Requests in the running batch.")
        waiting = gauge("num_requests_waiting", "Requests waiting to be scheduled.")
        kvUsage = gauge("kv_cache_usage_perc", "Fraction of KV-cache blocks in use (0 to 1).")
        promptTokens = counter("prompt_tokens_total", "Prompt tokens processed.")
        generationTokens = counter("generation_tokens_total", "Tokens generated.")
        preemptions = counter("num_preemptions_total", "Requests preempted for KV-cache space.")
        prefixQueries = counter("prefix_cache_queries_total", "Prompt tokens looked up in the prefix cache.")
        prefixHits = counter("prefix_cache_hits_total", "Prompt tokens found in the prefix cache.")
        toolCallFailures = counter("tool_call_parse_failures_total", "Tool calls that did not parse and were returned as content.")
        var success: [String: CoreMetrics.Counter] = [:]
        for reason in Self.finishReasons {
            success[reason] = counter("request_success_total", "Finished requests by finish reason.", [("finish_reason", reason)])
        }
        self.success = success
        timeToFirstToken = timer("time_to_first_token_seconds", Self.ttftBuckets, "Seconds from arrival to the first generated token.")
        interTokenLatency = timer("inter_token_latency_seconds", Self.itlBuckets, "Seconds between consecutive generated tokens.")
        e2eLatency = timer("e2e_request_latency_seconds", Self.latencyBuckets, "Seconds from arrival to the last token.")
        queueTime = timer("request_queue_time_seconds", Self.latencyBuckets, "Seconds a request waited before its first step.")
    }

    /// vLLM's names carry a colon after the prefix, which the descriptor's underscore-joined parts can't express.
    private static func descriptor(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: "hearth:" + name, unitName: "", helpText: help)
    }

    /// Records one finished engine request (one choice of an API request).
    func record(_ summary: GenerationSummary) {
        success[summary.reason.metricLabel]?.increment()
        if summary.failedToolCalls > 0 { toolCallFailures.increment(by: summary.failedToolCalls) }
        if let ttft = summary.firstTokenSeconds { timeToFirstToken.recordSeconds(ttft) }
        e2eLatency.recordSeconds(summary.totalSeconds)
        queueTime.recordSeconds(summary.queueSeconds)
    }

    /// Counts one HTTP response by status code.
    func countResponse(status: Int) {
        let counter = httpCounters.withLock { counters in
            if let c = counters[status] { return c }
            let labels = [("status", String(status))]
            let c = CoreMetrics.Counter(label: "hearth:http_requests_total", dimensions: labels, handler: registry.makeCounter(
                descriptor: Self.descriptor("http_requests_total", "HTTP responses by status code."), labels: labels))
            counters[status] = c
            return c
        }
        counter.increment()
    }

    /// The Prometheus text exposition, after bringing the engine's gauges and counters up to date.
    func render(engine: () -> EngineStats?) -> [UInt8] {
        // The engine keeps running totals; counters advance by what happened since the previous scrape. Reading the
        // stats under the lock keeps two concurrent scrapes from advancing by the same tokens twice.
        lastEngine.withLock { last in
            let stats = engine()
            let s = stats ?? EngineStats()
            if stats != nil {
                advance(promptTokens, s.promptTokens - last.promptTokens)
                advance(generationTokens, s.generationTokens - last.generationTokens)
                advance(preemptions, s.preemptions - last.preemptions)
                advance(prefixQueries, s.prefixCacheQueries - last.prefixCacheQueries)
                advance(prefixHits, s.prefixCacheHits - last.prefixCacheHits)
                last = s
            }
            running.record(s.running)
            waiting.record(s.waiting)
            kvUsage.record(s.kvUsage)
        }
        return registry.emitToBuffer()
    }

    private func advance(_ counter: CoreMetrics.Counter, _ by: Int) {
        if by > 0 { counter.increment(by: by) }
    }
}

extension CoreMetrics.Timer {
    func recordSeconds(_ seconds: Double) {
        recordNanoseconds(Int64(max(0, seconds) * 1e9))
    }
}
