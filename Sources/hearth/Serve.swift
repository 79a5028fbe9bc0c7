import ArgumentParser
import Configuration
import Foundation
import GGUF
import Generation
import HTTP
import Inference
import Logging
import Server
import Tokenizers

/// `hearth serve`: the OpenAI-compatible HTTP server, configured by flags, HEARTH_* variables and a YAML file.
struct Serve: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Serve a GGUF model over an OpenAI-compatible HTTP API.",
        discussion: Serve.keyReference)

    /// Every config key as two short lines (ArgumentParser wraps the discussion at 80 columns).
    static var keyReference: String {
        var lines = [
            "Settings come from flags, then HEARTH_* environment variables, then the",
            "config file (--config, HEARTH_CONFIG, or \(ServeConfig.defaultConfigPath) if it",
            "exists), then defaults. In the file, server.port is `port:` under `server:`;",
            "relative paths there resolve against the file's directory. Sizes: 512MiB,",
            "2GiB, 1000000. Durations: 30, 500ms, 2m. Lists: repeat the flag (+), commas",
            "in the environment, a YAML list in the file. An invalid setting prints one",
            "line naming its key and exits with status 2.",
            "",
            "Keys:",
        ]
        var section = ""
        for key in ServeConfig.keys {
            if key.section != section, !section.isEmpty { lines.append("") }
            section = key.section
            lines.append("  \(key.path)  (\(key.flag)\(key.isRepeatable ? " +" : ""), \(key.env); default: \(key.defaultText))")
            lines.append("      \(key.help)")
        }
        return lines.joined(separator: "\n")
    }

    // Every value is taken as text and parsed by the Configuration target, so a bad flag gets the same
    // one-line error, naming its key, as a bad file entry or environment variable.
    @Option(help: "Config file (default: \(ServeConfig.defaultConfigPath) when it exists).") var config: String?
    @Option(help: Serve.key("server.host")) var host: String?
    @Option(help: Serve.key("server.port")) var port: String?
    @Option(help: Serve.key("server.api_keys")) var apiKey: [String] = []
    @Option(help: Serve.key("server.cors_origins")) var corsOrigin: [String] = []
    @Flag(help: Serve.key("server.metrics_require_auth")) var metricsRequireAuth = false
    @Option(help: Serve.key("server.allowed_hosts")) var allowedHost: [String] = []
    @Flag(help: Serve.key("server.special_in_content")) var allowSpecialInContent = false
    @Option(help: Serve.key("server.tls_cert")) var tlsCert: String?
    @Option(help: Serve.key("server.tls_key")) var tlsKey: String?
    @Option(help: Serve.key("model.path")) var model: String?
    @Option(help: Serve.key("model.id")) var modelID: String?
    @Option(help: Serve.key("model.aliases")) var alias: [String] = []
    @Option(help: Serve.key("model.chat_template")) var chatTemplate: String?
    @Option(help: Serve.key("model.reasoning_format")) var reasoningFormat: String?
    @Option(help: Serve.key("engine.context_length")) var contextLength: String?
    @Option(help: Serve.key("engine.kv_cache_memory")) var kvCacheMemory: String?
    @Option(help: Serve.key("engine.kv_cache_type")) var kvCacheType: String?
    @Option(help: Serve.key("engine.max_sequences")) var maxSequences: String?
    @Option(help: Serve.key("engine.max_batch_tokens")) var maxBatchTokens: String?
    @Option(help: Serve.key("engine.max_waiting")) var maxWaiting: String?
    @Option(help: Serve.key("engine.threads")) var threads: String?
    @Flag(help: Serve.key("engine.prefix_caching")) var noPrefixCaching = false
    @Option(help: Serve.key("limits.max_body_bytes")) var maxBodyBytes: String?
    @Option(help: Serve.key("limits.max_header_bytes")) var maxHeaderBytes: String?
    @Option(help: Serve.key("limits.max_connections")) var maxConnections: String?
    @Option(help: Serve.key("limits.client_connections")) var maxClientConnections: String?
    @Option(help: Serve.key("limits.header_timeout")) var headerTimeout: String?
    @Option(help: Serve.key("limits.body_timeout")) var bodyTimeout: String?
    @Option(help: Serve.key("limits.idle_timeout")) var idleTimeout: String?
    @Option(help: Serve.key("limits.write_timeout")) var writeTimeout: String?
    @Option(help: Serve.key("limits.drain_timeout")) var drainTimeout: String?
    @Option(help: Serve.key("log.level")) var logLevel: String?
    @Option(help: Serve.key("log.format")) var logFormat: String?
    @Flag(help: Serve.key("log.content")) var logContent = false

    /// A flag's help: the key's one-line help from the key table, and the key it sets.
    static func key(_ path: String) -> ArgumentHelp {
        ArgumentHelp("\(ServeConfig.keys.first { $0.path == path }?.help ?? "") [\(path)]")
    }

    /// The flags the user gave, keyed by config key path.
    var flagValues: [String: [String]] {
        var f: [String: [String]] = [:]
        func put(_ key: String, _ value: String?) { if let value { f[key] = [value] } }
        func list(_ key: String, _ values: [String]) { if !values.isEmpty { f[key] = values } }
        put("server.host", host); put("server.port", port)
        list("server.api_keys", apiKey); list("server.cors_origins", corsOrigin)
        if metricsRequireAuth { f["server.metrics_require_auth"] = ["true"] }
        list("server.allowed_hosts", allowedHost)
        if allowSpecialInContent { f["server.special_in_content"] = ["true"] }
        put("server.tls_cert", tlsCert); put("server.tls_key", tlsKey)
        put("model.path", model); put("model.id", modelID); list("model.aliases", alias)
        put("model.chat_template", chatTemplate); put("model.reasoning_format", reasoningFormat)
        put("engine.context_length", contextLength); put("engine.kv_cache_memory", kvCacheMemory)
        put("engine.kv_cache_type", kvCacheType); put("engine.max_sequences", maxSequences)
        put("engine.max_batch_tokens", maxBatchTokens); put("engine.max_waiting", maxWaiting); put("engine.threads", threads)
        if noPrefixCaching { f["engine.prefix_caching"] = ["false"] }
        put("limits.max_body_bytes", maxBodyBytes); put("limits.max_header_bytes", maxHeaderBytes)
        put("limits.max_connections", maxConnections); put("limits.header_timeout", headerTimeout)
        put("limits.client_connections", maxClientConnections)
        put("limits.body_timeout", bodyTimeout); put("limits.idle_timeout", idleTimeout)
        put("limits.write_timeout", writeTimeout); put("limits.drain_timeout", drainTimeout)
        put("log.level", logLevel); put("log.format", logFormat)
        if logContent { f["log.content"] = ["true"] }
        return f
    }

    func run() throws {
        let env = ProcessInfo.processInfo.environment
        let cfg: ServeConfig
        do {
            cfg = try ServeConfig.load(configPath: config ?? env["HEARTH_CONFIG"], environment: env, flags: flagValues,
                                       workingDirectory: FileManager.default.currentDirectoryPath)
        } catch {
            printError("config error: \(error)")
            throw ExitCode(2)
        }
        let physical = Int(ProcessInfo.processInfo.physicalMemory)
        if let kv = cfg.kvCacheMemory, kv >= physical {
            printError("config error: engine.kv_cache_memory: \(kv / 1_048_576) MiB is more than this machine's memory (\(physical / 1_048_576) MiB)")
            throw ExitCode(2)
        }
        let logger = bootstrapLogging(cfg)
        let tls: TLSConfiguration?
        do {
            tls = try cfg.tlsCertificate.map { try TLSConfiguration(certificatePath: $0, keyPath: cfg.tlsKey ?? "") }
        } catch {
            printError("TLS error: \(error)")
            throw ExitCode(2)
        }
        try ServerRunner(config: cfg, tls: tls, logger: logger).run()
    }

    private func bootstrapLogging(_ cfg: ServeConfig) -> Logger {
        let level = Logger.Level(rawValue: cfg.logLevel) ?? .info
        let format = LogFormat(rawValue: cfg.logFormat) ?? .text
        LoggingSystem.bootstrap { label in HearthLogHandler(label: label, level: level, format: format) }
        return Logger(label: "hearth")
    }
}
