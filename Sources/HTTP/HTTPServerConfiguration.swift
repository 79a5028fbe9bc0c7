/// Everything an `HTTPServer` can be tuned with; the defaults suit a public-facing API server.
public struct HTTPServerConfiguration: Sendable {
    /// Address to bind: "127.0.0.1", "0.0.0.0", "::" (dual-stack), "::1", "localhost" (every address it resolves to) or a name.
    public var host: String
    /// Port to bind; 0 picks an ephemeral port, reported by `HTTPServer.port`.
    public var port: Int
    /// Maximum bytes of request line plus headers; larger requests get 431.
    public var maxHeaderBytes: Int = 16 * 1024
    /// Maximum request body bytes after chunked decoding; larger bodies get 413.
    public var maxBodyBytes: Int = 4 * 1024 * 1024
    /// Time allowed from a request's first byte (or from accept, for the first request) to the end of its headers; then 408.
    public var headerTimeout: Duration = .seconds(10)
    /// Time allowed to receive a body once the headers are in; then 408.
    public var bodyTimeout: Duration = .seconds(30)
    /// Time an idle keep-alive connection is kept open waiting for the next request; then it is closed silently.
    public var idleTimeout: Duration = .seconds(60)
    /// Time one send may wait for a client that stops reading; then the write fails and the connection closes.
    public var writeTimeout: Duration = .seconds(30)
    /// How long a connection being closed after an error keeps reading, so the client sees the response and not a reset.
    public var lingerTimeout: Duration = .seconds(2)
    /// Maximum connections served at once; more are answered 503 and closed (but see `reservedConnections`).
    public var maxConnections: Int = 512
    /// Connections beyond `maxConnections` kept for `reservedPaths`, so health checks and scrapes are answered
    /// while slow or idle clients hold every regular slot. A reserve connection serves one GET of a reserved path
    /// (anything else gets 503) with a short header timeout, then closes.
    public var reservedConnections: Int = 8
    /// The paths a reserve connection serves, e.g. `/health` and `/metrics`; empty disables the reserve.
    public var reservedPaths: Set<String> = []
    /// Most connections one client address may hold at once; 0 means no per-client limit.
    public var maxConnectionsPerClient: Int = 0
    /// Checks a request's head before its body is read (authentication, Host, Origin); a response it returns is
    /// sent instead of calling the handler, and the connection closes without reading the body.
    public var headFilter: (@Sendable (HTTPRequest) -> HTTPResponse?)?
    /// The listen(2) backlog.
    public var backlog: Int = 1024
    /// The `Server` header value; nil omits the header.
    public var serverName: String? = "hearth"
    /// Whether responses carry a `Date` header (RFC 9110 §6.6.1).
    public var sendDateHeader: Bool = true
    /// Builds the response for protocol-level errors (400, 408, 413, 431, 500, 501, 503 …); plain text unless the
    /// application shapes them (the OpenAI server answers in its error JSON).
    public var errorResponder: HTTPErrorResponder = { status, message in
        HTTPResponse.text(message, status: status)
    }
    /// Serves HTTPS with this certificate and key when set; nil (the default) serves plain HTTP.
    public var tls: TLSConfiguration?
    /// Receives diagnostics such as handler errors and accept failures; nil discards them.
    public var logger: (@Sendable (String) -> Void)?

    /// Creates a configuration for `host`:`port` with default limits.
    public init(host: String = "127.0.0.1", port: Int = 8080) {
        self.host = host
        self.port = port
    }

    var parserLimits: HTTPRequestParser.Limits {
        HTTPRequestParser.Limits(maxHeaderBytes: maxHeaderBytes, maxBodyBytes: maxBodyBytes)
    }

    var responseOptions: ResponseOptions {
        ResponseOptions(serverName: serverName, sendDateHeader: sendDateHeader)
    }
}
