import HTTP

/// GET /metrics: Prometheus text format under vLLM's metric names with the prefix `hearth:`.
extension OpenAIServer {
    func metricsResponse() -> HTTPResponse {
        HTTPResponse(status: .ok, headers: ["Content-Type": "text/plain; version=0.0.4; charset=utf-8"],
                     body: metrics.render(engine: { model?.engine.stats }))
    }
}
