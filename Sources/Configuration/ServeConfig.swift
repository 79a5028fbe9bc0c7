import Foundation

/// Everything `hearth serve` needs to start, after layering defaults, the config file, the environment and flags.
public struct ServeConfig: Equatable, Sendable {
    // MARK: server

    /// Address to listen on (`server.host`).
    public var host: String = "127.0.0.1"
    /// Port to listen on, 0 for any free one (`server.port`).
    public var port: Int = 8080
    /// Bearer tokens clients must send; empty means no authentication (`server.api_keys`).
    public var apiKeys: [String] = []
    /// Origins that get CORS headers, `*` for any (`server.cors_origins`).
    public var corsOrigins: [String] = []
    /// Whether `/metrics` also requires an API key (`server.metrics_require_auth`).
    public var metricsRequireAuth: Bool = false
    /// Host header values accepted without an API key; empty means loopback names, IP literals and `host`;
    /// `*` accepts any (`server.allowed_hosts`).
    public var allowedHosts: [String] = []
    /// Parse special-token text inside message content as the real tokens (`server.special_in_content`).
    public var allowSpecialInContent: Bool = false
    /// PEM certificate chain for HTTPS, set together with `tlsKey` (`server.tls_cert`).
    public var tlsCertificate: String?
    /// PEM private key for HTTPS, set together with `tlsCertificate` (`server.tls_key`).
    public var tlsKey: String?

    // MARK: model

    /// The GGUF file to serve (`model.path`).
    public var modelPath: String
    /// The model name clients send; nil means `servedModelID` (`model.id`).
    public var modelID: String?
    /// Other names clients may send for the model (`model.aliases`).
    public var aliases: [String] = []
    /// A Jinja chat template file that replaces the model's own (`model.chat_template`).
    public var chatTemplate: String?
    /// `auto` splits `<think>` output into `reasoning_content`; `none` leaves it in `content` (`model.reasoning_format`).
    public var reasoningFormat: ReasoningFormat = .auto

    // MARK: engine

    /// Context window in tokens; nil means the model's own (`engine.context_length`).
    public var contextLength: Int?
    /// Bytes for the KV cache; nil means the server's default budget (`engine.kv_cache_memory`).
    public var kvCacheMemory: Int?
    /// KV cache element type, `f32` or `f16` (`engine.kv_cache_type`).
    public var kvCacheType: KVCacheType = .f32
    /// Most sequences decoding at once (`engine.max_sequences`).
    public var maxSequences: Int = 64
    /// Tokens per engine step, prefill chunks and decodes together (`engine.max_batch_tokens`).
    public var maxBatchTokens: Int = 512
    /// Most requests queued before clients get 429 (`engine.max_waiting`).
    public var maxWaiting: Int = 256
    /// Threads for the compute kernels (`engine.threads`).
    public var threads: Int = ServeConfig.defaultThreads
    /// Whether KV blocks of shared prompt prefixes are reused across requests (`engine.prefix_caching`).
    public var prefixCaching: Bool = true

    // MARK: limits

    /// Largest request body in bytes (`limits.max_body_bytes`).
    public var maxBodyBytes: Int = 4 * 1024 * 1024
    /// Largest request head (request line and headers) in bytes (`limits.max_header_bytes`).
    public var maxHeaderBytes: Int = 16 * 1024
    /// Most open connections before clients get 503 (`limits.max_connections`).
    public var maxConnections: Int = 512
    /// Most open connections from one client address, 0 for no limit (`limits.client_connections`).
    public var maxConnectionsPerClient: Int = 0
    /// Seconds a client has to send the request head (`limits.header_timeout`).
    public var headerTimeout: Double = 10
    /// Seconds a client has to send the request body (`limits.body_timeout`).
    public var bodyTimeout: Double = 30
    /// Seconds a keep-alive connection may sit idle between requests (`limits.idle_timeout`).
    public var idleTimeout: Double = 60
    /// Seconds a client has to accept each write of the response (`limits.write_timeout`).
    public var writeTimeout: Double = 30
    /// Seconds in-flight requests get to finish on SIGINT/SIGTERM (`limits.drain_timeout`).
    public var drainTimeout: Double = 30

    // MARK: log

    /// Lowest level logged: trace, debug, info, notice, warning, error or critical (`log.level`).
    public var logLevel: LogLevel = .info
    /// `text` for people, `json` for log collectors (`log.format`).
    public var logFormat: LogFormat = .text
    /// Whether prompts and outputs are logged; off by default because they may be private (`log.content`).
    public var logContent: Bool = false

    /// A configuration with every default and the given model file.
    public init(modelPath: String) {
        self.modelPath = modelPath
    }

    /// The name the model is served under: `modelID`, else the model file's name without `.gguf`.
    public var servedModelID: String {
        if let modelID { return modelID }
        let name = modelPath.split(separator: "/").last.map(String.init) ?? modelPath
        return name.hasSuffix(".gguf") ? String(name.dropLast(5)) : name
    }

    /// `model.reasoning_format`.
    public enum ReasoningFormat: String, CaseIterable, Sendable { case auto, none }
    /// `engine.kv_cache_type`.
    public enum KVCacheType: String, CaseIterable, Sendable { case f32, f16 }
    /// `log.level`, swift-log's levels.
    public enum LogLevel: String, CaseIterable, Sendable { case trace, debug, info, notice, warning, error, critical }
    /// `log.format`.
    public enum LogFormat: String, CaseIterable, Sendable { case text, json }

    /// The default for `threads`: every processor this process may run on.
    public static var defaultThreads: Int { max(1, ProcessInfo.processInfo.activeProcessorCount) }
}
