import Foundation
import HTTP
import OpenAI

/// Checks made on a request's head before its body is read: one `Authorization` header, an allowed `Host`, an
/// allowed `Origin`, and the API key. A refused request costs no body read and no handler.
extension OpenAIServer {
    /// The hook to give `HTTPServerConfiguration.headFilter`.
    public var headFilter: @Sendable (HTTPRequest) -> HTTPResponse? {
        { [self] request in
            guard let refusal = checkHead(request) else { return nil }
            let response = withCORS(error(refusal), origin: allowedOrigin(request.headers["Origin"]))
            metrics.countResponse(status: refusal.status)
            options.logger.info("request", metadata: [
                "method": .string(request.method), "route": .string(request.path),
                "status": .stringConvertible(refusal.status), "refused": .string(refusal.message),
            ])
            return response
        }
    }

    /// The error that refuses `request` on its head, or nil.
    func checkHead(_ request: HTTPRequest) -> OpenAIError? {
        // A gateway that reads the last of two Authorization headers would authorize a different key than we check.
        if request.headers.values(for: "Authorization").count > 1 {
            return .invalidRequest("The request has more than one Authorization header; send exactly one.")
        }
        // Without an API key anyone who can reach the port may use it, so a web page must not be able to, through a
        // visitor's browser: DNS rebinding shows up as a foreign Host, a cross-site POST as a foreign Origin.
        if verifier == nil, let host = request.headers["Host"], !isAllowedHost(host) {
            return .invalidRequest("The Host '\(host)' is not served here; add it to server.allowed_hosts (--allowed-host).")
        }
        if request.method == "POST", let origin = request.headers["Origin"], !isAllowedOrigin(origin, host: request.headers["Host"]) {
            return OpenAIError(status: 403, message: "Requests from the web origin '\(origin)' are not allowed; add it to server.cors_origins (--cors-origin).",
                               type: "invalid_request_error", code: "origin_not_allowed")
        }
        let route = Route(method: request.method, path: Self.normalizedPath(request.path))
        if route.needsAuth(metricsRequireAuth: options.metricsRequireAuth), let verifier,
           !verifier.verify(authorizationHeader: request.headers["Authorization"]) {
            switch route {
            case .notFound, .methodNotAllowed: return nil  // answered as such by the route, key or not
            default: return .authentication(keyProvided: request.headers["Authorization"] != nil)
            }
        }
        return nil
    }

    /// `/v1/models/` and `/v1/models` are the same route.
    static func normalizedPath(_ path: String) -> String {
        path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
    }

    /// Whether a `Host` header (name or address, optional port) is one this server answers without an API key.
    func isAllowedHost(_ header: String) -> Bool {
        let allowed = options.allowedHosts
        if allowed.contains("*") { return true }
        let host = Self.hostName(header)
        if allowed.isEmpty {
            return Self.isLoopbackName(host) || Self.isIPLiteral(host) || host == Self.hostName(options.bindHost)
        }
        return allowed.contains { Self.hostName($0) == host }
    }

    /// Whether a POST may come from a page at `origin`: it is in `cors_origins` (or `*` is), or it is this server
    /// itself (same origin as the `Host` it was sent to).
    func isAllowedOrigin(_ origin: String, host: String?) -> Bool {
        let allowed = options.corsOrigins
        if allowed.contains("*") || allowed.contains(origin) { return true }
        guard let host, let url = URL(string: origin), let originHost = url.host else { return false }
        let originAuthority = url.port.map { "\(originHost):\($0)" } ?? originHost
        return originAuthority.lowercased() == host.lowercased()
    }

    /// The host part of a `Host` value, lowercased, without port or IPv6 brackets.
    static func hostName(_ value: String) -> String {
        let v = value.lowercased()
        if v.hasPrefix("["), let end = v.firstIndex(of: "]") { return String(v[v.index(after: v.startIndex)..<end]) }
        if v.filter({ $0 == ":" }).count == 1, let colon = v.firstIndex(of: ":") { return String(v[..<colon]) }
        return v
    }

    static func isLoopbackName(_ host: String) -> Bool {
        host == "localhost" || host.hasSuffix(".localhost")
    }

    static func isIPLiteral(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }
}
