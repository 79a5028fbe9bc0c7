import ArgumentParser
import Configuration
import Foundation
import GGUF
import Generation
import HTTP
import Inference
import Logging
import Server
import Synchronization
import Tokenizers

/// Runs `hearth serve` from a validated config: listen, load the model with progress, serve, drain on a signal.
struct ServerRunner {
    let config: ServeConfig
    let tls: TLSConfiguration?
    let logger: Logger

    func run() throws {
        let cfg = config
        let descriptors = Self.raiseDescriptorLimit()
        var options = ServerOptions(modelID: cfg.servedModelID)
        options.aliases = cfg.aliases
        options.apiKeys = cfg.apiKeys
        options.corsOrigins = cfg.corsOrigins
        options.metricsRequireAuth = cfg.metricsRequireAuth
        options.reasoningFormat = cfg.reasoningFormat == .none ? .none : .auto
        options.logger = logger
        options.logContent = cfg.logContent
        options.allowSpecialInContent = cfg.allowSpecialInContent
        options.allowedHosts = cfg.allowedHosts
        options.bindHost = cfg.host
        let api = OpenAIServer(options: options)

        // Listen first so /health answers 503 while the model loads.
        var http = HTTPServerConfiguration(host: cfg.host, port: cfg.port)
        http.maxBodyBytes = cfg.maxBodyBytes
        http.maxHeaderBytes = cfg.maxHeaderBytes
        http.maxConnections = cfg.maxConnections
        http.maxConnectionsPerClient = cfg.maxConnectionsPerClient
        // Health checks and scrapes are answered even when slow or idle clients hold every connection.
        http.reservedPaths = ["/health", "/v1/health", "/metrics"]
        http.headFilter = api.headFilter
        http.headerTimeout = .seconds(cfg.headerTimeout)
        http.bodyTimeout = .seconds(cfg.bodyTimeout)
        http.idleTimeout = .seconds(cfg.idleTimeout)
        http.writeTimeout = .seconds(cfg.writeTimeout)
        http.tls = tls
        http.errorResponder = api.countingErrorResponder
        let httpLogger = logger
        http.logger = { httpLogger.warning("\($0)") }
        let server = HTTPServer(configuration: http, handler: api.handler)
        try server.start()
        let scheme = tls == nil ? "http" : "https"
        logger.info("listening", metadata: [
            "url": .string("\(scheme)://\(cfg.host.contains(":") ? "[\(cfg.host)]" : cfg.host):\(server.port)"),
            "model_id": .string(options.modelID), "api_keys": .string(cfg.apiKeys.isEmpty ? "off" : "required"),
            "max_open_files": .stringConvertible(descriptors),
        ])

        let drain = cfg.drainTimeout
        let signals = Atomic<Int>(0)
        let stop = ShutdownSignals { signal in
            // Nothing is in flight while loading, and a second signal means "now": neither waits for a drain.
            if api.model == nil || signals.add(1, ordering: .relaxed).newValue > 1 {
                logger.info("stopping at once", metadata: ["signal": .stringConvertible(Int(signal))])
                exit(0)
            }
            logger.info("draining", metadata: ["signal": .stringConvertible(Int(signal)), "timeout_s": .stringConvertible(drain)])
            server.shutdown(drainTimeout: .milliseconds(Int(drain * 1000)))
        }

        let engine: Engine
        do {
            engine = try loadModel(api: api)
        } catch {
            logger.critical("model failed to load", metadata: ["path": .string(cfg.modelPath), "error": .string("\(error)")])
            server.shutdown(drainTimeout: .zero)
            server.waitUntilStopped()
            printError("\(error)")
            throw ExitCode(1)
        }

        server.waitUntilStopped()
        engine.stop()
        withExtendedLifetime(stop) {}
        logger.info("stopped")
    }

    /// Maps and dequantizes the model, sizes the KV cache, starts the engine and hands the model to the API.
    private func loadModel(api: OpenAIServer) throws -> Engine {
        let cfg = config
        let start = Date()
        let file = try GGUFFile(path: cfg.modelPath)
        let modelConfig = try ModelConfig(gguf: file)
        let tokenizer = try Tokenizer(gguf: file)
        let prompt = try ChatPrompt.load(embedded: file.string("tokenizer.chat_template"), override: cfg.chatTemplate,
                                         tokenizer: tokenizer, warn: { logger.warning("\($0)") })
        logger.info("loading model", metadata: [
            "path": .string(cfg.modelPath), "architecture": .string(modelConfig.architecture),
            "layers": .stringConvertible(modelConfig.layers), "file_mb": .stringConvertible(file.fileSize / 1_000_000),
        ])
        var engineConfig = EngineConfiguration.sized(for: modelConfig, memoryBudget: cfg.kvCacheMemory,
                                                     precision: cfg.kvCacheType == .f16 ? .f16 : .f32)
        let kvBytes = engineConfig.kvBytes(for: modelConfig)
        // Weights and a full KV cache must fit in what the machine has now: refuse at load, in one line, rather than
        // be killed mid-request when the cache fills.
        let weightBytes = try ModelWeights.plannedBytes(file: file, config: modelConfig)
        let available = MemoryBudget.current()
        if weightBytes + kvBytes > available.bytes {
            throw ModelError.insufficientMemory(
                what: "the weights (\(weightBytes / 1_048_576) MiB) and the KV cache (\(kvBytes / 1_048_576) MiB)",
                needed: weightBytes + kvBytes, available: available.bytes, limit: available.source)
        }
        let reporter = LoadProgressReporter(style: LoadProgressReporter.styleForStandardError(), logger: logger)
        let weights = try ModelWeights(file: file, config: modelConfig, progress: { reporter.update($0) })

        engineConfig.maxBatchTokens = cfg.maxBatchTokens
        engineConfig.maxSequences = cfg.maxSequences
        engineConfig.maxWaiting = cfg.maxWaiting
        engineConfig.threads = cfg.threads
        engineConfig.prefixCaching = cfg.prefixCaching
        engineConfig.contextLength = cfg.contextLength
        if let asked = cfg.contextLength, asked > modelConfig.contextLength {
            logger.warning("context_length is larger than the model's; using the model's",
                           metadata: ["asked": .stringConvertible(asked), "model": .stringConvertible(modelConfig.contextLength)])
        }
        let engine = try Engine(weights: weights, tokenizer: tokenizer, configuration: engineConfig)
        engine.start()
        api.setModel(ServedModel(engine: engine, prompt: prompt))
        logger.info("model ready", metadata: [
            "load_s": .stringConvertible((Date().timeIntervalSince(start) * 10).rounded() / 10),
            "weights_mb": .stringConvertible(weights.residentBytes / 1_000_000),
            "rss_mb": .stringConvertible(Self.residentMegabytes() ?? -1),
            "context": .stringConvertible(engine.contextLength),
            "kv_blocks": .stringConvertible(engineConfig.blockCount),
            "kv_tokens": .stringConvertible(engineConfig.blockCount * engineConfig.blockSize),
            "kv_mb": .stringConvertible(kvBytes / 1_000_000), "kv_type": .string(cfg.kvCacheType.rawValue),
            "threads": .stringConvertible(cfg.threads), "kernels": .string(KernelISA.selected.name),
            "chat_template": .string(prompt.origin),
        ])
        return engine
    }

    /// Raises the soft limit on open files to the hard limit and returns it. A request holds three descriptors
    /// (socket, and its handle's readiness pipe), so the common soft default of 1,024 would run out near 340
    /// concurrent requests, below `limits.max_connections`.
    static func raiseDescriptorLimit() -> Int {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return -1 }
        if limit.rlim_cur < limit.rlim_max {
            var raised = limit
            raised.rlim_cur = limit.rlim_max
            if setrlimit(Int32(RLIMIT_NOFILE.rawValue), &raised) == 0 { limit = raised }
        }
        return limit.rlim_cur >= rlim_t(Int.max) ? Int.max : Int(limit.rlim_cur)
    }

    /// This process's resident set in MB, from /proc (nil elsewhere).
    static func residentMegabytes() -> Int? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
              let kb = Int(line.split(separator: " ").dropFirst().first ?? "") else { return nil }
        return kb / 1000
    }
}

