extension ServeConfig {
    /// Every configuration key, in the order `reference` and the shipped config file present them.
    public static let keys: [ConfigKey] = [
        // server
        ConfigKey("server.host", flag: "--host", env: "HEARTH_HOST", kind: .string,
                  store: .text(\.host),
                  help: "Address to listen on (IPv4 or IPv6, e.g. 0.0.0.0 or ::)."),
        ConfigKey("server.port", flag: "--port", env: "HEARTH_PORT", kind: .integer(0...65535),
                  store: .integer(\.port),
                  help: "Port to listen on (0 picks a free one)."),
        ConfigKey("server.api_keys", flag: "--api-key", env: "HEARTH_API_KEYS", kind: .list,
                  store: .list(\.apiKeys),
                  help: "API keys clients must send as a Bearer token; none means no authentication."),
        ConfigKey("server.cors_origins", flag: "--cors-origin", env: "HEARTH_CORS_ORIGINS", kind: .list,
                  store: .list(\.corsOrigins),
                  help: "Origins that get CORS headers and preflight answers; * allows any."),
        ConfigKey("server.metrics_require_auth", flag: "--metrics-require-auth", env: "HEARTH_METRICS_REQUIRE_AUTH",
                  kind: .boolean,
                  store: .flag(\.metricsRequireAuth),
                  help: "Require an API key for /metrics too."),
        ConfigKey("server.allowed_hosts", flag: "--allowed-host", env: "HEARTH_ALLOWED_HOSTS", kind: .list, default: "local",
                  store: .list(\.allowedHosts),
                  help: "Host headers served without an API key (stops DNS rebinding): by default loopback names, "
                      + "IP literals and server.host; * allows any."),
        ConfigKey("server.special_in_content", flag: "--allow-special-in-content", env: "HEARTH_SPECIAL_IN_CONTENT",
                  kind: .boolean,
                  store: .flag(\.allowSpecialInContent),
                  help: "Parse special-token text in message content as control tokens (lets users forge chat roles)."),
        ConfigKey("server.tls_cert", flag: "--tls-cert", env: "HEARTH_TLS_CERT", kind: .path, default: "none (HTTP)",
                  store: .text(\.tlsCertificate),
                  help: "PEM certificate chain file; serves HTTPS when set together with tls_key."),
        ConfigKey("server.tls_key", flag: "--tls-key", env: "HEARTH_TLS_KEY", kind: .path, default: "none (HTTP)",
                  store: .text(\.tlsKey),
                  help: "PEM private key file for tls_cert."),
        // model
        ConfigKey("model.path", flag: "--model", env: "HEARTH_MODEL", kind: .path, default: "required",
                  store: .text(\.modelPath),
                  help: "The GGUF model file to serve."),
        ConfigKey("model.id", flag: "--model-id", env: "HEARTH_MODEL_ID", kind: .string, default: "file name",
                  store: .text(\.modelID),
                  help: "Model name clients send; defaults to the model file's name without .gguf."),
        ConfigKey("model.aliases", flag: "--alias", env: "HEARTH_ALIASES", kind: .list,
                  store: .list(\.aliases),
                  help: "Other model names clients may send."),
        ConfigKey("model.chat_template", flag: "--chat-template", env: "HEARTH_CHAT_TEMPLATE", kind: .path,
                  default: "the model's",
                  store: .text(\.chatTemplate),
                  help: "A Jinja chat template file that replaces the model's own."),
        ConfigKey("model.reasoning_format", flag: "--reasoning-format", env: "HEARTH_REASONING_FORMAT",
                  kind: .choice(of: ReasoningFormat.self),
                  store: .choice(\.reasoningFormat),
                  help: "auto splits <think> output into reasoning_content; none leaves it in content."),
        // engine
        ConfigKey("engine.context_length", flag: "--context-length", env: "HEARTH_CONTEXT_LENGTH",
                  kind: .integer(16...Int.max), default: "the model's",
                  store: .integer(\.contextLength),
                  help: "Context window in tokens (prompt plus output), at least 16."),
        ConfigKey("engine.kv_cache_memory", flag: "--kv-cache-memory", env: "HEARTH_KV_CACHE_MEMORY",
                  kind: .size(min: 1), default: "20% of RAM",
                  store: .integer(\.kvCacheMemory),
                  help: "Memory for the KV cache, e.g. 2GiB or 512MiB; by default 20% of RAM, at most 8 GiB."),
        ConfigKey("engine.kv_cache_type", flag: "--kv-cache-type", env: "HEARTH_KV_CACHE_TYPE",
                  kind: .choice(of: KVCacheType.self),
                  store: .choice(\.kvCacheType),
                  help: "KV cache element type; f16 holds twice the tokens in the same memory."),
        ConfigKey("engine.max_sequences", flag: "--max-sequences", env: "HEARTH_MAX_SEQUENCES",
                  kind: .integer(1...Int.max),
                  store: .integer(\.maxSequences),
                  help: "Most sequences generating at once."),
        ConfigKey("engine.max_batch_tokens", flag: "--max-batch-tokens", env: "HEARTH_MAX_BATCH_TOKENS",
                  kind: .integer(16...Int.max),
                  store: .integer(\.maxBatchTokens),
                  help: "Tokens per engine step, prefill chunks and decodes together; at least 16."),
        ConfigKey("engine.max_waiting", flag: "--max-waiting", env: "HEARTH_MAX_WAITING",
                  kind: .integer(1...Int.max),
                  store: .integer(\.maxWaiting),
                  help: "Most requests queued for a sequence slot; beyond it clients get 429."),
        ConfigKey("engine.threads", flag: "--threads", env: "HEARTH_THREADS", kind: .integer(1...Int.max),
                  default: "CPU count",
                  store: .integer(\.threads),
                  help: "Threads for the compute kernels; defaults to the processors available."),
        ConfigKey("engine.prefix_caching", flag: "--no-prefix-caching", env: "HEARTH_PREFIX_CACHING", kind: .boolean,
                  store: .flag(\.prefixCaching),
                  help: "Reuse the KV cache of shared prompt prefixes; the flag turns it off."),
        // limits
        ConfigKey("limits.max_body_bytes", flag: "--max-body-bytes", env: "HEARTH_MAX_BODY_BYTES", kind: .size(min: 1),
                  store: .integer(\.maxBodyBytes),
                  help: "Largest request body; bigger ones get 413."),
        ConfigKey("limits.max_header_bytes", flag: "--max-header-bytes", env: "HEARTH_MAX_HEADER_BYTES",
                  kind: .size(min: 1),
                  store: .integer(\.maxHeaderBytes),
                  help: "Largest request line plus headers; bigger ones get 431."),
        ConfigKey("limits.max_connections", flag: "--max-connections", env: "HEARTH_MAX_CONNECTIONS",
                  kind: .integer(1...Int.max),
                  store: .integer(\.maxConnections),
                  help: "Most open connections; beyond it clients get 503."),
        ConfigKey("limits.client_connections", flag: "--max-client-connections",
                  env: "HEARTH_CLIENT_CONNECTIONS", kind: .integer(0...Int.max),
                  store: .integer(\.maxConnectionsPerClient),
                  help: "Most open connections from one client address; 0 means no per-client limit."),
        ConfigKey("limits.header_timeout", flag: "--header-timeout", env: "HEARTH_HEADER_TIMEOUT", kind: .duration,
                  store: .seconds(\.headerTimeout),
                  help: "Time a client has to send the request line and headers."),
        ConfigKey("limits.body_timeout", flag: "--body-timeout", env: "HEARTH_BODY_TIMEOUT", kind: .duration,
                  store: .seconds(\.bodyTimeout),
                  help: "Time a client has to send the request body."),
        ConfigKey("limits.idle_timeout", flag: "--idle-timeout", env: "HEARTH_IDLE_TIMEOUT", kind: .duration,
                  store: .seconds(\.idleTimeout),
                  help: "Time a keep-alive connection may sit idle between requests."),
        ConfigKey("limits.write_timeout", flag: "--write-timeout", env: "HEARTH_WRITE_TIMEOUT", kind: .duration,
                  store: .seconds(\.writeTimeout),
                  help: "Time a client has to accept each write of a response."),
        ConfigKey("limits.drain_timeout", flag: "--drain-timeout", env: "HEARTH_DRAIN_TIMEOUT", kind: .duration,
                  store: .seconds(\.drainTimeout),
                  help: "Time in-flight requests get to finish on SIGINT or SIGTERM."),
        // log
        ConfigKey("log.level", flag: "--log-level", env: "HEARTH_LOG_LEVEL",
                  kind: .choice(of: LogLevel.self),
                  store: .choice(\.logLevel),
                  help: "Lowest level logged: trace, debug, info, notice, warning, error or critical."),
        ConfigKey("log.format", flag: "--log-format", env: "HEARTH_LOG_FORMAT", kind: .choice(of: LogFormat.self),
                  store: .choice(\.logFormat),
                  help: "text for people, json (one object per line) for log collectors."),
        ConfigKey("log.content", flag: "--log-content", env: "HEARTH_LOG_CONTENT", kind: .boolean,
                  store: .flag(\.logContent),
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
        guard let key = Self.key(at: path) else { return false }
        return key.store.write(&self, value)
    }
}
