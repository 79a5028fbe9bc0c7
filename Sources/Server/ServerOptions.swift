import Logging

/// What the operator chose for the HTTP API.
public struct ServerOptions: Sendable {
    /// The id clients send as `model`.
    public var modelID: String
    /// Other names accepted as `model`.
    public var aliases: [String] = []
    /// Bearer keys; empty means no authentication.
    public var apiKeys: [String] = []
    /// Origins that get CORS headers (`*` allows any); when non-empty, OPTIONS preflights are answered.
    public var corsOrigins: [String] = []
    /// Split `<think>` output into `reasoning_content` (auto) or leave it in `content` (none).
    public var reasoningFormat: ReasoningFormat = .auto
    /// Whether /metrics needs the API key.
    public var metricsRequireAuth = false
    /// Seconds a client is told to wait after a 429.
    public var retryAfterSeconds = 1
    /// Where the per-request log lines go.
    public var logger = Logger(label: "hearth", factory: { _ in SwiftLogNoOpLogHandler() })
    /// Whether request log lines carry the prompt and the output; off by default, since they may be private.
    public var logContent = false
    /// Whether special-token text inside message content is parsed as the real tokens (role forgery becomes
    /// possible); off by default, so only the chat template's own text can produce control tokens.
    public var allowSpecialInContent = false
    /// Host header values accepted when no API key is set (DNS-rebinding defence); `*` accepts any. Empty means the
    /// default: loopback names, IP literals and `bindHost`.
    public var allowedHosts: [String] = []
    /// The address the server listens on, which the default `allowedHosts` accepts.
    public var bindHost = "127.0.0.1"

    public init(modelID: String) { self.modelID = modelID }

    /// The model names a request may use.
    public var servedNames: [String] { [modelID] + aliases }
}

/// How reasoning output is returned.
public enum ReasoningFormat: String, Sendable, CaseIterable {
    case auto, none
}
