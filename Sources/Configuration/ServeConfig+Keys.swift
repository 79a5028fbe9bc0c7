extension ServeConfig {
    /// Every configuration key, in the order `reference` and the shipped config file present them.
    public static let keys: [ConfigKey] = [
        // server
        ConfigKey("server.host", flag: "--host", env: "HEARTH_HOST", kind: .string, default: "127.0.0.1",
                  help: "Address to listen on (IPv4 or IPv6, e.g. 0.0.0.0 or ::)."),
        ConfigKey("server.port", flag: "--port", env: "HEARTH_PORT", kind: .integer(0...65535), default: "8080",
                  help: "Port to listen on (0 picks a free one)."),
        ConfigKey("server.api_keys", flag: "--api-key", env: "HEARTH_API_KEYS", kind: .list, default: "none",
                  help: "API keys clients must send as a Bearer token; none means no authentication."),
        ConfigKey("server.cors_origins", flag: "--cors-origin", env: "HEARTH_CORS_ORIGINS", kind: .list, default: "none",
                  help: "Origins that get CORS headers and preflight answers; * allows any."),
        ConfigKey("server.metrics_require_auth", flag: "--metrics-require-auth", env: "HEARTH_METRICS_REQUIRE_AUTH",
                  kind: .boolean, default: "false", help: "Require an API key for /metrics too."),
        ConfigKey("server.allowed_hosts", flag: "--allowed-host", env: "HEARTH_ALLOWED_HOSTS", kind: .list,
                  default: "local",
                  help: "Host headers served without an API key (stops DNS rebinding): by default loopback names, "
                      + "IP literals and server.host; * allows any."),
        ConfigKey("server.special_in_content", flag: "--allow-special-in-content", env: "HEARTH_SPECIAL_IN_CONTENT",
                  kind: .boolean, default: "false",
                  help: "Parse special-token text in message content as control tokens (lets users forge chat roles)."),
        ConfigKey("server.tls_cert", flag: "--tls-cert", env: "HEARTH_TLS_CERT", kind: .path, default: "none (HTTP)",
                  help: "PEM certificate chain file; serves HTTPS when set together with tls_key."),
        ConfigKey("server.tls_key", flag: "--tls-key", env: "HEARTH_TLS_KEY", kind: .path, default: "none (HTTP)",
                  help: "PEM private key file for tls_cert."),
        // model
        ConfigKey("model.path", flag: "--model", env: "HEARTH_MODEL", kind: .path, default: "required",
                  help: "The GGUF model file to serve."),
        ConfigKey("model.id", flag: "--model-id", env: "HEARTH_MODEL_ID", kind: .string, default: "file name",
                  help: "Model name clients send; defaults to the model file's name without .gguf."),
        ConfigKey("model.aliases", flag: "--alias", env: "HEARTH_ALIASES", kind: .list, default: "none",
                  help: "Other model names clients may send."),
        ConfigKey("model.chat_template", flag: "--chat-template", env: "HEARTH_CHAT_TEMPLATE", kind: .path,
                  default: "the model's", help: "A Jinja chat template file that replaces the model's own."),
        ConfigKey("model.reasoning_format", flag: "--reasoning-format", env: "HEARTH_REASONING_FORMAT",
                  kind: .choice(["auto", "none"]), default: "auto",
                  help: "auto splits <think> output into reasoning_content; none leaves it in content."),
        // engine
        ConfigKey("engine.context_length", flag: "--context-length", env: "HEARTH_CONTEXT_LENGTH",
                  kind: .integer(16...Int.max), default: "the model's",
                  help: "Context window in tokens (prompt plus output), at least 16."),
        ConfigKey("engine.kv_cache_memory", flag: "--kv-cache-memory", env: "HEARTH_KV_CACHE_MEMORY",
                  kind: .size(min: 1), default: "20% of RAM",
                  help: "Memory for the KV cache, e.g. 2GiB or 512MiB; by default 20% of RAM, at most 8 GiB."),
        ConfigKey("engine.kv_cache_type", flag: "--kv-cache-type", env: "HEARTH_KV_CACHE_TYPE",
                  kind: .choice(["f32", "f16"]), default: "f32",
                  help: "KV cache element type; f16 holds twice the tokens in the same memory."),
        ConfigKey("engine.max_sequences", flag: "--max-sequences", env: "HEARTH_MAX_SEQUENCES",
                  kind: .integer(1...Int.max), default: "64", help: "Most sequences generating at once."),
        ConfigKey("engine.max_batch_tokens", flag: "--max-batch-tokens", env: "HEARTH_MAX_BATCH_TOKENS",
                  kind: .integer(16...Int.max), default: "512",
                  help: "Tokens per engine step, prefill chunks and decodes together; at least 16."),
        ConfigKey("engine.max_waiting", flag: "--max-waiting", env: "HEARTH_MAX_WAITING",
                  kind: .integer(1...Int.max), default: "256",
                  help: "Most requests queued for a sequence slot; beyond it clients get 429."),
        ConfigKey("engine.threads", flag: "--threads", env: "HEARTH_THREADS", kind: .integer(1...Int.max),
                  default: "CPU count", help: "Threads for the compute kernels; defaults to the processors available."),
        ConfigKey("engine.prefix_caching", flag: "--no-prefix-caching", env: "HEARTH_PREFIX_CACHING", kind: .boolean,
                  default: "true", help: "Reuse the KV cache of shared prompt prefixes; the flag turns it off."),
        // limits
        ConfigKey("limits.max_body_bytes", flag: "--max-body-bytes", env: "HEARTH_MAX_BODY_BYTES", kind: .size(min: 1),
                  default: "4MiB", help: "Largest request body; bigger ones get 413."),
        ConfigKey("limits.max_header_bytes", flag: "--max-header-bytes", env: "HEARTH_MAX_HEADER_BYTES",
                  kind: .size(min: 1), default: "16KiB",
                  help: "Largest request line plus headers; bigger ones get 431."),
        ConfigKey("limits.max_connections", flag: "--max-connections", env: "HEARTH_MAX_CONNECTIONS",
                  kind: .integer(1...Int.max), default: "512", help: "Most open connections; beyond it clients get 503."),
        ConfigKey("limits.client_connections", flag: "--max-client-connections",
                  env: "HEARTH_CLIENT_CONNECTIONS", kind: .integer(0...Int.max), default: "0",
                  help: "Most open connections from one client address; 0 means no per-client limit."),
        ConfigKey("limits.header_timeout", flag: "--header-timeout", env: "HEARTH_HEADER_TIMEOUT", kind: .duration,
                  default: "10s", help: "Time a client has to send the request line and headers."),
        ConfigKey("limits.body_timeout", flag: "--body-timeout", env: "HEARTH_BODY_TIMEOUT", kind: .duration,
                  default: "30s", help: "Time a client has to send the request body."),
        ConfigKey("limits.idle_timeout", flag: "--idle-timeout", env: "HEARTH_IDLE_TIMEOUT", kind: .duration,
                  default: "60s", help: "Time a keep-alive connection may sit idle between requests."),
        ConfigKey("limits.write_timeout", flag: "--write-timeout", env: "HEARTH_WRITE_TIMEOUT", kind: .duration,
                  default: "30s", help: "Time a client has to accept each write of a response."),
        ConfigKey("limits.drain_timeout", flag: "--drain-timeout", env: "HEARTH_DRAIN_TIMEOUT", kind: .duration,
                  default: "30s", help: "Time in-flight requests get to finish on SIGINT or SIGTERM."),
        // log
        ConfigKey("log.level", flag: "--log-level", env: "HEARTH_LOG_LEVEL",
                  kind: .choice(["trace", "debug", "info", "notice", "warning", "error", "critical"]), default: "info",
                  help: "Lowest level logged: trace, debug, info, notice, warning, error or critical."),
        ConfigKey("log.format", flag: "--log-format", env: "HEARTH_LOG_FORMAT", kind: .choice(["text", "json"]),
                  default: "text", help: "text for people, json (one object per line) for log collectors."),
        ConfigKey("log.content", flag: "--log-content", env: "HEARTH_LOG_CONTENT", kind: .boolean, default: "false",
                  help: "Log prompts and outputs; off by default because they may be private."),
    ]

    /// The sections of the config file, in order.
    static let sections: [String] = {
        var seen: [String] = []
        for key in keys where !seen.contains(key.section) { seen.append(key.section) }
        return seen
    }()

    /// The key at `path`, if there is one.
    static func key(at path: String) -> ConfigKey? {
        keys.first { $0.path == path }
    }

    /// Stores a parsed value in the field for `path`; false if the path or the value's shape is unknown.
    mutating func apply(_ path: String, _ value: ConfigValue) -> Bool {
        switch (path, value) {
        case ("server.host", .text(let v)): host = v
        case ("server.port", .integer(let v)): port = v
        case ("server.api_keys", .list(let v)): apiKeys = v
        case ("server.cors_origins", .list(let v)): corsOrigins = v
        case ("server.metrics_require_auth", .flag(let v)): metricsRequireAuth = v
        case ("server.allowed_hosts", .list(let v)): allowedHosts = v
        case ("server.special_in_content", .flag(let v)): allowSpecialInContent = v
        case ("server.tls_cert", .text(let v)): tlsCertificate = v
        case ("server.tls_key", .text(let v)): tlsKey = v
        case ("model.path", .text(let v)): modelPath = v
        case ("model.id", .text(let v)): modelID = v
        case ("model.aliases", .list(let v)): aliases = v
        case ("model.chat_template", .text(let v)): chatTemplate = v
        case ("model.reasoning_format", .text(let v)): reasoningFormat = v
        case ("engine.context_length", .integer(let v)): contextLength = v
        case ("engine.kv_cache_memory", .integer(let v)): kvCacheMemory = v
        case ("engine.kv_cache_type", .text(let v)): kvCacheType = v
        case ("engine.max_sequences", .integer(let v)): maxSequences = v
        case ("engine.max_batch_tokens", .integer(let v)): maxBatchTokens = v
        case ("engine.max_waiting", .integer(let v)): maxWaiting = v
        case ("engine.threads", .integer(let v)): threads = v
        case ("engine.prefix_caching", .flag(let v)): prefixCaching = v
        case ("limits.max_body_bytes", .integer(let v)): maxBodyBytes = v
        case ("limits.max_header_bytes", .integer(let v)): maxHeaderBytes = v
        case ("limits.max_connections", .integer(let v)): maxConnections = v
        case ("limits.client_connections", .integer(let v)): maxConnectionsPerClient = v
        case ("limits.header_timeout", .seconds(let v)): headerTimeout = v
        case ("limits.body_timeout", .seconds(let v)): bodyTimeout = v
        case ("limits.idle_timeout", .seconds(let v)): idleTimeout = v
        case ("limits.write_timeout", .seconds(let v)): writeTimeout = v
        case ("limits.drain_timeout", .seconds(let v)): drainTimeout = v
        case ("log.level", .text(let v)): logLevel = v
        case ("log.format", .text(let v)): logFormat = v
        case ("log.content", .flag(let v)): logContent = v
        default: return false
        }
        return true
    }
}
