import Foundation
import Generation
import HTTP
import Logging
import OpenAI
import Synchronization

/// The OpenAI-compatible HTTP API: routing, auth, CORS, health and the model list; generation routes live in extensions.
public final class OpenAIServer: Sendable {
    public let options: ServerOptions
    let verifier: APIKeyVerifier?
    let created = OpenAIJSON.now()
    /// The Prometheus metrics /metrics renders.
    public let metrics = ServerMetrics()
    /// Set once by the loading thread, read by connection threads.
    private let loaded = Mutex<ServedModel?>(nil)

    public init(options: ServerOptions) {
        self.options = options
        verifier = options.apiKeys.isEmpty ? nil : APIKeyVerifier(keys: options.apiKeys)
    }

    /// Makes the model available; until then /health answers 503 and generation routes 503.
    public func setModel(_ model: ServedModel) {
        loaded.withLock { $0 = model }
    }

    /// The loaded model, if any.
    public var model: ServedModel? {
        loaded.withLock { $0 }
    }

    /// The HTTP handler to give `HTTPServer`.
    public var handler: HTTPHandler {
        { [self] request, stream in try handle(request, stream) }
    }

    /// OpenAI-shaped bodies for the errors the HTTP layer answers itself (431, 413, 408, 503 …).
    public static let errorResponder: HTTPErrorResponder = { status, message in
        let type = status.code >= 500 ? "server_error" : "invalid_request_error"
        let error = OpenAIError(status: status.code, message: message, type: type)
        return HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: Array(error.jsonData))
    }

    /// `errorResponder` that also counts the response in `hearth:http_requests_total`.
    public var countingErrorResponder: HTTPErrorResponder {
        { [metrics] status, message in
            metrics.countResponse(status: status.code)
            return OpenAIServer.errorResponder(status, message)
        }
    }

    /// Routes one request, then adds CORS headers and counts the response by status.
    func handle(_ request: HTTPRequest, _ stream: HTTPStream) throws -> HTTPHandlerResult {
        let start = ContinuousClock.now
        let cors = allowedOrigin(request.headers["Origin"])
        var logged = false
        var result = try route(request, stream, cors: cors, logged: &logged)
        let status: Int
        if case .response(let r) = result {
            result = .response(withCORS(r, origin: cors))
            status = r.status.code
        } else {
            status = 200
        }
        metrics.countResponse(status: status)
        if !logged {
            // Probes and scrapes every few seconds would drown the request lines: successes only at debug level.
            let ms = Double((ContinuousClock.now - start).nanoseconds) / 1e6
            options.logger.log(level: status >= 400 ? .info : .debug, "request", metadata: [
                "method": .string(request.method), "route": .string(request.path), "status": .stringConvertible(status),
                "total_ms": .stringConvertible((ms * 10).rounded() / 10),
            ])
        }
        return result
    }

    /// The Access-Control-Allow-Origin value for a request's Origin: `*`, the one configured origin, or the
    /// request's own origin when it is one of several configured.
    func allowedOrigin(_ origin: String?) -> String? {
        let allowed = options.corsOrigins
        if allowed.contains("*") { return "*" }
        if allowed.count == 1 { return allowed[0] }
        guard let origin, allowed.contains(origin) else { return nil }
        return origin
    }

    private func route(_ request: HTTPRequest, _ stream: HTTPStream, cors: String?, logged: inout Bool) throws -> HTTPHandlerResult {
        if request.method == "OPTIONS", !options.corsOrigins.isEmpty {
            return .response(HTTPResponse(status: 204, headers: [
                "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
                "Access-Control-Allow-Headers": request.headers["Access-Control-Request-Headers"] ?? "Authorization, Content-Type",
                "Access-Control-Max-Age": "600",
            ]))
        }
        let path = request.path.count > 1 && request.path.hasSuffix("/") ? String(request.path.dropLast()) : request.path
        let route = Route(method: request.method, path: path)
        switch route {
        case .notFound:
            return .response(error(.notFound(path, method: request.method)))
        case .methodNotAllowed(let allowed):
            var r = error(.methodNotAllowed(request.method, path))
            r.headers.add(name: "Allow", value: allowed)
            return .response(r)
        default:
            break
        }
        if route.needsAuth(metricsRequireAuth: options.metricsRequireAuth), let verifier,
           !verifier.verify(authorizationHeader: request.headers["Authorization"]) {
            return .response(error(.authentication(keyProvided: request.headers["Authorization"] != nil)))
        }
        switch route {
        case .health: return .response(health())
        case .metrics: return .response(metricsResponse())
        case .models: return .response(json(ModelList(data: options.servedNames.map(modelObject)).jsonData))
        case .model(let id):
            guard options.servedNames.contains(id) else { return .response(error(.modelNotFound(id))) }
            return .response(json(modelObject(id).jsonData))
        case .chatCompletions, .completions:
            let record = RequestRecord(id: RequestRecord.clientID(request.headers["X-Request-Id"]), corsOrigin: cors,
                                       captureContent: options.logContent)
            var result = route == .chatCompletions ? try chatCompletions(request, stream, record) : try completions(request, stream, record)
            log(record, route: path, result: result)
            logged = true
            if case .response(var r) = result {
                r.headers.add(name: "X-Request-Id", value: record.id)
                result = .response(r)
            }
            return result
        case .notFound, .methodNotAllowed: return .response(error(.notFound(path)))
        }
    }

    /// One line per generation request (id, route, status, tokens, queue time, TTFT, total time, finish reason),
    /// and the request's metrics.
    private func log(_ r: RequestRecord, route: String, result: HTTPHandlerResult) {
        let summaries = r.choices.compactMap(\.summary)
        summaries.forEach(metrics.record)
        let status: Logger.MetadataValue
        switch (r.ending, result) {
        case (.shutdown?, _): status = "shutdown"
        case (.clientClosed?, _): status = "client-closed"
        case (nil, .response(let response)): status = .stringConvertible(response.status.code)
        case (nil, .streamed): status = summaries.count == r.choices.count ? .stringConvertible(200) : "client-closed"
        }
        func ms(_ s: Double?) -> Logger.MetadataValue { s.map { .stringConvertible(($0 * 10_000).rounded() / 10) } ?? "-" }
        let first = summaries.first
        let reasons = summaries.map(\.reason.logLabel)
        var fields: Logger.Metadata = [
            "id": .string(r.id), "method": "POST", "route": .string(route), "status": status,
            "prompt_tokens": .stringConvertible(first?.promptTokens ?? 0),
            "completion_tokens": .stringConvertible(summaries.reduce(0) { $0 + $1.completionTokens }),
            "cached_tokens": .stringConvertible(first?.cachedTokens ?? 0),
            "queue_ms": ms(first?.queueSeconds), "ttft_ms": ms(first?.firstTokenSeconds), "engine_ms": ms(first?.totalSeconds),
            "total_ms": ms((ContinuousClock.now - r.start).seconds), "finish": .string(reasons.isEmpty ? "-" : reasons.joined(separator: ",")),
        ]
        if options.logContent {
            fields["prompt"] = .string(r.prompt ?? "")
            fields["output"] = r.choices.count == 1 ? .string(r.choices[0].content) : .array(r.choices.map { .string($0.content) })
        }
        options.logger.info("request", metadata: fields)
    }

    private func modelObject(_ id: String) -> ModelObject { ModelObject(id: id, created: created) }

    private func health() -> HTTPResponse {
        model == nil ? json(Data(#"{"status":"loading"}"#.utf8), status: 503) : json(Data(#"{"status":"ok"}"#.utf8))
    }

    // MARK: - Responses

    func json(_ data: Data, status: HTTPStatus = .ok) -> HTTPResponse {
        HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: Array(data))
    }

    func error(_ e: OpenAIError) -> HTTPResponse {
        var r = json(e.jsonData, status: HTTPStatus(code: e.status))
        if let retry = e.retryAfter { r.headers.add(name: "Retry-After", value: String(retry)) }
        return r
    }

    func withCORS(_ response: HTTPResponse, origin: String?) -> HTTPResponse {
        guard let origin else { return response }
        var r = response
        for (name, value) in Self.corsHeaders(origin) { r.headers.add(name: name, value: value) }
        return r
    }

    static func corsHeaders(_ origin: String?) -> [(String, String)] {
        guard let origin else { return [] }
        return origin == "*" ? [("Access-Control-Allow-Origin", origin)] : [("Access-Control-Allow-Origin", origin), ("Vary", "Origin")]
    }

    /// The loaded model, or the 503 a generation route answers while loading.
    func requireModel() throws(OpenAIError) -> ServedModel {
        guard let m = model else { throw OpenAIError.unavailable("The model is still loading.", retryAfter: 5) }
        return m
    }

    /// The model name check every generation route makes; a request without `model` gets the served model, as
    /// llama-server and vLLM do.
    func checkModelName(_ name: String?) throws(OpenAIError) -> String {
        guard let name else { return options.modelID }
        guard options.servedNames.contains(name) else { throw OpenAIError.modelNotFound(name) }
        return name
    }
}

/// The routes the server knows, matched from method and path.
enum Route: Equatable {
    case health, metrics, models, model(String), chatCompletions, completions
    case notFound
    case methodNotAllowed(String)

    init(method: String, path: String) {
        let get: Route?, post: Route?
        switch path {
        case "/health", "/v1/health": (get, post) = (.health, nil)
        case "/metrics": (get, post) = (.metrics, nil)
        case "/v1/models": (get, post) = (.models, nil)
        case "/v1/chat/completions": (get, post) = (nil, .chatCompletions)
        case "/v1/completions": (get, post) = (nil, .completions)
        default:
            if path.hasPrefix("/v1/models/"), path.count > "/v1/models/".count {
                (get, post) = (.model(String(path.dropFirst("/v1/models/".count)).removingPercentEncoding ?? ""), nil)
            } else {
                self = .notFound
                return
            }
        }
        switch method {
        case "GET", "HEAD": self = get ?? .methodNotAllowed("POST")
        case "POST": self = post ?? .methodNotAllowed("GET")
        default: self = .methodNotAllowed(get != nil ? "GET" : "POST")
        }
    }

    func needsAuth(metricsRequireAuth: Bool) -> Bool {
        switch self {
        case .health: false
        case .metrics: metricsRequireAuth
        default: true
        }
    }
}
